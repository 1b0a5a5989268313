"""Event pages through the client: lists and filters, the event page, forms, bad input, CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from dpse.events import queries
from dpse.events.models import Event, EventFormat, EventStatus
from dpse.events.registrations import register_for_event
from dpse.extensions import db
from tests.conftest import csrf_token, login, post_form
from tests.events.factories import emails_to

DAY = (date.today() + timedelta(days=60)).isoformat()


def boxes(name: str, value: str) -> dict[str, str]:
    """A date ("2027-03-30") or time ("10:00") as the form's day/month/year or hour/minute
    boxes post it; empty boxes for an empty value. Other text goes as one value, as an older
    page or a script would send it (the form still reads "30/03/2031" or "30 March 2031")."""
    if value and not re.fullmatch(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}", value):
        return {name: value}
    if name.endswith("_date"):
        year, month, day = value.split("-") if value else ("", "", "")
        return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}
    hour, minute = value.split(":") if value else ("", "")
    return {f"{name}-hour": hour, f"{name}-minute": minute}


def form_data(**overrides: str) -> dict[str, str]:
    """A complete, valid event form as a browser would post it (dates and times in boxes)."""
    values = {
        "title": "Open Councils",
        "description": "Council web teams *show and tell*.",
        "start_date": DAY,
        "start_time": "10:00",
        "end_date": DAY,
        "end_time": "16:00",
        "timezone": "Europe/London",
        "format": "hybrid",
        "venue_name": "Northvale Civic Centre",
        "venue_address": "1 Market Square",
        "online_url": "https://meet.example.org/open-councils",
        "capacity": "30",
        "organisation_id": "",
        "registration_opens_date": "",
        "registration_opens_time": "",
        "registration_closes_date": "",
        "registration_closes_time": "",
        "tags": "LocalGov Drupal, Accessibility",
    }
    for name, value in overrides.items():  # a box overrides only itself
        if name.rsplit("-", 1)[0] in values and "-" in name:
            continue
        values[name] = value
    data: dict[str, str] = {}
    for name, value in values.items():
        whole = name.endswith(("_date", "_time")) and "-" not in name
        data.update(boxes(name, value) if whole else {name: value})
    data.update({name: value for name, value in overrides.items() if "-" in name})
    return data


def text(response) -> str:
    return response.get_data(as_text=True)


# Lists


def test_upcoming_soonest_first_and_past_newest_first(client, make_event):
    make_event(title="Later", days=20)
    make_event(title="Sooner", days=5)
    make_event(title="Long ago", days=-40, allow_past=True)
    make_event(title="Recently", days=-3, allow_past=True)
    upcoming = text(client.get("/events"))
    assert upcoming.index("Sooner") < upcoming.index("Later")
    assert "Recently" not in upcoming and 'href="/events/past"' in upcoming
    past = text(client.get("/events/past"))
    assert past.index("Recently") < past.index("Long ago")
    assert "Sooner" not in past


def test_filters_live_in_the_url(client, make_event, organisations):
    make_event(title="Online Drupal", format=EventFormat.ONLINE, venue_name="", tags=["Drupal"])
    make_event(
        title="Council CKAN",
        tags=["CKAN"],
        organisation_id=organisations["council"].id,
        days=100,
    )
    make_event(title="Plain meetup", tags=[], days=10)

    def titles(query: str) -> list[str]:
        page = text(client.get(f"/events?{query}"))
        return [t for t in ("Online Drupal", "Council CKAN", "Plain meetup") if t in page]

    assert titles("format=online") == ["Online Drupal"]
    assert titles("tag=ckan") == ["Council CKAN"]
    assert titles("organisation=testshire-council") == ["Council CKAN"]
    month = (date.today() + timedelta(days=100)).strftime("%Y-%m")
    assert "Council CKAN" in titles(f"month={month}")
    assert "Online Drupal" not in titles(f"month={month}")
    assert titles("format=in-person&tag=ckan") == ["Council CKAN"]
    page = text(client.get("/events?format=online"))
    assert '<option selected value="online">' in page and "Clear filters" in page


@pytest.mark.parametrize(
    "query",
    [
        "format=teleport",
        "tag=%00",
        "organisation=nobody",
        "month=2030-13",
        "month=abc",
        "month=99999-01",
        "page=abc",
        "page=-5",
        "page=99999999999999999999999",
        "format=online&format=hybrid",
        "tag=" + "x" * 5000,
    ],
)
def test_bad_filters_never_break_the_list(client, make_event, query):
    make_event()
    for path in ("/events", "/events/past"):
        assert client.get(f"{path}?{query}").status_code == 200


def test_list_page_runs_the_same_number_of_queries_for_5_and_50_events(
    client, make_event, make_people, users, count_queries
):
    people = make_people(3)
    login(client, "member@testshire.gov.uk")

    def add(n: int) -> None:
        for i in range(n):
            event = make_event(title=f"Event {i}", days=1 + i % 28, tags=[f"topic {i}", "drupal"])
            for person in people:
                register_for_event(event, person)
            register_for_event(event, users["member"])

    def queries() -> int:
        with count_queries() as counter:
            assert client.get("/events").status_code == 200
        return counter.count

    add(5)
    few = queries()
    add(45)
    many = queries()
    assert few == many, f"{few} queries for 5 events, {many} for 50"
    assert many <= 12
    assert "You are going" in text(client.get("/events"))


# The event page


def test_event_page_shows_places_venue_and_a_sign_in_link(client, make_event):
    make_event(capacity=30)
    page = text(client.get("/events/open-councils"))
    assert "Northvale Civic Centre" in page
    assert "30 in all: 0 going, 30 left" in page
    assert "/login?next=/events/open-councils" in page
    assert "<strong>show and tell</strong>" in page  # Markdown, through the sanitiser


def test_unknown_event_is_404(client):
    assert client.get("/events/nothing-here").status_code == 404
    assert client.get("/events/nothing-here.ics").status_code == 404


def test_joining_link_only_for_people_with_a_place_and_the_organiser(
    client, make_event, make_people, users
):
    link = "https://meet.example.org/secret-room"
    make_event(format=EventFormat.ONLINE, venue_name="", online_url=link, capacity=1)
    assert link not in text(client.get("/events/open-councils"))
    login(client, "supplier@testshire.gov.uk")
    post_form(client, "/events/open-councils/register", {}, form_url="/events/open-councils")
    assert link in text(client.get("/events/open-councils"))


def test_waiting_people_do_not_see_the_link(app, client, make_event, users):
    link = "https://meet.example.org/secret-room"
    event = make_event(format=EventFormat.ONLINE, venue_name="", online_url=link, capacity=1)
    register_for_event(event, users["supplier"])
    login(client, "member@testshire.gov.uk")
    response = post_form(client, "/events/open-councils/register", {}, "/events/open-councils")
    assert response.status_code == 303
    page = text(client.get("/events/open-councils"))
    assert "You are on the waitlist: number 1." in page
    assert link not in page
    organiser = app.test_client()
    login(organiser, "organiser@testshire.gov.uk")
    assert link in text(organiser.get("/events/open-councils"))


def test_register_and_cancel_through_the_page(client, make_event, users):
    make_event(capacity=1)
    login(client, "member@testshire.gov.uk")
    response = post_form(client, "/events/open-councils/register", {}, "/events/open-councils")
    assert response.status_code == 303 and response.location.endswith("/events/open-councils")
    page = text(client.get("/events/open-councils"))
    assert "You have a place at this event." in page and "You are going." in page
    assert "Cancel my place" in page
    again = post_form(client, "/events/open-councils/register", {}, "/events/open-councils")
    assert "You are already going" in text(client.get(again.location))
    url = "/events/open-councils/cancel-registration"
    asked = post_form(client, url, {}, "/events/open-councils")  # the old one-click button
    assert "Cancel your place at “Open Councils”?" in text(asked)
    post_form(client, url, {"confirm": "yes"}, "/events/open-councils")
    page = text(client.get("/events/open-councils"))
    assert "Your registration is cancelled" in page and ">Register<" in page


def test_registering_needs_sign_in_and_a_token(client, make_event, users):
    make_event()
    response = post_form(client, "/events/open-councils/register", {}, form_url="/login")
    assert response.status_code == 302 and "/login" in response.location
    login(client, "member@testshire.gov.uk")
    assert client.post("/events/open-councils/register").status_code == 400  # no CSRF token


# Forms


def test_organiser_announces_an_event(client, users):
    login(client, "organiser@testshire.gov.uk")
    response = post_form(client, "/events/new", form_data())
    assert response.status_code == 302
    event = db.session.query(Event).one()
    assert event.slug == "open-councils" and event.format == EventFormat.HYBRID
    assert event.starts_at.hour in (9, 10)  # 10:00 London in UTC (BST or GMT)
    assert event.organiser == users["organiser"]
    assert {t.slug for t in event.tags} == {"localgov-drupal", "accessibility"}
    assert "Your event is announced." in text(client.get(response.location))


def test_new_form_defaults_to_your_organisation_and_london(client, users):
    login(client, "organiser@testshire.gov.uk")
    page = text(client.get("/events/new"))
    assert '<option selected value="Europe/London">' in page
    org_id = users["organiser"].organisation_id
    assert f'<option selected value="{org_id}">' in page


def test_edit_form_shows_local_times_and_saves(client, make_event):
    make_event(timezone="America/Toronto")
    login(client, "organiser@testshire.gov.uk")
    page = text(client.get("/events/open-councils/edit"))
    assert (
        'name="start_time-hour" type="text" inputmode="numeric" spellcheck="false" value="10"'
        in page
    )
    assert (
        'name="start_time-minute" type="text" inputmode="numeric" spellcheck="false" value="00"'
        in page
    )
    assert '<option selected value="America/Toronto">' in page
    response = post_form(
        client,
        "/events/open-councils/edit",
        form_data(title="Open Councils, Toronto", timezone="America/Toronto", capacity=""),
    )
    assert response.status_code == 302
    event = db.session.query(Event).one()
    db.session.refresh(event)
    assert event.title == "Open Councils, Toronto" and event.capacity is None
    assert event.sequence == 1


BAD_INPUT = [
    ({"title": ""}, "Enter the event&#39;s title"),
    ({"title": "x" * 201}, "Title must be 200 characters or fewer"),
    ({"description": "x" * 50_001}, "Keep the description under 50,000 characters"),
    (
        {"start_date-day": "30", "start_date-month": "2", "start_date-year": "2030"},
        "Enter a real date",
    ),
    ({"start_date-day": "next", "start_date-month": "tuesday"}, "Enter a real date"),
    ({"start_date-year": "99999"}, "Enter a real date"),
    ({"start_date-month": ""}, "Start date must include a month"),
    ({"start_date": ""}, "Enter the start date"),
    ({"start_time-hour": "25"}, "Enter a real time"),
    ({"end_time-hour": "noon"}, "Enter a real time"),
    ({"end_time-minute": ""}, "End time must include a minute"),
    ({"end_time": "09:00"}, "The end must be after the start"),
    ({"end_date": "2001-01-01"}, "The end must be after the start"),
    ({"start_date": "2001-01-01", "end_date": "2001-01-01"}, "The start must be in the future"),
    ({"timezone": "Mars/Olympus"}, "Choose a time zone from the list"),
    ({"timezone": ""}, "Choose a time zone from the list"),
    ({"timezone": "../../etc/passwd"}, "Choose a time zone from the list"),
    ({"format": "teleport"}, "Choose a format from the list"),
    ({"capacity": "abc"}, "Places must be a number from 1 to 100,000"),
    ({"capacity": "-1"}, "Places must be a number from 1 to 100,000"),
    ({"capacity": "0"}, "Places must be a number from 1 to 100,000"),
    ({"capacity": "3.5"}, "Places must be a number from 1 to 100,000"),
    ({"capacity": "9" * 40}, "Places must be a number from 1 to 100,000"),
    ({"organisation_id": "abc"}, "Choose an organisation from the list"),
    ({"organisation_id": "99999"}, "Choose an organisation from the list"),
    ({"format": "in-person", "venue_name": ""}, "Enter the venue"),
    ({"online_url": "javascript:alert(1)"}, "Enter a joining link starting with https://"),
    ({"registration_opens_time": "09:00"}, "Enter the date as well as the time"),
    (
        {
            "registration_opens_date-day": "1",
            "registration_opens_date-month": "99",
            "registration_opens_date-year": "2030",
        },
        "Enter a real date",
    ),
    ({"tags": "x" * 501}, "Tags must be 500 characters or fewer"),
]


@pytest.mark.parametrize(("change", "message"), BAD_INPUT)
def test_event_form_reports_errors_keeps_input_and_never_500s(client, users, change, message):
    login(client, "organiser@testshire.gov.uk")
    response = post_form(client, "/events/new", form_data(**change))
    page = text(response)
    assert response.status_code == 400
    assert "There is a problem" in page and message in page
    assert "<title>Error: " in page
    assert 'value="Northvale Civic Centre"' in page or change.get("venue_name") == ""
    for field, value in change.items():
        typed = boxes(field, value) if field.endswith(("_date", "_time")) else {field: value}
        for name, box in typed.items():
            if name not in ("description", "timezone", "format", "organisation_id") and box:
                assert f'value="{box}"' in page, f"{name} not kept"
    assert db.session.query(Event).count() == 0


def test_edit_refuses_capacity_below_the_people_going(client, make_event, make_people):
    event = make_event(capacity=5)
    for person in make_people(3):
        register_for_event(event, person)
    login(client, "organiser@testshire.gov.uk")
    response = post_form(client, "/events/open-councils/edit", form_data(capacity="2"))
    assert response.status_code == 400
    assert "Capacity cannot be less than the 3 people already going" in text(response)
    assert 'value="2"' in text(response)


# Organiser tools


def test_attendee_list_and_csv(client, make_event, make_people, users):
    event = make_event(capacity=1)
    people = make_people(2)
    for person in people:
        register_for_event(event, person)
    login(client, "organiser@testshire.gov.uk")
    page = text(client.get("/events/open-councils/attendees"))
    assert "Going (1)" in page and "Waitlist, in order (1)" in page
    assert "Person 00" in page and "Person 01" in page
    response = client.get("/events/open-councils/attendees.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        'attachment; filename="open-councils-attendees.csv"'
        in response.headers["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(text(response).lstrip("\ufeff"))))
    assert rows[0] == ["Name", "Organisation", "Status", "Registered (UTC)"]
    assert [r[:3] for r in rows[1:]] == [
        ["Person 00", "Testshire Council", "Going"],
        ["Person 01", "Testshire Council", "On the waitlist"],
    ]


FORMULAS = ['=HYPERLINK("http://evil")', "+1+2", "-3+4", "@SUM(A1)", "\tcmd", "\rcmd"]


def test_csv_neutralises_spreadsheet_formulas(client, make_event, users):
    from dpse.accounts import service as accounts
    from dpse.accounts.models import OrganisationKind

    event = make_event(capacity=None)
    for i, formula in enumerate(FORMULAS):
        org = accounts.create_organisation(f"{formula} org {i}", OrganisationKind.OTHER)
        person = accounts.create_user(
            f"formula{i}@testshire.gov.uk", "x", "correct horse battery staple"
        )
        person.display_name, person.organisation = formula, org
        person.membership_verified_at = org.approved_at  # shown as a member: a verified one
        db.session.commit()
        register_for_event(event, person)
    login(client, "organiser@testshire.gov.uk")
    rows = list(
        csv.reader(
            io.StringIO(
                text(client.get("/events/open-councils/attendees.csv")).lstrip("\ufeff"), newline=""
            )
        )
    )
    names = [r[0] for r in rows[1:]]
    organisations = [r[1] for r in rows[1:]]
    assert names == ["'" + f for f in FORMULAS]
    # Organisation names are trimmed when saved, so only the visible triggers survive there.
    assert organisations[:4] == ["'" + f"{f} org {i}" for i, f in enumerate(FORMULAS[:4])]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)


def test_message_attendees_page(client, make_event, make_people):
    event = make_event()
    person = make_people(1)[0]
    register_for_event(event, person)
    login(client, "organiser@testshire.gov.uk")
    bad = post_form(client, "/events/open-councils/message", {"subject": "Parking", "body": ""})
    assert bad.status_code == 400 and 'value="Parking"' in text(bad)
    good = post_form(
        client, "/events/open-councils/message", {"subject": "Parking", "body": "Car park B"}
    )
    assert good.status_code == 302
    assert "on its way to 1 person" in text(client.get(good.location))
    assert emails_to(person.email)[0].subject == "Parking (Open Councils)"


def test_cancel_an_event_with_a_reason(client, make_event, make_people):
    event = make_event()
    person = make_people(1)[0]
    register_for_event(event, person)
    login(client, "organiser@testshire.gov.uk")
    bad = post_form(client, "/events/open-councils/status", {"status": "cancelled", "reason": ""})
    assert bad.status_code == 400 and "Tell attendees why" in text(bad)
    for status in ("scheduled", "nonsense"):
        response = post_form(client, "/events/open-councils/status", {"status": status})
        assert response.status_code == 400
    cancel = {"status": "cancelled", "reason": "Venue flooded"}
    asked = post_form(client, "/events/open-councils/status", cancel)
    assert "We will email 1 person" in text(asked) and event.status == EventStatus.SCHEDULED
    good = post_form(client, "/events/open-councils/status", {**cancel, "confirm": "yes"})
    assert good.status_code == 302
    page = text(client.get("/events/open-councils"))
    assert "This event is cancelled." in page and "Venue flooded" in page
    assert "This event is cancelled." in page and ">Register<" not in page
    db.session.refresh(event)
    assert event.status == EventStatus.CANCELLED
    assert emails_to(person.email)[0].subject == "Cancelled: Open Councils"
    status_page = text(client.get("/events/open-councils/status"))
    assert "cannot be reinstated" in status_page


def test_my_events_page(client, make_event, users):
    going = make_event(title="Going to this")
    make_event(title="Not this one")
    register_for_event(going, users["organiser"])
    login(client, "organiser@testshire.gov.uk")
    page = text(client.get("/events/mine"))
    assert "Going to this" in page and "You are going." in page
    assert "Events you organise" in page and "Not this one" in page
    assert "Make my private calendar address" in page


def test_csrf_token_helper_finds_the_event_form(client, users):
    login(client, "organiser@testshire.gov.uk")
    assert csrf_token(client, "/events/new")
    queries.EventFilters()  # the filter dataclass has safe defaults


def test_home_page_lists_the_next_events(client, make_event, users):
    make_event(title="Soonest", days=2)
    make_event(title="Next", days=4)
    make_event(title="Third", days=6)
    make_event(title="Fourth", days=8)
    page = text(client.get("/"))
    assert page.index("Soonest") < page.index("Next") < page.index("Third")
    assert "Fourth" not in page


@pytest.mark.parametrize("typed", ["30/03/2031", "30 March 2031", "30 Mar 2031", "2031-03-30"])
def test_dates_typed_without_a_date_picker_are_understood(client, users, typed):
    login(client, "organiser@testshire.gov.uk")
    response = post_form(client, "/events/new", form_data(start_date=typed, end_date=typed))
    assert response.status_code == 302
    event = db.session.query(Event).one()
    assert event.starts_at.date().isoformat() == "2031-03-30"


@pytest.mark.parametrize(
    "path",
    [
        "/events/%00",
        "/events/a%00b",
        "/events/a%00b.ics",
        "/events/a%00b/edit",
        "/events/UPPER",
        "/events/" + "a" * 500,
        "/events/feed/%00" + "a" * 30 + ".ics",
        "/events/feed/" + "a" * 30 + "%00.ics",
        "/events?tag=%00&organisation=%00&month=%00&format=%00",
    ],
)
def test_odd_addresses_are_404_or_ignored_never_500(client, users, path):
    login(client, "organiser@testshire.gov.uk")
    assert client.get(path).status_code in (200, 404)


def test_event_page_shows_related_case_studies(client, users, make_event):
    from tests.casestudies.factories import make_case_study

    cs = make_case_study(users["member"], status="published", moderator=users["moderator"])
    event = make_event(case_studies=[cs.slug])
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Related case studies" in html and cs.title in html
