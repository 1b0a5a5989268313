"""Telling people about changes to events they registered for.

Today a notification is an email through the outbox, queued in the caller's transaction and
sent after its commit; when in-app notifications arrive, only `notify` changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select

from dpse import mail
from dpse.accounts.models import User
from dpse.events.models import Event, Registration, RegistrationStatus
from dpse.events.times import format_when
from dpse.extensions import db
from dpse.urls import absolute_url

ATTENDING = (RegistrationStatus.GOING, RegistrationStatus.WAITLISTED)


def event_link(event: Event) -> str:
    """The event page's absolute address (its path when no host is known, e.g. in the CLI)."""
    return absolute_url("events.show", slug=event.slug)


def event_summary(event: Event) -> str:
    """Title, time and place, as the last lines of every message about an event."""
    where = event.venue_name or ("Online" if event.format.is_online else "")
    lines = [event.title, format_when(event.starts_at, event.ends_at, event.timezone)]
    if where:
        lines.append(where)
    lines.append(event_link(event))
    return "\n".join(lines)


def notify(user: User, subject: str, body: str) -> bool:
    """Tell one person something (queued now, sent after the caller commits); False if inactive."""
    if not user.active:
        return False
    site = current_app.config["SITE_NAME"]
    mail.queue_email(
        user.email,
        subject,
        f"Hello {user.display_name},\n\n{body}\n\n"
        f"You get this email because you registered for an event on {site}.\n",
    )
    return True


def attendees_to_notify(
    event: Event, statuses: Iterable[RegistrationStatus] = ATTENDING
) -> list[User]:
    """The people with one of these registration statuses, in joining order."""
    return list(
        db.session.scalars(
            select(User)
            .join(Registration, Registration.user_id == User.id)
            .where(Registration.event_id == event.id, Registration.status.in_(list(statuses)))
            .order_by(Registration.position)
        )
    )


def notify_attendees(
    event: Event,
    subject: str,
    body: str,
    statuses: Iterable[RegistrationStatus] = ATTENDING,
) -> int:
    """Tell everyone going (and, by default, waiting) the same thing; returns how many."""
    return sum(notify(person, subject, body) for person in attendees_to_notify(event, statuses))
