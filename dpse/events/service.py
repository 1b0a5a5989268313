"""Event use cases: announce, edit, postpone or cancel, message attendees, calendar addresses.

Reads are in queries.py; registrations (capacity and the waitlist) in registrations.py."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from dpse.accounts.models import Organisation, User
from dpse.casestudies.models import CaseStudy
from dpse.casestudies.models import Status as CaseStudyStatus
from dpse.events import queries
from dpse.events.announcements import ATTENDING, event_summary, notify_attendees
from dpse.events.models import (
    MAX_DURATION,
    MESSAGE_BODY_MAX,
    MESSAGE_SUBJECT_MAX,
    CalendarFeed,
    Event,
    EventFormat,
    EventStatus,
    RegistrationStatus,
    new_feed_token,
)
from dpse.events.registrations import lock_event, promote_waitlist
from dpse.events.times import NonexistentTime, is_timezone, to_utc
from dpse.extensions import db
from dpse.languages import is_language_tag, site_language
from dpse.mixins import utcnow
from dpse.notifications import service as notifications
from dpse.permissions import can_manage_event, can_organise_events
from dpse.rules import RuleError, commit_or_raise
from dpse.search.models import queue_reindex
from dpse.slugs import insert_with_unique_slug, slugify
from dpse.tags.service import get_or_create_tags

log = logging.getLogger(__name__)

# Paths under /events/ that are pages, not events.
RESERVED_SLUGS = frozenset({"new", "past", "mine", "feed", "calendar", "ics"})


class EventError(RuleError):
    """An event rule was broken (see dpse.rules)."""


@dataclass
class EventDetails:
    """What an organiser fills in; times are wall-clock times in ``timezone`` (naive)."""

    title: str
    description: str
    starts_local: datetime
    ends_local: datetime
    timezone: str
    format: EventFormat
    venue_name: str = ""
    venue_address: str = ""
    online_url: str = ""
    capacity: int | None = None
    organisation_id: int | None = None
    registration_opens_local: datetime | None = None
    registration_closes_local: datetime | None = None
    tags: list[str] = field(default_factory=list)
    case_studies: list[str] = field(default_factory=list)  # addresses or slugs
    language: str = ""  # BCP 47 tag; empty: the site's language (or, when editing, unchanged)


def _related_case_studies(addresses: list[str]) -> list[CaseStudy]:
    """Published case studies named by their addresses (or slugs), in the order given."""
    found: list[CaseStudy] = []
    for raw in addresses[:10]:
        slug = raw.strip().rstrip("/").rsplit("/", 1)[-1]
        if not slug:
            continue
        cs = db.session.scalar(
            select(CaseStudy).where(
                CaseStudy.slug == slug, CaseStudy.status == CaseStudyStatus.PUBLISHED
            )
        )
        if cs is None:
            raise EventError(f"No published case study has the address {slug!r}", "case_studies")
        if cs not in found:
            found.append(cs)
    return found


def _utc(local: datetime, timezone: str, field_name: str) -> datetime:
    try:
        return to_utc(local, timezone)
    except NonexistentTime as exc:
        message = f"{exc}: the clocks go forward then. Choose another time"
        raise EventError(message, field_name) from None


def _check(details: EventDetails, event: Event | None, allow_past: bool) -> dict[str, object]:
    """Validate details against the rules; return the column values to store."""
    title = " ".join(details.title.split())
    if not title:
        raise EventError("Enter the event's title", "title")
    if len(title) > Event.TITLE_MAX:
        raise EventError(f"Title must be {Event.TITLE_MAX:,} characters or fewer", "title")
    if len(details.description) > Event.DESCRIPTION_MAX:
        raise EventError(
            f"Keep the description under {Event.DESCRIPTION_MAX:,} characters", "description"
        )
    if not is_timezone(details.timezone):
        raise EventError("Choose a time zone from the list", "timezone")
    starts_at = _utc(details.starts_local, details.timezone, "start_time")
    ends_at = _utc(details.ends_local, details.timezone, "end_time")
    if ends_at <= starts_at:
        raise EventError("The end must be after the start", "end_date")
    if ends_at - starts_at > MAX_DURATION:
        raise EventError("An event can last at most 31 days", "end_date")
    start_moved = event is None or starts_at != event.starts_at
    if start_moved and not allow_past and starts_at < utcnow():
        raise EventError("The start must be in the future", "start_date")
    venue_name = details.venue_name.strip()
    if details.format.has_venue and not venue_name:
        raise EventError("Enter the venue's name for an in-person or hybrid event", "venue_name")
    online_url = details.online_url.strip()
    if online_url and not online_url.lower().startswith(("https://", "http://")):
        raise EventError("Enter a joining link starting with https://", "online_url")
    capacity = details.capacity
    if capacity is not None and not 1 <= capacity <= Event.CAPACITY_MAX:
        raise EventError(f"Capacity must be between 1 and {Event.CAPACITY_MAX:,}", "capacity")
    if event is not None and capacity is not None and capacity < event.going_count:
        raise EventError(
            f"Capacity cannot be less than the {event.going_count} people already going",
            "capacity",
        )
    opens = closes = None
    if details.registration_opens_local is not None:
        opens = _utc(details.registration_opens_local, details.timezone, "registration_opens_time")
        if opens >= ends_at:
            raise EventError(
                "Registration must open before the event ends", "registration_opens_date"
            )
    if details.registration_closes_local is not None:
        closes = _utc(
            details.registration_closes_local, details.timezone, "registration_closes_time"
        )
        if closes > ends_at:
            raise EventError(
                "Registration must close by the end of the event", "registration_closes_date"
            )
        if opens is not None and closes <= opens:
            raise EventError("Registration must close after it opens", "registration_closes_date")
    if details.language and not is_language_tag(details.language):
        raise EventError("Choose a language from the list", "language")
    organisation = None
    if details.organisation_id:
        organisation = db.session.get(Organisation, details.organisation_id)
        if organisation is None:
            raise EventError("Choose an organisation from the list", "organisation_id")
    return {
        "title": title,
        "description": details.description,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "timezone": details.timezone,
        "format": details.format,
        "venue_name": venue_name,
        "venue_address": details.venue_address.strip() if details.format.has_venue else "",
        "online_url": online_url if details.format.is_online else "",
        "capacity": capacity,
        "organisation": organisation,
        "registration_opens_at": opens,
        "registration_closes_at": closes,
        "case_studies": _related_case_studies(details.case_studies),
        "language": details.language or (event.language if event else site_language()),
    }


def create_event(
    organiser: User,
    details: EventDetails,
    slug: str | None = None,
    allow_past: bool = False,
) -> Event:
    """Announce an event; commits. ``allow_past`` is for the demo seed's past events."""
    if not can_organise_events(organiser):
        raise EventError("Only organisers can announce events")
    values = _check(details, None, allow_past)
    base = (
        details.title if slugify(details.title) not in RESERVED_SLUGS else f"{details.title} event"
    )

    def build(event_slug: str) -> Event:
        event = Event(
            slug=event_slug,
            organiser=organiser,
            status=EventStatus.SCHEDULED,
            going_count=0,
            sequence=0,
            **values,
        )
        event.tags = get_or_create_tags(details.tags)
        db.session.add(event)
        return event

    try:
        if slug:
            event = build(slug)
            db.session.flush()
        else:  # the same title sent twice at once: the second gets "-2", never an error
            event = insert_with_unique_slug(Event.slug, base, build)
        queue_reindex("event", event.id)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise EventError("Another event took that address a moment ago: save again") from None
    log.info("%r created by %s", event, organiser)
    return event


