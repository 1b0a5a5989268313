"""Event reads: lists and filters, one event, registrations and waitlists, calendar feeds,
and what a person can follow."""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.elements import ColumnElement

from dpse.accounts import queries as accounts_queries
from dpse.accounts.models import Organisation, User
from dpse.accounts.queries import Section
from dpse.events.models import (
    MAX_DURATION,
    CalendarFeed,
    Event,
    EventFormat,
    EventStatus,
    Registration,
    RegistrationStatus,
    event_tag,
)
from dpse.events.times import month_bounds
from dpse.extensions import db
from dpse.mixins import utcnow
from dpse.notifications.models import TargetType
from dpse.notifications.queries import FollowTarget
from dpse.tags.models import Tag
from dpse.urls import path_for

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass
class EventFilters:
    """The list page's filters, as given in the URL (already checked)."""

    format: EventFormat | None = None
    tag: str = ""
    organisation: str = ""
    month: str = ""


def events_query(filters: EventFilters, past: bool, now: datetime | None = None) -> Select:
    """Upcoming events soonest first (not yet ended), or past events newest first."""
    now = now or utcnow()
    stmt = select(Event)
    if past:
        stmt = stmt.where(Event.ends_at < now).order_by(Event.starts_at.desc(), Event.id.desc())
    else:
        # Not ended yet, so started at most MAX_DURATION ago: the start-time index is read
        # from there (without that bound, from the first event ever held: 12 ms at S10).
        stmt = stmt.where(Event.ends_at >= now, Event.starts_at >= now - MAX_DURATION)
        stmt = stmt.order_by(Event.starts_at, Event.id)
    if filters.format is not None:
        stmt = stmt.where(Event.format == filters.format)
    if filters.tag:
        stmt = stmt.where(Event.tags.any(Tag.slug == filters.tag))
    if filters.organisation:
        stmt = stmt.where(
            Event.organisation_id.in_(
                select(Organisation.id).where(Organisation.slug == filters.organisation)
            )
        )
    bounds = month_bounds(filters.month) if filters.month else None
    if bounds is not None:
        stmt = stmt.where(Event.starts_at >= bounds[0], Event.starts_at < bounds[1])
    return stmt


def events_page(filters: EventFilters, past: bool, page: int, per_page: int) -> Any:
    """One page of the event list (a Flask-SQLAlchemy Pagination)."""
    return db.paginate(events_query(filters, past), page=page, per_page=per_page, error_out=False)


def upcoming_events(limit: int = 3) -> list[Event]:
    """The next few events that are going ahead (for the home page)."""
    stmt = (
        events_query(EventFilters(), past=False)
        .where(Event.status != EventStatus.CANCELLED)
        .limit(limit)
    )
    return list(db.session.scalars(stmt).unique())


def get_event(slug: str) -> Event | None:
    """One event by its slug (None for anything that cannot be a slug, NUL bytes included)."""
    if not SLUG.fullmatch(slug):
        return None
    return db.session.scalar(select(Event).where(Event.slug == slug))


FILTER_OPTIONS = 40  # the filter lists the most used values; the rest are reached by search


def event_tags(also: str = "") -> list[Tag]:
    """The tags most events carry (and the one ``also`` names, if an event carries it), by
    name: the filter's choices stay short however many tags there are."""
    counts = (
        select(event_tag.c.tag_id, func.count().label("n"))
        .group_by(event_tag.c.tag_id)
        .order_by(func.count().desc(), event_tag.c.tag_id)
        .limit(FILTER_OPTIONS)
        .subquery()
    )
    wanted = Tag.id.in_(select(counts.c.tag_id))
    if also:
        wanted |= (Tag.slug == also) & Tag.id.in_(select(event_tag.c.tag_id))
    return list(db.session.scalars(select(Tag).where(wanted).order_by(func.lower(Tag.name))))


def event_organisations(also: str = "") -> list[Organisation]:
    """The organisations that run the most events (and the one ``also`` names, if it runs
    one), by name."""
    counts = (
        select(Event.organisation_id, func.count().label("n"))
        .where(Event.organisation_id.is_not(None))
        .group_by(Event.organisation_id)
        .order_by(func.count().desc(), Event.organisation_id)
        .limit(FILTER_OPTIONS)
        .subquery()
    )
    wanted = Organisation.id.in_(select(counts.c.organisation_id))
    if also:
        wanted |= (Organisation.slug == also) & Organisation.id.in_(select(Event.organisation_id))
    return list(
        db.session.scalars(
            select(Organisation).where(wanted).order_by(func.lower(Organisation.name))
        )
    )


def organised_by(user: User) -> list[Event]:
    """Events this person organises, newest start first."""
    return list(
        db.session.scalars(
            select(Event).where(Event.organiser_id == user.id).order_by(Event.starts_at.desc())
        ).unique()
    )


def registration_for(event: Event, user: User) -> Registration | None:
    """This person's registration (in any status) for the event, if any."""
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == user.id
        )
    )


