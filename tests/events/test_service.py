"""Announcing, editing, postponing and cancelling events, and messaging attendees."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from dpse.events import queries, service
from dpse.events.models import MESSAGE_BODY_MAX, MESSAGE_SUBJECT_MAX, EventFormat, EventStatus
from dpse.events.registrations import register_for_event
from dpse.events.service import EventError
from dpse.extensions import db
from dpse.mail import OutboxEmail
from tests.events.factories import details, emails_to


def test_create_event_stores_everything(make_event, users, organisations):
    event = make_event(organisation_id=organisations["council"].id)
    assert event.slug == "open-councils"
    assert event.organiser == users["organiser"]
    assert event.organisation == organisations["council"]
    assert event.status == EventStatus.SCHEDULED and event.sequence == 0
    assert [t.slug for t in event.tags] == ["accessibility", "localgov-drupal"]
    assert event.going_count == 0 and event.capacity == 30


def test_slugs_are_unique_and_never_shadow_pages(make_event):
    assert make_event().slug == "open-councils"
    assert make_event().slug == "open-councils-2"
    assert make_event(title="New").slug == "new-event"
    assert make_event(title="Past").slug == "past-event"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "   "}, "title", "Enter the event's title"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Choose a time zone"),
        ({"ends_local": "before"}, "end_date", "end must be after the start"),
        ({"ends_local": "equal"}, "end_date", "end must be after the start"),
        ({"ends_local": "long"}, "end_date", "at most 31 days"),
        ({"days": -2}, "start_date", "start must be in the future"),
        ({"venue_name": " "}, "venue_name", "venue"),
        (
            {"online_url": "javascript:alert(1)", "format": EventFormat.ONLINE},
            "online_url",
            "https",
        ),
        ({"capacity": 0}, "capacity", "between 1 and"),
        ({"capacity": 10**12}, "capacity", "between 1 and"),
        ({"organisation_id": 99999}, "organisation_id", "Choose an organisation"),
        (
            {"registration_closes_local": "before_open"},
            "registration_closes_date",
            "after it opens",
        ),
        ({"registration_closes_local": "after_end"}, "registration_closes_date", "by the end"),
    ],
)
def test_create_event_refuses_broken_rules(make_event, overrides, field, message):
    base = details()
    special = {
        "before": base.starts_local - timedelta(hours=1),
        "equal": base.starts_local,
        "long": base.starts_local + timedelta(days=40),
    }
    if overrides.get("ends_local") in special:
        overrides["ends_local"] = special[overrides["ends_local"]]
    if overrides.get("registration_closes_local") == "before_open":
        overrides["registration_opens_local"] = base.starts_local - timedelta(days=2)
        overrides["registration_closes_local"] = base.starts_local - timedelta(days=3)
    elif overrides.get("registration_closes_local") == "after_end":
        overrides["registration_closes_local"] = base.ends_local + timedelta(hours=1)
    with pytest.raises(EventError) as caught:
        make_event(**overrides)
    assert caught.value.field == field
    assert message in caught.value.message


def test_online_events_keep_no_venue_and_in_person_no_link(make_event):
    online = make_event(
        format=EventFormat.ONLINE, venue_name="", online_url="https://meet.example.org/x"
    )
    assert online.venue_name == "" and online.online_url == "https://meet.example.org/x"
    in_person = make_event(online_url="https://meet.example.org/y")
    assert in_person.online_url == ""


def test_every_change_bumps_the_sequence(make_event, users):
    event = make_event()
    service.update_event(event, users["organiser"], details(title="Open Councils 2030"))
    assert event.sequence == 1 and event.title == "Open Councils 2030"
    service.update_event(event, users["organiser"], details(title="Open Councils 2030"))
    assert event.sequence == 1  # nothing changed, nothing bumped
    service.update_event(event, users["organiser"], details(title="Open Councils 2030", tags=[]))
    assert event.sequence == 2 and event.tags == []
    service.change_status(event, users["organiser"], EventStatus.POSTPONED, "Speaker ill")
    assert event.sequence == 3


def test_capacity_cannot_drop_below_the_people_going(make_event, make_people, users):
    event = make_event(capacity=5)
    for person in make_people(3):
        register_for_event(event, person)
    with pytest.raises(EventError) as caught:
        service.update_event(event, users["organiser"], details(capacity=2))
    assert caught.value.field == "capacity" and "3 people already going" in caught.value.message
    service.update_event(event, users["organiser"], details(capacity=3))
    assert event.capacity == 3


def test_a_new_time_or_place_is_emailed_to_attendees(make_event, make_people, users):
    event = make_event()
    person = make_people(1)[0]
    register_for_event(event, person)
    service.update_event(event, users["organiser"], details(description="New programme"))
    assert emails_to(person.email) == []  # a description change is not worth an email
    later = details().starts_local + timedelta(days=1)
    service.update_event(
        event,
        users["organiser"],
        details(starts_local=later, ends_local=later.replace(hour=17), description="New programme"),
    )
    (email,) = emails_to(person.email)
    assert email.subject == "Changed: Open Councils"
    assert "17:00" in email.body


@pytest.mark.parametrize("status", [EventStatus.CANCELLED, EventStatus.POSTPONED])
def test_cancel_or_postpone_tells_every_attendee_why(make_event, make_people, users, status):
    event = make_event(capacity=1)
    people = make_people(3)
    for person in people:
        register_for_event(event, person)
    told = service.change_status(event, users["organiser"], status, "The venue flooded")
    assert told == 3
    for person in people:
        (email,) = emails_to(person.email)
        assert email.subject == f"{status.label}: Open Councils"
        assert "Reason: The venue flooded" in email.body
    assert event.status == status and event.status_reason == "The venue flooded"


def test_status_changes_need_a_reason_and_cancelled_is_final(make_event, users):
    event = make_event()
    with pytest.raises(EventError, match="why"):
        service.change_status(event, users["organiser"], EventStatus.CANCELLED, "  ")
    with pytest.raises(EventError, match="cannot be changed"):
        service.change_status(event, users["organiser"], EventStatus.SCHEDULED, "")
    service.change_status(event, users["organiser"], EventStatus.CANCELLED, "No budget")
    assert service.allowed_statuses(event) == []
    with pytest.raises(EventError):
        service.change_status(event, users["organiser"], EventStatus.SCHEDULED, "Found money")


def test_message_reaches_going_and_optionally_waiting_people(make_event, make_people, users):
    event = make_event(capacity=2)
    people = make_people(3)
    for person in people:
        register_for_event(event, person)
    sent = service.message_attendees(event, users["organiser"], "Parking", "Use car park B.", False)
    assert sent == 2
    assert [len(emails_to(p.email)) for p in people] == [1, 1, 0]
    sent = service.message_attendees(event, users["organiser"], "Lunch", "Bring a mug.", True)
    assert sent == 3
    (email,) = emails_to(people[2].email)
    assert email.subject == "Lunch (Open Councils)"
    assert "Organiser Person, who organises this event, writes:" in email.body
    assert "Bring a mug." in email.body


def test_deactivated_people_are_not_emailed(make_event, make_people, users):
    event = make_event()
    person = make_people(1)[0]
    register_for_event(event, person)
    person.active = False
    db.session.commit()
    assert service.message_attendees(event, users["organiser"], "Hi", "Hello", True) == 0
    assert db.session.query(OutboxEmail).count() == 0


def test_message_needs_subject_and_body(make_event, users):
    event = make_event()
    with pytest.raises(EventError, match="subject"):
        service.message_attendees(event, users["organiser"], " ", "x", True)
    with pytest.raises(EventError, match="message"):
        service.message_attendees(event, users["organiser"], "x", "  ", True)


def test_upcoming_events_skip_cancelled_and_ended(make_event, users):
    make_event(title="Soon", days=3)
    make_event(title="Later", days=9)
    gone = make_event(title="Gone", days=5)
    service.change_status(gone, users["organiser"], EventStatus.CANCELLED, "No venue")
    make_event(title="Ended", days=-4, allow_past=True)
    assert [e.title for e in queries.upcoming_events()] == ["Soon", "Later"]


def test_an_event_under_way_for_weeks_is_still_upcoming(make_event):
    """Upcoming lists read events from MAX_DURATION before now: the longest event allowed,
    begun nearly that long ago and not ended, is still listed; one just past is not."""
    from dpse.events.models import MAX_DURATION
    from dpse.events.times import local_date_plus

    started = local_date_plus(-30, time(10, 0), "Europe/London")
    make_event(
        title="Month-long sprint",
        starts_local=started,
        ends_local=started + timedelta(days=30, hours=6),
        allow_past=True,
    )
    make_event(title="Soon", days=3)
    assert started + MAX_DURATION > started + timedelta(days=30, hours=6)  # allowed length
    assert [e.title for e in queries.upcoming_events()] == ["Month-long sprint", "Soon"]
    with pytest.raises(service.EventError, match="at most 31 days"):
        make_event(starts_local=started, ends_local=started + MAX_DURATION + timedelta(hours=1))


def test_events_link_to_published_case_studies_only(users, make_event):
    from tests.casestudies.factories import make_case_study

    published = make_case_study(users["member"], status="published", moderator=users["moderator"])
    draft = make_case_study(users["member"], title="Unpublished work")
    event = make_event(case_studies=[f"https://dpse.test/case-studies/{published.slug}"])
    assert event.case_studies == [published]
    with pytest.raises(service.EventError) as err:
        make_event(title="Another", case_studies=[draft.slug])
    assert err.value.field == "case_studies"


def test_services_check_the_same_permissions_as_the_views(make_event, users):
    """Views, CLI and seed share the write path, so the services refuse what the views refuse."""
    member, moderator = users["member"], users["moderator"]
    with pytest.raises(EventError, match="Only organisers"):
        service.create_event(member, details())
    event = make_event()
    with pytest.raises(EventError, match="organiser or a moderator"):
        service.update_event(event, member, details(title="Taken over"))
    with pytest.raises(EventError, match="organiser or a moderator"):
        service.change_status(event, member, EventStatus.CANCELLED, "Because")
    with pytest.raises(EventError, match="organiser or a moderator"):
        service.message_attendees(event, member, "Hello", "Hi all", include_waitlist=True)
    assert event.title != "Taken over" and event.status == EventStatus.SCHEDULED
    service.change_status(event, moderator, EventStatus.POSTPONED, "Speaker ill")
    assert event.status == EventStatus.POSTPONED


def test_messages_to_attendees_keep_to_the_limits_whoever_sends_them(make_event, users):
    """The service enforces the form's limits too (the CLI and tests call it directly)."""
    event, organiser = make_event(), users["organiser"]
    with pytest.raises(EventError, match=f"{MESSAGE_SUBJECT_MAX:,} characters or fewer"):
        service.message_attendees(event, organiser, "s" * 151, "Hi", include_waitlist=True)
    with pytest.raises(EventError, match=f"under {MESSAGE_BODY_MAX:,} characters"):
        service.message_attendees(event, organiser, "Hi", "b" * 5_001, include_waitlist=True)