_NOTIFIED_FIELDS = ("starts_at", "ends_at", "timezone", "format", "venue_name", "venue_address")


def update_event(event: Event, editor: User, details: EventDetails) -> Event:
    """Change an event; bumps its SEQUENCE, promotes waiting people into new seats, and tells
    attendees when the time or place changed. Commits."""
    if not can_manage_event(editor, event):
        raise EventError("Only the organiser or a moderator can change this event")
    event = lock_event(event)
    try:
        values = _check(details, event, allow_past=False)
    except EventError:
        db.session.rollback()
        raise
    before = {name: getattr(event, name) for name in _NOTIFIED_FIELDS}
    before_link = event.online_url
    old_tags = {t.slug for t in event.tags}
    changed = False
    for name, value in values.items():
        if getattr(event, name) != value:
            setattr(event, name, value)
            changed = True
    tags = get_or_create_tags(details.tags)
    if {t.slug for t in tags} != old_tags:
        event.tags = tags
        changed = True
    if not changed:
        db.session.rollback()
        return event
    event.sequence += 1
    promote_waitlist(event)
    moved = [name for name in _NOTIFIED_FIELDS if getattr(event, name) != before[name]]
    if moved or (before_link and event.online_url != before_link):
        notify_attendees(
            event,
            f"Changed: {event.title}",
            "The organiser has changed the time, place or joining details of this event. "
            f"This is how it stands now:\n\n{event_summary(event)}",
        )
    queue_reindex("event", event.id)
    # e.g. someone created the same new tag at the same moment
    commit_or_raise(EventError("Someone else saved a change at the same moment: save again"))
    log.info("%r updated by %s", event, editor)
    notifications.send_emails_now()
    return event


