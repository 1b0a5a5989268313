"""What an event tells its attendees: changes, cancellations, places from the waitlist and
organisers' messages, each through dpse.notifications (in-app, plus an email sent at once).

Stands apart from service.py because registrations.py tells people too (waitlist promotion).
The caller commits, then calls `notifications.send_emails_now()`.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from dpse.accounts.models import User
from dpse.events.models import Event, RegistrationStatus
from dpse.events.queries import attendees_to_notify
from dpse.events.times import format_when
from dpse.notifications import service as notifications
from dpse.urls import absolute_url, path_for

ATTENDING = (RegistrationStatus.GOING, RegistrationStatus.WAITLISTED)
KIND = "event"


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


def notify(user: User, event: Event, subject: str, body: str) -> bool:
    """Tell one person about an event (emailed after the caller commits); False if inactive."""
    site = current_app.config["SITE_NAME"]
    notification = notifications.notify_by_email_now(
        user,
        KIND,
        subject,
        path_for("events.show", slug=event.slug),
        body,
        footer=f"You get this email because you registered for an event on {site}.",
    )
    return notification is not None


def notify_attendees(
    event: Event,
    subject: str,
    body: str,
    statuses: Iterable[RegistrationStatus] = ATTENDING,
) -> int:
    """Tell everyone going (and, by default, waiting) the same thing; returns how many."""
    people = attendees_to_notify(event, statuses)
    return sum(notify(person, event, subject, body) for person in people)
