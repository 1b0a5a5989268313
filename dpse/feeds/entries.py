"""Public objects as Atom entries: stable ids, times, authors as the pages name them, and the
stored sanitised HTML (never rendered again here)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from markupsafe import Markup

from dpse.accounts.models import User
from dpse.casestudies.models import CaseStudy
from dpse.events.models import Event
from dpse.feeds.atom import Author, Entry
from dpse.forum.models import Post, Thread
from dpse.urls import absolute_url, site_url

FORMER_MEMBER = "Former member"  # as templates/_macros/people.html shows a deleted account
CASE_STUDY_SECTIONS = (
    ("challenge_html", "The challenge"),
    ("what_we_built_html", "What was built"),
    ("results_html", "Results"),
    ("lessons_learned_html", "Lessons learned"),
)


def site_language() -> str:
    """The site's language (DPSE_SITE_LANGUAGE), for entries that carry none of their own."""
    return str(current_app.config.get("SITE_LANGUAGE") or "en")


def language_of(obj: Any) -> str:
    """The language the object is written in, if the model records one, else the site's."""
    return str(getattr(obj, "language", "") or site_language())


def tag_uri(kind: str, number: int, created: datetime | None) -> str:
    """A tag: URI (RFC 4151) that stays the entry's id when its title or address changes."""
    authority = urlsplit(site_url("/")).hostname or "localhost"
    day = created.date().isoformat() if created else "2026-01-01"
    return f"tag:{authority},{day}:{kind}/{number}"


def person(user: User | None) -> Author:
    """A person as the pages name them: a deleted account is a former member, with no link."""
    if user is None or user.is_deleted:
        return Author(FORMER_MEMBER)
    return Author(user.display_name, absolute_url("accounts.profile", handle=user.handle))


def case_study_entry(cs: CaseStudy) -> Entry:
    """A published case study: its summary, then each section's stored HTML under a heading."""
    parts = [Markup("<p>{}</p>").format(cs.summary)]
    for column, heading in CASE_STUDY_SECTIONS:
        html = getattr(cs, column)
        if html:
            parts.append(Markup("<h2>{}</h2>").format(heading) + html)  # stored: Markup
    return Entry(
        id=tag_uri("case-study", cs.id, cs.created_at),
        title=cs.title,
        url=absolute_url("casestudies.show", slug=cs.slug),
        updated=cs.content_updated_at or cs.published_at or cs.created_at,
        published=cs.published_at,
        authors=[person(u) for u in cs.author_users] or [Author(FORMER_MEMBER)],
        language=language_of(cs),
        summary=cs.summary,
        content_html=Markup("").join(parts),
        categories=[t.name for t in cs.tags] + [cs.outcome.label, cs.sector.label],
    )


def _when(event: Event) -> str:
    """'Tue 5 January 2027, 10:00 to 16:00 (Europe/London)' in the event's own time zone."""
    starts = event.starts_at.astimezone(event.zone)
    ends = event.ends_at.astimezone(event.zone)
    same_day = starts.date() == ends.date()
    end_format = "%H:%M" if same_day else "%a %-d %B %Y, %H:%M"
    return f"{starts:%a %-d %B %Y, %H:%M} to {ends.strftime(end_format)} ({event.timezone})"


def event_entry(event: Event) -> Entry:
    """An event: when and where, its status if not going ahead, then its description."""
    where = ", ".join(v for v in (event.venue_name, event.format.label) if v)
    facts = [f"When: {_when(event)}", f"Where: {where}"]
    if not event.is_scheduled:
        facts.insert(0, f"{event.status.label}.")
    parts = [Markup("<p>{}</p>").format(line) for line in facts]
    if event.description_html:
        parts.append(event.description_html)
    return Entry(
        id=tag_uri("event", event.id, event.created_at),
        title=event.title if event.is_scheduled else f"{event.status.label}: {event.title}",
        url=absolute_url("events.show", slug=event.slug),
        updated=event.updated_at,
        published=event.created_at,
        authors=[person(event.organiser)],
        language=language_of(event),
        summary=f"{_when(event)} · {where}",
        content_html=Markup("").join(parts),
        categories=[t.name for t in event.tags],
    )


def thread_entry(thread: Thread, opening: Post | None, tags: list[str]) -> Entry:
    """A thread, as its opening post (``tags``: the names of its tags, loaded by the caller)."""
    return Entry(
        id=tag_uri("thread", thread.id, thread.created_at),
        title=thread.title,
        url=absolute_url("forum.thread", thread_id=thread.id, slug=thread.slug),
        updated=(opening.edited_at or opening.created_at) if opening else thread.created_at,
        published=thread.created_at,
        authors=[person(thread.author)],
        language=language_of(thread),
        content_html=opening.body_html if opening else "",
        categories=tags,
    )


def post_entry(post: Post, thread: Thread) -> Entry:
    """A post of a thread, titled after it."""
    return Entry(
        id=tag_uri("post", post.id, post.created_at),
        title=f"Re: {thread.title}",
        url=absolute_url("forum.permalink", post_id=post.id),
        updated=post.edited_at or post.created_at,
        published=post.created_at,
        authors=[person(post.author)],
        language=language_of(thread),
        content_html=post.body_html,
    )


def newest_first(entries: Iterable[Entry], limit: int) -> list[Entry]:
    """Entries from several lists as one, most recently published first."""
    return sorted(entries, key=lambda e: e.published or e.updated, reverse=True)[:limit]
