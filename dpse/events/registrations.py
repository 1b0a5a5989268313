"""Registering for events: one place per person, a waitlist when full, promotion in order.

The registration writes stand apart from service.py (which takes the event lock from here)
because this locking story is theirs alone, and together they would pass 400 lines; the
reads (registration_for, waitlist ranks, attendee lists) are in queries.py.

Capacity holds under concurrency because every write that changes an event's registrations
first takes that event's lock, as the first statement of its transaction, and then reads the
event afresh under it:

- PostgreSQL: ``SELECT … FOR UPDATE`` on the event row. Other registrations for the same event
  wait for our commit and then see what we wrote (READ COMMITTED reads anew per statement).
- SQLite: a no-op ``UPDATE`` of the event row, which takes the database's write lock at once
  (as ``BEGIN IMMEDIATE`` would); other writers wait through the busy timeout. It has to come
  first: a transaction that read before writing could not upgrade its lock while another
  writer commits, and would fail instead of waiting.

Under the lock ``going_count`` is exact. Behind it, the database refuses what the code might
get wrong: a CHECK keeps ``going_count <= capacity``, and (event_id, user_id) is unique.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select, text

from dpse.accounts.models import User
from dpse.events.announcements import event_summary, notify
from dpse.events.models import Event, EventStatus, Registration, RegistrationStatus
from dpse.events.queries import registration_for
from dpse.events.times import format_moment
from dpse.extensions import db
from dpse.mixins import utcnow
from dpse.notifications import service as notifications
from dpse.permissions import can_manage_event, can_register_for_events
from dpse.rules import commit_or_raise

log = logging.getLogger(__name__)


class RegistrationError(Exception):
    """Registering or cancelling is not possible; the message says why, for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def lock_event(event: Event) -> Event:
    """Take the event's lock for the rest of this transaction and reload it (see module doc)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            text("UPDATE event SET going_count = going_count WHERE id = :id"), {"id": event.id}
        )
    else:
        db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    db.session.refresh(event)
    return event


def registration_closed_reason(event: Event, now: datetime | None = None) -> str | None:
    """Why nobody can register right now, or None when registration is open."""
    now = now or utcnow()
    if event.status == EventStatus.CANCELLED:
        return "This event is cancelled."
    if event.status == EventStatus.POSTPONED:
        return "Registration is paused while the event is postponed."
    if now >= event.ends_at:
        return "This event has ended."
    if event.registration_opens_at and now < event.registration_opens_at:
        return f"Registration opens {format_moment(event.registration_opens_at, event.timezone)}."
    if event.registration_closes_at and now >= event.registration_closes_at:
        return "Registration has closed."
    return None


def _next_position(event_id: int) -> int:
    top = db.session.scalar(
        select(func.max(Registration.position)).where(Registration.event_id == event_id)
    )
    return (top or 0) + 1


def _waitlist(event_id: int, limit: int | None = None) -> list[Registration]:
    stmt = (
        select(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(Registration.position)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def register_for_event(event: Event, user: User, now: datetime | None = None) -> Registration:
    """Give the person a place, or a place on the waitlist when the event is full; commits."""
    if not can_register_for_events(user):
        raise RegistrationError("Sign in with an active account to register.")
    now = now or utcnow()
    event = lock_event(event)
    reason = registration_closed_reason(event, now)
    registration = registration_for(event, user)
    if reason is None and registration is not None and registration.is_active:
        reason = (
            "You are already going to this event."
            if registration.is_going
            else "You are already on the waitlist for this event."
        )
    if reason is not None:
        db.session.rollback()  # let go of the lock before saying no
        raise RegistrationError(reason)
    seat_free = event.capacity is None or event.going_count < event.capacity
    # Nobody jumps the queue: a free seat with people waiting goes to them (promote_waitlist).
    status = (
        RegistrationStatus.GOING
        if seat_free and not _waitlist(event.id, limit=1)
        else RegistrationStatus.WAITLISTED
    )
    position = _next_position(event.id)
    if registration is None:
        registration = Registration(
            event_id=event.id, user_id=user.id, status=status, position=position
        )
        db.session.add(registration)
    else:  # coming back after cancelling: to the back of the queue
        registration.status, registration.position = status, position
    if status == RegistrationStatus.GOING:
        event.going_count += 1
    commit_or_raise(RegistrationError("You are already registered for this event."))
    log.info("%r created by %s", registration, user)
    return registration


def promote_waitlist(event: Event, now: datetime | None = None) -> list[Registration]:
    """Move waiting people, first come first served, into free seats and tell them.

    The caller holds the event's lock and commits. Nobody is promoted into an event that is
    not going ahead as scheduled or has ended.
    """
    now = now or utcnow()
    if event.status != EventStatus.SCHEDULED or event.ends_at <= now:
        return []
    free = None if event.capacity is None else event.capacity - event.going_count
    if free is not None and free <= 0:
        return []
    promoted = _waitlist(event.id, limit=free)
    for registration in promoted:
        registration.status = RegistrationStatus.GOING
        event.going_count += 1
        notify(
            registration.user,
            event,
            f"You have a place at {event.title}",
            "A place came free and it is yours: you are now going to this event.\n\n"
            f"{event_summary(event)}\n\n"
            "If you can no longer come, cancel on the event page so the next person gets it.",
        )
        log.info("%r promoted from the waitlist", registration)
    return promoted


def cancel_registration(
    event: Event, user: User, now: datetime | None = None
) -> list[Registration]:
    """Give up a place (or leave the waitlist); the first waiting person moves up. Commits.

    Returns the registrations promoted as a result.
    """
    now = now or utcnow()
    event = lock_event(event)
    registration = registration_for(event, user)
    problem = None
    if registration is None or not registration.is_active:
        problem = "You are not registered for this event."
    elif now >= event.ends_at:
        problem = "This event has ended."
    if problem is not None:
        db.session.rollback()
        raise RegistrationError(problem)
    assert registration is not None
    was_going = registration.is_going
    registration.status = RegistrationStatus.CANCELLED
    promoted: list[Registration] = []
    if was_going:
        event.going_count -= 1
        promoted = promote_waitlist(event, now)
    db.session.commit()
    log.info("%r cancelled by %s", registration, user)
    if promoted:
        notifications.send_emails_now()
    return promoted


def remove_attendee(
    organiser: User, event: Event, registration_id: int, now: datetime | None = None
) -> Registration | None:
    """The organiser (or a moderator) takes someone's place or waitlist spot away; the person
    is told, and the first waiting person moves up. Commits.

    Returns the registration removed, or None when it was no longer active (a double click:
    the first one removed it, as was meant).
    """
    if not can_manage_event(organiser, event):
        raise RegistrationError("Only the organiser or a moderator can remove an attendee.")
    now = now or utcnow()
    event = lock_event(event)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        db.session.rollback()
        raise RegistrationError("That person is not registered for this event.")
    if not registration.is_active:
        db.session.rollback()
        return None
    if now >= event.ends_at:
        db.session.rollback()
        raise RegistrationError("This event has ended.")
    was_going = registration.is_going
    registration.status = RegistrationStatus.CANCELLED
    notify(
        registration.user,
        event,
        f"Your registration for {event.title} was cancelled",
        "The organiser has cancelled your "
        + ("place at" if was_going else "place on the waitlist for")
        + f" this event.\n\n{event_summary(event)}\n\n"
        "If you think this is a mistake, get in touch with the organiser.",
    )
    if was_going:
        event.going_count -= 1
        promote_waitlist(event, now)
    db.session.commit()
    log.info("%r removed by %s", registration, organiser)
    notifications.send_emails_now()
    return registration
