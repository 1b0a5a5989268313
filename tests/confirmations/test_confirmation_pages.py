"""Nothing irreversible in one click: each destructive action's page says what will happen and
does nothing; only its own form (token and confirm=yes) acts; nobody else can act."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from dpse.casestudies.models import CaseStudy, Status
from dpse.events import queries as event_queries
from dpse.events import service as event_service
from dpse.events.models import EventStatus, RegistrationStatus
from dpse.events.registrations import register_for_event
from dpse.extensions import db
from dpse.resubmit import EXPIRED_MESSAGE
from dpse.saved_searches import queries as saved_queries
from dpse.saved_searches import service as saved_service
from dpse.search.search_request import SearchRequest
from tests.casestudies.factories import make_case_study
from tests.conftest import CSRF_RE, login, post_form
from tests.events.factories import emails_to

YES = {"confirm": "yes"}


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _asks(client, url: str, *expected: str) -> str:
    """The confirmation page: its GET and an unconfirmed POST both show it and act not."""
    for response in (client.get(url), post_form(client, url, {}, url)):
        page = _text(response)
        assert response.status_code == 200, url
        assert "No, go back" in page and 'name="confirm" value="yes"' in page
        for words in expected:
            assert words in page, words
    return page


# Case studies


def test_deleting_a_draft_asks_first(client, users):
    cs = make_case_study(users["member"], title="Cloud move")
    login(client, "member@testshire.gov.uk")
    assert f"/case-studies/{cs.slug}/delete" in _text(client.get(f"/case-studies/{cs.slug}"))
    page = _asks(
        client, f"/case-studies/{cs.slug}/delete", "Delete the draft “Cloud move”?", "for good"
    )
    assert "<title>Delete the draft: Cloud move" in page
    assert db.session.get(CaseStudy, cs.id) is not None
    response = post_form(client, f"/case-studies/{cs.slug}/delete", YES)
    assert response.status_code == 302 and response.location.endswith("/case-studies/mine")
    db.session.expire_all()
    assert db.session.scalar(select(CaseStudy).where(CaseStudy.title == "Cloud move")) is None


def test_another_member_cannot_delete_a_draft(client, users):
    cs = make_case_study(users["member"], title="Cloud move")
    login(client, "supplier@testshire.gov.uk")
    url = f"/case-studies/{cs.slug}/delete"
    assert client.get(url).status_code in (403, 404)
    assert post_form(client, url, YES, "/account").status_code in (403, 404)
    db.session.expire_all()
    assert db.session.get(CaseStudy, cs.id) is not None


def test_archiving_asks_first(client, users):
    cs = make_case_study(users["member"], status="published", title="Cloud move")
    login(client, "member@testshire.gov.uk")
    _asks(client, f"/case-studies/{cs.slug}/archive", "Archive “Cloud move”?", "links to it keep")
    db.session.refresh(cs)
    assert cs.status == Status.PUBLISHED
    post_form(client, f"/case-studies/{cs.slug}/archive", YES)
    db.session.refresh(cs)
    assert cs.status == Status.ARCHIVED


def test_another_member_cannot_archive(client, users):
    cs = make_case_study(users["member"], status="published")
    login(client, "supplier@testshire.gov.uk")
    url = f"/case-studies/{cs.slug}/archive"
    assert client.get(url).status_code == 403
    assert post_form(client, url, YES, "/account").status_code == 403
    db.session.refresh(cs)
    assert cs.status == Status.PUBLISHED


# Events


def test_cancelling_your_place_asks_first_and_says_who_gets_it(client, make_event, users):
    event = make_event(capacity=1)
    first, second = users["member"], users["supplier"]
    register_for_event(event, first)
    register_for_event(event, second)  # waitlisted
    login(client, first.email)
    url = f"/events/{event.slug}/cancel-registration"
    _asks(
        client, url, "Cancel your place at “Open Councils”?", "goes to the person on the waitlist"
    )
    assert event_queries.registration_for(event, first).status == RegistrationStatus.GOING
    post_form(client, url, YES, f"/events/{event.slug}")
    db.session.expire_all()
    assert event_queries.registration_for(event, first).status == RegistrationStatus.CANCELLED
    assert event_queries.registration_for(event, second).status == RegistrationStatus.GOING


def test_leaving_the_waitlist_says_your_number(client, make_event, users):
    event = make_event(capacity=1)
    first, second = users["member"], users["supplier"]
    register_for_event(event, first)
    register_for_event(event, second)
    login(client, second.email)
    _asks(client, f"/events/{event.slug}/cancel-registration", "You are number 1 on the waitlist")


def test_someone_else_cannot_cancel_your_place(client, make_event, make_people, users):
    event = make_event()
    (person,) = make_people(1)
    register_for_event(event, person)
    login(client, "member@testshire.gov.uk")  # not registered
    url = f"/events/{event.slug}/cancel-registration"
    assert client.get(url).status_code == 303
    post_form(client, url, YES, f"/events/{event.slug}")
    db.session.expire_all()
    assert event_queries.registration_for(event, person).status == RegistrationStatus.GOING


def test_cancelling_an_event_says_how_many_people_will_be_emailed(client, make_event, make_people):
    event = make_event(capacity=1)
    people = make_people(3)
    for person in people:
        register_for_event(event, person)
    login(client, "organiser@testshire.gov.uk")
    status_page = _text(client.get(f"/events/{event.slug}/status"))
    assert "Everyone going or on the waitlist (3 people) gets an email" in status_page
    cancel = {"status": "cancelled", "reason": "Venue flooded"}
    response = post_form(client, f"/events/{event.slug}/status", cancel)
    page = _text(response)
    assert response.status_code == 200
    assert "Cancel “Open Councils”?" in page and "We will email 3 people" in page
    assert "Your reason: Venue flooded" in page and "cannot be reinstated" in page
    db.session.refresh(event)
    assert event.status == EventStatus.SCHEDULED and emails_to(people[0].email) == []
    done = post_form(client, f"/events/{event.slug}/status", {**cancel, **YES})
    assert done.status_code == 302
    db.session.refresh(event)
    assert event.status == EventStatus.CANCELLED
    assert emails_to(people[0].email)[0].subject == "Cancelled: Open Councils"


def test_only_the_organiser_can_cancel_an_event(client, make_event):
    event = make_event()
    login(client, "member@testshire.gov.uk")
    cancel = {"status": "cancelled", "reason": "Venue flooded", **YES}
    assert post_form(client, f"/events/{event.slug}/status", cancel, "/account").status_code == 403
    db.session.refresh(event)
    assert event.status == EventStatus.SCHEDULED


def test_removing_an_attendee_asks_first_then_tells_them(client, make_event, make_people):
    event = make_event(capacity=1)
    going, waiting = make_people(2)
    registration = register_for_event(event, going)
    register_for_event(event, waiting)
    login(client, "organiser@testshire.gov.uk")
    attendees = _text(client.get(f"/events/{event.slug}/attendees"))
    url = f"/events/{event.slug}/attendees/{registration.id}/remove"
    assert url in attendees
    name = going.display_name
    _asks(client, url, f"Remove {name} from “Open Councils”?", "first person on the waitlist")
    assert emails_to(going.email) == []
    response = post_form(client, url, YES)
    assert response.status_code == 303
    db.session.expire_all()
    assert event_queries.registration_for(event, going).status == RegistrationStatus.CANCELLED
    assert event_queries.registration_for(event, waiting).status == RegistrationStatus.GOING
    assert "was cancelled" in emails_to(going.email)[0].subject
    assert f"{name} is no longer registered." in _text(client.get(response.location))
    assert post_form(client, url, YES).status_code == 303  # a second click changes nothing


def test_nobody_else_can_remove_an_attendee(client, users, make_event, make_people):
    event = make_event()
    (person,) = make_people(1)
    registration = register_for_event(event, person)
    login(client, "member@testshire.gov.uk")
    url = f"/events/{event.slug}/attendees/{registration.id}/remove"
    assert client.get(url).status_code == 403
    assert post_form(client, url, YES, "/account").status_code == 403
    db.session.expire_all()
    assert event_queries.registration_for(event, person).status == RegistrationStatus.GOING


def test_a_registration_is_removed_only_through_its_own_event(client, make_event, make_people):
    event = make_event()
    other = make_event(slug="other-event", title="Other event")
    (person,) = make_people(1)
    registration = register_for_event(event, person)
    login(client, "organiser@testshire.gov.uk")
    url = f"/events/{other.slug}/attendees/{registration.id}/remove"
    assert client.get(url).status_code == 404
    post_form(client, url, YES)
    db.session.expire_all()
    assert event_queries.registration_for(event, person).status == RegistrationStatus.GOING


def test_the_service_refuses_removal_by_someone_who_cannot_manage(users, make_event, make_people):
    from dpse.events import registrations

    event = make_event()
    (person,) = make_people(1)
    registration = register_for_event(event, person)
    with pytest.raises(registrations.RegistrationError):
        registrations.remove_attendee(users["member"], event, registration.id)


def test_turning_off_the_calendar_address_asks_first(client, users):
    feed = event_service.create_or_replace_feed(users["member"])
    login(client, "member@testshire.gov.uk")
    _asks(client, "/events/mine/calendar/revoke", "Turn off your private calendar address?")
    assert client.get(f"/events/feed/{feed.token}.ics").status_code == 200
    post_form(client, "/events/mine/calendar/revoke", YES, "/events/mine")
    assert client.get(f"/events/feed/{feed.token}.ics").status_code == 404


# Saved searches


def test_deleting_a_saved_search_asks_first(client, users):
    saved = saved_service.save_search(users["member"], SearchRequest(q="drupal"))
    login(client, "member@testshire.gov.uk")
    url = f"/search/saved/{saved.id}/delete"
    _asks(client, url, "Delete the saved search “", "no longer be told")
    assert saved_queries.saved_searches(users["member"]) != []
    post_form(client, url, YES, "/search/saved")
    assert saved_queries.saved_searches(users["member"]) == []


def test_nobody_else_can_delete_a_saved_search(client, users):
    saved = saved_service.save_search(users["member"], SearchRequest(q="drupal"))
    login(client, "supplier@testshire.gov.uk")
    url = f"/search/saved/{saved.id}/delete"
    assert client.get(url).status_code == 404
    post_form(client, url, YES, "/search/saved")
    assert saved_queries.saved_searches(users["member"]) != []


# A confirmation posted after the session expired


def test_an_expired_confirmation_comes_back_and_does_nothing(client, users):
    cs = make_case_study(users["member"], title="Cloud move")
    login(client, "member@testshire.gov.uk")
    url = f"/case-studies/{cs.slug}/delete"
    response = client.post(
        url, data={**YES, "csrf_token": "stale"}, headers={"Origin": "http://dpse.test"}
    )
    page = _text(response)
    assert response.status_code == 400
    assert EXPIRED_MESSAGE in page and "Delete the draft “Cloud move”?" in page
    assert CSRF_RE.search(response.get_data(as_text=True)).group(1) != "stale"
    db.session.expire_all()
    assert db.session.get(CaseStudy, cs.id) is not None
