"""iCalendar files (RFC 5545) for one event, the public feed and a person's private feed.

Stands alone: a file format (neither a read nor a write), used by the calendar views.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import current_app, request
from icalendar import Calendar
from icalendar import Event as VEvent

from dpse.events.models import Event, EventStatus
from dpse.events.times import format_when
from dpse.urls import absolute_url

PRODID = "-//DPSE//Public Sector Exchange//EN"
ICAL_STATUS = {
    EventStatus.SCHEDULED: "CONFIRMED",
    EventStatus.POSTPONED: "TENTATIVE",
    EventStatus.CANCELLED: "CANCELLED",
}


def uid_host() -> str:
    """The host in every UID: from DPSE_BASE_URL when set, so UIDs do not change with the
    address a calendar happened to use."""
    base = current_app.config.get("BASE_URL") or ""
    return urlsplit(base).hostname or current_app.config.get("SERVER_NAME") or request.host


def event_uid(event: Event) -> str:
    """Stable for the life of the event, whatever is edited."""
    return f"event-{event.id}@{uid_host()}"


def _location(event: Event, show_link: bool) -> str:
    parts = [event.venue_name, " ".join(event.venue_address.split())]
    if event.format.is_online:
        parts.append(event.online_url if show_link and event.online_url else "Online")
    return ", ".join(p for p in parts if p)


def _description(event: Event, url: str, show_link: bool) -> str:
    lines = [format_when(event.starts_at, event.ends_at, event.timezone)]
    if event.status != EventStatus.SCHEDULED:
        lines.append(f"{event.status.label}: {event.status_reason}".rstrip(": "))
    if show_link and event.online_url:
        lines.append(f"Join online: {event.online_url}")
    lines += ["", event.description_text, "", url]
    return "\n".join(lines).strip()


def to_vevent(event: Event, show_link: bool = False) -> VEvent:
    """One VEVENT; times in UTC so every calendar reads the same instant."""
    url = absolute_url("events.show", slug=event.slug)
    vevent = VEvent()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", event.updated_at)
    vevent.add("created", event.created_at)
    vevent.add("last-modified", event.updated_at)
    vevent.add("dtstart", event.starts_at)
    vevent.add("dtend", event.ends_at)
    vevent.add("sequence", event.sequence)
    vevent.add("status", ICAL_STATUS[event.status])
    vevent.add("summary", event.title)
    vevent.add("description", _description(event, url, show_link))
    location = _location(event, show_link)
    if location:
        vevent.add("location", location)
    vevent.add("url", url)
    if event.tags:
        vevent.add("categories", [t.name for t in event.tags])
    return vevent


def calendar(
    events: Iterable[Event], name: str, show_link_for: set[int] | frozenset[int] = frozenset()
) -> bytes:
    """A VCALENDAR of these events; joining links only for the event ids in show_link_for."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(to_vevent(event, show_link=event.id in show_link_for))
    return cal.to_ical()
