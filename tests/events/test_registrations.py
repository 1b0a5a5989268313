"""Registering: once per person, waitlist when full, promotion in order, windows, concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dpse.accounts.models import User
from dpse.events import queries, registrations, service
from dpse.events.models import Event, EventStatus, Registration, RegistrationStatus
from dpse.events.registrations import RegistrationError, register_for_event
from dpse.extensions import db
from dpse.mixins import utcnow
from dpse.notifications.models import Notification
from tests.concurrency import at_once
from tests.events.factories import emails_to


def statuses(event: Event) -> dict[str, list[str]]:
    """Display names per registration status, in queue order."""
    found: dict[str, list[str]] = {s.value: [] for s in RegistrationStatus}
    for registration in queries.attendees(event):
        found[registration.status.value].append(registration.user.display_name)
    return found


def test_register_gives_a_place_and_counts_it(make_event, users):
    event = make_event(capacity=2)
    registration = register_for_event(event, users["member"])
    assert registration.is_going and registration.position == 1
    db.session.refresh(event)
    assert event.going_count == 1 and event.seats_left == 1


def test_people_register_only_once(make_event, users):
    event = make_event()
    register_for_event(event, users["member"])
    with pytest.raises(RegistrationError, match="already going"):
        register_for_event(event, users["member"])
    count = db.session.scalar(select(func.count(Registration.id)))
    assert count == 1


def test_full_event_puts_people_on_the_waitlist_in_order(make_event, make_people):
    event = make_event(capacity=2)
    people = make_people(5)
    results = [register_for_event(event, p) for p in people]
    assert [r.status for r in results] == [RegistrationStatus.GOING] * 2 + [
        RegistrationStatus.WAITLISTED
    ] * 3
    assert [queries.waitlist_rank(r) for r in results[2:]] == [1, 2, 3]
    with pytest.raises(RegistrationError, match="already on the waitlist"):
        register_for_event(event, people[3])


def test_cancelling_promotes_the_first_waiting_person_who_is_told(make_event, make_people):
    event = make_event(capacity=2, title="Forms clinic")
    people = make_people(5)
    for person in people:
        register_for_event(event, person)
    promoted = registrations.cancel_registration(event, people[0])
    assert [r.user_id for r in promoted] == [people[2].id]
    assert statuses(event)["going"] == ["Person 01", "Person 02"]
    assert statuses(event)["waitlisted"] == ["Person 03", "Person 04"]
    (email,) = emails_to(people[2].email)
    assert email.subject == "You have a place at Forms clinic"
    assert "/events/forms-clinic" in email.body
    assert emails_to(people[3].email) == []
    # Told in-app too, through notifications like every other notice.
    (told,) = db.session.scalars(select(Notification).where(Notification.user_id == people[2].id))
    assert told.text == "You have a place at Forms clinic" and told.url == "/events/forms-clinic"
    # The next cancellation promotes the next in line, not whoever registered last.
    registrations.cancel_registration(event, people[1])
    assert statuses(event)["going"] == ["Person 02", "Person 03"]
    db.session.refresh(event)
    assert event.going_count == 2


def test_leaving_the_waitlist_promotes_nobody(make_event, make_people):
    event = make_event(capacity=1)
    people = make_people(3)
    for person in people:
        register_for_event(event, person)
    assert registrations.cancel_registration(event, people[1]) == []
    assert statuses(event) == {
        "going": ["Person 00"],
        "waitlisted": ["Person 02"],
        "cancelled": ["Person 01"],
    }


def test_coming_back_after_cancelling_joins_the_back_of_the_queue(make_event, make_people):
    event = make_event(capacity=1)
    people = make_people(3)
    for person in people:
        register_for_event(event, person)
    registrations.cancel_registration(event, people[0])  # people[1] promoted
    again = register_for_event(event, people[0])
    assert again.is_waitlisted
    assert statuses(event)["waitlisted"] == ["Person 02", "Person 00"]


def test_unlimited_events_never_waitlist(make_event, make_people):
    event = make_event(capacity=None)
    assert all(register_for_event(event, p).is_going for p in make_people(12))


def test_raising_capacity_promotes_waiting_people_in_order(make_event, make_people, users):
    from tests.events.factories import details

    event = make_event(capacity=1)
    people = make_people(4)
    for person in people:
        register_for_event(event, person)
    service.update_event(event, users["organiser"], details(capacity=3))
    assert statuses(event)["going"] == ["Person 00", "Person 01", "Person 02"]
    assert len(emails_to(people[1].email)) >= 1
    db.session.refresh(event)
    assert event.going_count == 3


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ({"registration_opens_local": "future"}, "Registration opens"),
        ({"registration_closes_local": "past"}, "Registration has closed"),
    ],
)
def test_registration_window(make_event, users, setup, message):
    from tests.events.factories import details

    start = details().starts_local
    if "registration_opens_local" in setup:
        overrides = {"registration_opens_local": start - timedelta(days=1)}
        now = utcnow()
    else:
        overrides = {"registration_closes_local": start - timedelta(days=20)}
        now = utcnow() + timedelta(days=15)
    event = make_event(**overrides)
    with pytest.raises(RegistrationError, match=message):
        register_for_event(event, users["member"], now=now)


def test_no_registration_for_cancelled_postponed_or_ended_events(make_event, users):
    cancelled = make_event(title="Cancelled one")
    service.change_status(cancelled, users["organiser"], EventStatus.CANCELLED, "Venue flooded")
    with pytest.raises(RegistrationError, match="cancelled"):
        register_for_event(cancelled, users["member"])
    postponed = make_event(title="Postponed one")
    service.change_status(postponed, users["organiser"], EventStatus.POSTPONED, "Speaker ill")
    with pytest.raises(RegistrationError, match="postponed"):
        register_for_event(postponed, users["member"])
    ended = make_event(title="Ended one", days=-3, allow_past=True)
    with pytest.raises(RegistrationError, match="ended"):
        register_for_event(ended, users["member"])


def test_reinstating_a_postponed_event_reopens_registration(make_event, users):
    event = make_event()
    service.change_status(event, users["organiser"], EventStatus.POSTPONED, "Speaker ill")
    service.change_status(event, users["organiser"], EventStatus.SCHEDULED, "")
    assert register_for_event(event, users["member"]).is_going


def test_cancelling_without_a_registration_is_refused(make_event, users):
    event = make_event()
    with pytest.raises(RegistrationError, match="not registered"):
        registrations.cancel_registration(event, users["member"])


def test_the_database_refuses_an_overfull_event(make_event, users):
    from sqlalchemy.exc import IntegrityError

    event = make_event(capacity=1)
    event.going_count = 2
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def _register_all_at_once(app, event_id: int, user_ids: list[int]) -> list[BaseException]:
    """Each person registers from a worker of their own, all released together."""

    def job(user_id: int):
        return lambda: register_for_event(
            db.session.get(Event, event_id), db.session.get(User, user_id)
        )

    return at_once(app, [job(uid) for uid in user_ids])[1]


def test_capacity_holds_under_fifty_simultaneous_registrations(app, make_event, make_people):
    event = make_event(capacity=10)
    people = make_people(50)
    event_id, user_ids = event.id, [p.id for p in people]
    db.session.remove()  # the threads must not wait on this test's transaction

    errors = _register_all_at_once(app, event_id, user_ids)

    assert errors == []
    rows = db.session.execute(
        select(Registration.status, func.count(Registration.id))
        .where(Registration.event_id == event_id)
        .group_by(Registration.status)
    ).all()
    assert dict(rows) == {RegistrationStatus.GOING: 10, RegistrationStatus.WAITLISTED: 40}
    event = db.session.get(Event, event_id)
    assert event.going_count == 10
    positions = db.session.scalars(
        select(Registration.position).where(Registration.event_id == event_id)
    ).all()
    assert sorted(positions) == list(range(1, 51))  # a strict queue: no ties, no gaps


def test_simultaneous_cancellations_promote_exactly_as_many(app, make_event, make_people):
    event = make_event(capacity=10)
    people = make_people(30)
    for person in people:
        register_for_event(event, person)
    event_id, going_ids = event.id, [p.id for p in people[:10]]
    db.session.remove()
    from dpse.accounts.models import User

    barrier = threading.Barrier(len(going_ids))
    errors: list[BaseException] = []

    def worker(user_id: int) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                registrations.cancel_registration(
                    db.session.get(Event, event_id), db.session.get(User, user_id)
                )
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(uid,)) for uid in going_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    event = db.session.get(Event, event_id)
    going = statuses(event)["going"]
    assert going == [f"Person {i:02d}" for i in range(10, 20)]  # the next ten, in order
    assert event.going_count == 10


def test_an_inactive_account_cannot_register(make_event, users):
    """The service asks can_register_for_events, as the view does."""
    member = users["member"]
    member.active = False
    db.session.commit()
    with pytest.raises(RegistrationError, match="active account"):
        register_for_event(make_event(), member)
