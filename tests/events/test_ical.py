"""Calendar files parse with icalendar, round-trip the times, and update the way clients expect."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from dpse.events import queries, service
from dpse.events.models import EventFormat, EventStatus
from dpse.events.registrations import cancel_registration, register_for_event
from dpse.extensions import db
from tests.conftest import login, post_form
from tests.events.factories import details

LINK = "https://meet.example.org/secret-room"


def parse(response) -> list:
    """The VEVENTs of a calendar response, after checking it is one."""
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.content_type == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.data)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return list(calendar.walk("VEVENT"))


def test_event_file_has_the_required_properties(client, make_event):
    event = make_event(
        starts_local=datetime(2030, 4, 2, 10, 0), ends_local=datetime(2030, 4, 2, 16, 0)
    )
    response = client.get("/events/open-councils.ics")
    assert 'filename="open-councils.ics"' in response.headers["Content-Disposition"]
    (vevent,) = parse(response)
    assert str(vevent["UID"]) == f"event-{event.id}@dpse.test"
    assert vevent["DTSTAMP"].dt.tzinfo is not None
    # 10:00 BST is 09:00 UTC; the parsed times equal the stored instants exactly.
    assert vevent["DTSTART"].dt == datetime(2030, 4, 2, 9, 0, tzinfo=UTC) == event.starts_at
    assert vevent["DTEND"].dt == event.ends_at
    assert vevent["SEQUENCE"] == 0
    assert vevent["STATUS"] == "CONFIRMED"
    assert str(vevent["URL"]) == "http://dpse.test/events/open-councils"
    assert str(vevent["SUMMARY"]) == "Open Councils"
    assert "Northvale Civic Centre" in str(vevent["LOCATION"])
    assert "10:00–16:00 BST (Europe/London)" in str(vevent["DESCRIPTION"])


def test_november_event_round_trips_too(client, make_event):
    make_event(starts_local=datetime(2030, 11, 6, 10, 0), ends_local=datetime(2030, 11, 6, 16, 0))
    (vevent,) = parse(client.get("/events/open-councils.ics"))
    assert vevent["DTSTART"].dt == datetime(2030, 11, 6, 10, 0, tzinfo=UTC)


def test_uid_is_stable_and_sequence_rises_with_every_change(client, make_event, users):
    event = make_event()
    (first,) = parse(client.get("/events/open-councils.ics"))
    service.update_event(event, users["organiser"], details(title="Open Councils 2030"))
    (second,) = parse(client.get("/events/open-councils.ics"))
    service.change_status(event, users["organiser"], EventStatus.CANCELLED, "Venue flooded")
    (third,) = parse(client.get("/events/open-councils.ics"))
    assert str(first["UID"]) == str(second["UID"]) == str(third["UID"])
    assert [first["SEQUENCE"], second["SEQUENCE"], third["SEQUENCE"]] == [0, 1, 2]
    assert str(second["SUMMARY"]) == "Open Councils 2030"
    assert third["STATUS"] == "CANCELLED"
    assert "Venue flooded" in str(third["DESCRIPTION"])


def test_public_feed_lists_upcoming_events_without_joining_links(client, make_event):
    make_event(title="Soon", days=3, format=EventFormat.ONLINE, venue_name="", online_url=LINK)
    make_event(title="Later", days=40)
    make_event(title="Long ago", days=-90, allow_past=True)
    response = client.get("/events.ics")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    events = parse(response)
    assert [str(e["SUMMARY"]) for e in events] == ["Soon", "Later"]
    assert LINK.encode() not in response.data
    assert len({str(e["UID"]) for e in events}) == 2


def test_event_file_carries_the_link_only_for_people_with_a_place(client, make_event, users):
    make_event(format=EventFormat.ONLINE, venue_name="", online_url=LINK)
    assert LINK.encode() not in client.get("/events/open-councils.ics").data
    login(client, "member@testshire.gov.uk")
    assert LINK.encode() not in client.get("/events/open-councils.ics").data
    post_form(client, "/events/open-councils/register", {}, "/events/open-councils")
    assert LINK.encode() in client.get("/events/open-councils.ics").data


def test_private_feed_lists_the_events_i_am_going_to(client, make_event, users):
    going = make_event(title="Going", format=EventFormat.ONLINE, venue_name="", online_url=LINK)
    cancelled_later = make_event(title="Changed my mind")
    make_event(title="Never registered")
    register_for_event(going, users["member"])
    register_for_event(cancelled_later, users["member"])
    cancel_registration(cancelled_later, users["member"])
    feed = service.create_or_replace_feed(users["member"])
    response = client.get(f"/events/feed/{feed.token}.ics")
    events = parse(response)
    assert [str(e["SUMMARY"]) for e in events] == ["Going"]
    assert LINK.encode() in response.data  # it is their own calendar
    assert response.headers["Cache-Control"].startswith("private")


def test_private_feed_shows_cancelled_events_as_cancelled(client, make_event, users):
    event = make_event()
    register_for_event(event, users["member"])
    service.change_status(event, users["organiser"], EventStatus.CANCELLED, "No venue")
    feed = service.create_or_replace_feed(users["member"])
    (vevent,) = parse(client.get(f"/events/feed/{feed.token}.ics"))
    assert vevent["STATUS"] == "CANCELLED" and vevent["SEQUENCE"] == 1


def test_private_address_is_made_revealed_replaced_and_revoked(client, users):
    login(client, "member@testshire.gov.uk")
    response = post_form(client, "/events/mine/calendar", {}, form_url="/events/mine")
    assert response.status_code == 303
    page = client.get("/events/mine").get_data(as_text=True)
    first = queries.feed_for(users["member"]).token
    assert f"http://dpse.test/events/feed/{first}.ics" in page
    assert f"webcal://dpse.test/events/feed/{first}.ics" in page
    assert client.get(f"/events/feed/{first}.ics").status_code == 200

    asked = post_form(client, "/events/mine/calendar", {}, form_url="/events/mine")
    assert "Calendars subscribed to it stop updating" in asked.get_data(as_text=True)
    assert queries.feed_for(users["member"]).token == first  # not replaced without a yes
    post_form(client, "/events/mine/calendar", {"confirm": "yes"}, form_url="/events/mine")
    db.session.expire_all()
    second = queries.feed_for(users["member"]).token
    assert second != first
    assert client.get(f"/events/feed/{first}.ics").status_code == 404
    assert client.get(f"/events/feed/{second}.ics").status_code == 200

    post_form(client, "/events/mine/calendar/revoke", {}, form_url="/events/mine")
    assert client.get(f"/events/feed/{second}.ics").status_code == 200  # not without a yes
    post_form(client, "/events/mine/calendar/revoke", {"confirm": "yes"}, "/events/mine")
    assert client.get(f"/events/feed/{second}.ics").status_code == 404
    assert "Make my private calendar address" in client.get("/events/mine").get_data(as_text=True)


def test_feed_tokens_that_do_not_exist_or_belong_to_deactivated_people_are_404(client, users):
    feed = service.create_or_replace_feed(users["member"])
    for token in ("x", "a" * 43, "a" * 200, feed.token.upper()):
        assert client.get(f"/events/feed/{token}.ics").status_code == 404
    users["member"].active = False
    db.session.commit()
    assert client.get(f"/events/feed/{feed.token}.ics").status_code == 404


def test_feed_addresses_need_sign_in_and_a_token(client, users):
    assert client.post("/events/mine/calendar").status_code in (302, 400)
    assert queries.feed_for(users["member"]) is None
