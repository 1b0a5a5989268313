"""Registering for events: one place per person, a waitlist when full, promotion in order.

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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from dpse import mail
from dpse.accounts.models import User
from dpse.events.models import Event, EventStatus, Registration, RegistrationStatus
from dpse.events.notifications import event_summary, notify
from dpse.events.times import format_moment
from dpse.extensions import db
from dpse.mixins import utcnow

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


def registration_for(event: Event, user: User) -> Registration | None:
    """This person's registration (in any status) for the event, if any."""
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == user.id
        )
    )


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
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise RegistrationError("You are already registered for this event.") from None
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
        mail.deliver_after_commit()
    return promoted


def waitlist_rank(registration: Registration) -> int:
    """1 for the next person to get a place, 2 for the one after…"""
    ahead = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            Registration.position < registration.position,
        )
    )
    return (ahead or 0) + 1


def waitlist_length(event: Event) -> int:
    """How many people are waiting."""
    return (
        db.session.scalar(
            select(func.count(Registration.id)).where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.WAITLISTED,
            )
        )
        or 0
    )


def attendees(event: Event) -> list[Registration]:
    """Every registration of the event with its person and organisation, in joining order."""
    return list(
        db.session.scalars(
            select(Registration)
            .where(Registration.event_id == event.id)
            .options(joinedload(Registration.user).joinedload(User.organisation))
            .order_by(Registration.position)
        ).unique()
    )


def registrations_by_event(user: User | None, event_ids: list[int]) -> dict[int, Registration]:
    """The person's active registrations among these events, by event id (one query)."""
    if user is None or not getattr(user, "is_authenticated", False) or not event_ids:
        return {}
    rows = db.session.scalars(
        select(Registration).where(
            Registration.user_id == user.id,
            Registration.event_id.in_(event_ids),
            Registration.status != RegistrationStatus.CANCELLED,
        )
    )
    return {r.event_id: r for r in rows}


def my_registrations(
    user: User, past: bool = False, now: datetime | None = None
) -> list[Registration]:
    """A person's active registrations for upcoming (or past) events, with the events."""
    now = now or utcnow()
    when = Event.ends_at < now if past else Event.ends_at >= now
    order = Event.starts_at.desc() if past else Event.starts_at
    return list(
        db.session.scalars(
            select(Registration)
            .join(Registration.event)
            .where(
                Registration.user_id == user.id,
                Registration.status != RegistrationStatus.CANCELLED,
                when,
            )
            .order_by(order)
            .limit(200)
        ).unique()
    )