def registration_of(event: Event, registration_id: int) -> Registration | None:
    """One registration for this event by its id (None for another event's)."""
    registration = db.session.get(Registration, registration_id)
    return registration if registration is not None and registration.event_id == event.id else None


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


def reader_involved(
    user_id: int, slug: str, discussion: Callable[[str, Any, int], ColumnElement[bool]]
) -> ColumnElement[bool]:
    """Whether an event's page shows this person something of their own: they organise it,
    hold or held a place (or a waitlist place), or (``discussion``, the forum's part) follow it
    or wrote in its comments. A condition the shared page cache of signed-in readers reads in
    its one statement."""
    event_id = select(Event.id).where(Event.slug == slug).scalar_subquery()
    involved = or_(
        select(Event.id).where(Event.id == event_id, Event.organiser_id == user_id).exists(),
        select(Registration.id)
        .where(Registration.event_id == event_id, Registration.user_id == user_id)
        .exists(),
        discussion("event", event_id, user_id),
    )
    return involved


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


_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def feed_for(user: User) -> CalendarFeed | None:
    """The person's private calendar address, if they made one."""
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def user_for_token(token: str) -> User | None:
    """The active person whose calendar this token opens, or None."""
    if not _TOKEN.fullmatch(token):  # also keeps NUL bytes, which PostgreSQL refuses, away
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token == token))
    if feed is None or not hmac.compare_digest(feed.token, token) or not feed.user.active:
        return None
    return feed.user


def events_ending_since(since: datetime, limit: int) -> list[Event]:
    """Events that end after ``since``, soonest first (the public calendar feed)."""
    stmt = select(Event).where(Event.ends_at >= since).order_by(Event.starts_at).limit(limit)
    return list(db.session.scalars(stmt).unique())


def events_going_since(user: User, since: datetime, limit: int) -> list[Event]:
    """Events the person has a place at that end after ``since`` (their private feed)."""
    return list(
        db.session.scalars(
            select(Event)
            .join(Registration, Registration.event_id == Event.id)
            .where(
                Registration.user_id == user.id,
                Registration.status == RegistrationStatus.GOING,
                Event.ends_at >= since,
            )
            .order_by(Event.starts_at)
            .limit(limit)
        ).unique()
    )


def attendees_to_notify(event: Event, statuses: Iterable[RegistrationStatus]) -> list[User]:
    """The people with one of these registration statuses, in joining order."""
    return list(
        db.session.scalars(
            select(User)
            .join(Registration, Registration.user_id == User.id)
            .where(Registration.event_id == event.id, Registration.status.in_(list(statuses)))
            .order_by(Registration.position)
        )
    )


def follow_targets(ids: list[int], user: Any) -> dict[int, FollowTarget]:
    """Events among these ids, as things to follow (every event is public)."""
    rows = db.session.scalars(select(Event).where(Event.id.in_(ids)))
    return {
        e.id: FollowTarget(TargetType.EVENT, e.id, e.title, path_for("events.show", slug=e.slug))
        for e in rows
    }


def tag_section(tag: Tag, _user: Any) -> dict[str, Any]:
    """The events' section of a tag page: up to 20 upcoming events with the tag.

    The tag's id is written into the SQL: as a parameter, or reached through the tag's slug,
    PostgreSQL planned for an average tag (6 events at S10) and, for a common one (1,511),
    read all its events to sort them (11.6 ms); knowing the tag, it walks the upcoming
    events in order and checks each (1.3 ms). Prepared statements are per tag then."""
    tagged = (
        select(event_tag.c.event_id)
        .where(
            event_tag.c.event_id == Event.id,
            event_tag.c.tag_id == bindparam("tag_id", tag.id, literal_execute=True),
        )
        .exists()
    )
    upcoming = events_query(EventFilters(), past=False).where(tagged).limit(20)
    events = list(db.session.scalars(upcoming).unique())
    return {"events": events, "registrations": {}, "past": False}


def _organised_pager(*where: Any, page: int, per_page: int) -> Any:
    """A page of the events matching ``where``, latest start first."""
    stmt = select(Event).where(*where).order_by(Event.starts_at.desc(), Event.id.desc())
    return accounts_queries.paginate(stmt, page, per_page)


def profile_sections(person: User, only: str | None, page: int, per_page: int) -> list[Section]:
    """A profile's events: those the person organises (every event is public)."""
    if only not in (None, "events"):
        return []
    pager = _organised_pager(Event.organiser_id == person.id, page=page, per_page=per_page)
    return [Section("events", "Events organised", "event", pager, "No events organised.")]


def organisation_sections(
    organisation: Organisation, only: str | None, page: int, per_page: int
) -> list[Section]:
    """An organisation page's events: those run in its name."""
    if only not in (None, "events"):
        return []
    pager = _organised_pager(Event.organisation_id == organisation.id, page=page, per_page=per_page)
    return [Section("events", "Events organised", "event", pager, "No events organised yet.")]


def organisation_uses(organisation_id: int) -> int:
    """How many events name the organisation (``organisation.in_use``)."""
    return (
        db.session.scalar(
            select(func.count(Event.id)).where(Event.organisation_id == organisation_id)
        )
        or 0
    )