STATUS_MESSAGES = {
    EventStatus.CANCELLED: ("Cancelled: {title}", "The organiser has cancelled this event."),
    EventStatus.POSTPONED: (
        "Postponed: {title}",
        "The organiser has postponed this event. Your registration stays as it is; "
        "you will hear when there is a new date.",
    ),
    EventStatus.SCHEDULED: ("Going ahead: {title}", "This event is going ahead after all."),
}


def allowed_statuses(event: Event) -> list[EventStatus]:
    """Where an event can go from its current status (a cancelled event stays cancelled)."""
    if event.status == EventStatus.CANCELLED:
        return []
    return [s for s in EventStatus if s != event.status]


def change_status(event: Event, actor: User, status: EventStatus, reason: str) -> int:
    """Postpone, cancel or reinstate an event with a reason; every attendee is told. Commits.

    Returns how many people were notified.
    """
    if not can_manage_event(actor, event):
        raise EventError("Only the organiser or a moderator can change this event")
    event = lock_event(event)
    reason = reason.strip()
    problem = None
    if status not in allowed_statuses(event):
        problem = EventError(f"This event cannot be changed to {status.label.lower()}", "status")
    elif status != EventStatus.SCHEDULED and not reason:
        problem = EventError("Tell attendees why", "reason")
    elif len(reason) > Event.STATUS_REASON_MAX:
        problem = EventError(
            f"Keep the reason under {Event.STATUS_REASON_MAX:,} characters", "reason"
        )
    if problem is not None:
        db.session.rollback()
        raise problem
    event.status = status
    event.status_reason = reason
    event.sequence += 1
    if status == EventStatus.SCHEDULED:
        promote_waitlist(event)
    subject, opening = STATUS_MESSAGES[status]
    body = opening + (f"\n\nReason: {reason}" if reason else "") + f"\n\n{event_summary(event)}"
    notified = notify_attendees(event, subject.format(title=event.title), body)
    queue_reindex("event", event.id)
    db.session.commit()
    log.info("%r %s by %s", event, status.value, actor)
    notifications.send_emails_now()
    return notified


def message_attendees(
    event: Event, sender: User, subject: str, body: str, include_waitlist: bool
) -> int:
    """Email everyone going (and waiting, if asked) a message from the organiser. Commits."""
    if not can_manage_event(sender, event):
        raise EventError("Only the organiser or a moderator can change this event")
    subject, body = " ".join(subject.split()), body.strip()
    if not subject:
        raise EventError("Enter a subject", "subject")
    if not body:
        raise EventError("Enter your message", "body")
    if len(subject) > MESSAGE_SUBJECT_MAX:
        raise EventError(f"Subject must be {MESSAGE_SUBJECT_MAX:,} characters or fewer", "subject")
    if len(body) > MESSAGE_BODY_MAX:
        raise EventError(f"Keep the message under {MESSAGE_BODY_MAX:,} characters", "body")
    statuses = ATTENDING if include_waitlist else (RegistrationStatus.GOING,)
    sent = notify_attendees(
        event,
        f"{subject} ({event.title})",
        f"{sender.display_name}, who organises this event, writes:\n\n{body}\n\n"
        f"{event_summary(event)}",
        statuses,
    )
    db.session.commit()
    log.info("Message about %r sent to %d people by %s", event, sent, sender)
    notifications.send_emails_now()
    return sent


def create_or_replace_feed(user: User) -> CalendarFeed:
    """Make a new secret address; any old one stops working. Commits."""
    feed = queries.feed_for(user)
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token = new_feed_token()
    try:
        db.session.commit()
    except IntegrityError:  # a double click made one at the same moment: keep that one
        db.session.rollback()
        existing = queries.feed_for(user)
        assert existing is not None
        return existing
    log.info("%r given a new calendar address", user)
    return feed


def revoke_feed(user: User) -> bool:
    """Turn the private address off; returns whether there was one. Commits."""
    # One DELETE statement: a double click turns it off once, the second finds nothing to do.
    deleted = db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    db.session.commit()
    if not deleted.rowcount:
        return False
    log.info("%r turned off their calendar address", user)
    return True


def move_organisation(source_id: int, target_id: int) -> None:
    """An organisation merged into another (``organisation.merge``, in the caller's
    transaction): the events it organised now name the other."""
    db.session.execute(
        update(Event).where(Event.organisation_id == source_id).values(organisation_id=target_id)
    )
