"""What each feed holds, read through the domains' own queries and visibility rules as a
signed-out visitor: a fixed number of SQL statements per feed, whatever its length."""

from __future__ import annotations

from dataclasses import replace

from flask_login import AnonymousUserMixin
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from dpse.accounts import handles
from dpse.accounts import queries as accounts_queries
from dpse.accounts.models import User
from dpse.casestudies import queries as casestudies_queries
from dpse.casestudies.models import CaseStudy, case_study_tag
from dpse.events import queries as events_queries
from dpse.events.models import Event
from dpse.extensions import db
from dpse.feeds.atom import Entry
from dpse.feeds.entries import (
    case_study_entry,
    event_entry,
    newest_first,
    post_entry,
    thread_entry,
)
from dpse.forum import queries as forum_queries
from dpse.forum.models import Category, Post, Thread
from dpse.permissions import can_view_profile, can_view_thread
from dpse.tags.models import Tag

FEED_LENGTH = 30  # entries per feed: what readers fetch on each poll
VISITOR = AnonymousUserMixin()  # feeds show what a signed-out visitor sees, to everyone


def case_studies(filters: casestudies_queries.Filters) -> list[Entry]:
    """The newest published case studies matching the list's filters (3 statements)."""
    found = casestudies_queries.newest_matching(replace(filters, q=""), FEED_LENGTH)
    return [case_study_entry(cs) for cs in found]


def case_studies_tagged(tag: Tag) -> list[Entry]:
    """The newest published case studies with a tag, whatever its kind."""
    tagged = select(case_study_tag.c.case_study_id).where(case_study_tag.c.tag_id == tag.id)
    found = casestudies_queries.newest_matching(
        casestudies_queries.Filters(), FEED_LENGTH, CaseStudy.id.in_(tagged)
    )
    return [case_study_entry(cs) for cs in found]


def upcoming_events() -> list[Entry]:
    """Events that have not ended, soonest first (cancelled ones say so)."""
    stmt = events_queries.events_query(events_queries.EventFilters(), past=False)
    return [event_entry(e) for e in db.session.scalars(stmt.limit(FEED_LENGTH)).unique()]


def announced_events() -> list[Entry]:
    """Events that have not ended, most recently announced first."""
    stmt = (
        events_queries.events_query(events_queries.EventFilters(), past=False)
        .order_by(None)
        .order_by(Event.created_at.desc(), Event.id.desc())
    )
    return [event_entry(e) for e in db.session.scalars(stmt.limit(FEED_LENGTH)).unique()]


def opening_posts(thread_ids: list[int]) -> dict[int, Post]:
    """Each thread's first post a visitor may read, by thread id (one statement)."""
    if not thread_ids:
        return {}
    ranked = (
        select(
            Post.id,
            func.row_number()
            .over(partition_by=Post.thread_id, order_by=(Post.created_at, Post.id))
            .label("rank"),
        )
        .where(Post.thread_id.in_(thread_ids), forum_queries.visible_posts(VISITOR))
        .subquery()
    )
    rows = db.session.scalars(
        select(Post).join(ranked, ranked.c.id == Post.id).where(ranked.c.rank == 1)
    )
    return {post.thread_id: post for post in rows}


def category_threads(category: Category) -> list[Entry]:
    """A category's newest threads a visitor may open, each as its opening post."""
    threads = list(
        db.session.scalars(
            select(Thread)
            .where(Thread.category_id == category.id, forum_queries.visible_threads(VISITOR))
            .options(joinedload(Thread.author), selectinload(Thread.tags))
            .order_by(Thread.created_at.desc(), Thread.id.desc())
            .limit(FEED_LENGTH)
        ).unique()
    )
    first = opening_posts([t.id for t in threads])
    return [thread_entry(t, first.get(t.id), [tag.name for tag in t.tags]) for t in threads]


def visible_thread(thread_id: int) -> Thread | None:
    """The thread if a signed-out visitor may open it."""
    thread = forum_queries.thread_by_id(thread_id)
    return thread if thread is not None and can_view_thread(VISITOR, thread) else None


def thread_posts(thread: Thread) -> list[Entry]:
    """A thread's newest posts a visitor may read."""
    posts = db.session.scalars(
        select(Post)
        .where(Post.thread_id == thread.id, forum_queries.visible_posts(VISITOR))
        .options(*forum_queries.post_options())
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(FEED_LENGTH)
    ).unique()
    return [post_entry(post, thread) for post in posts]


def person_activity(person: User) -> list[Entry]:
    """What a person's profile lists, newest first: published case studies, threads started,
    replies and events organised (the "profile.sections" each domain provides)."""
    sections = accounts_queries.page_sections(
        "profile.sections", person, None, 1, FEED_LENGTH, FEED_LENGTH
    )
    entries: list[Entry] = []
    threads: list[Thread] = []
    for section in sections:
        items = list(section.pager.items)
        if section.kind == "case_study":
            entries.extend(case_study_entry(cs) for cs in items)
        elif section.kind == "event":
            entries.extend(event_entry(e) for e in items)
        elif section.kind == "post":
            entries.extend(post_entry(p, p.thread) for p in items)
        elif section.kind == "thread":
            threads.extend(items)
    first = opening_posts([t.id for t in threads])
    # The section does not load the threads' tags: the entries go without (no query each).
    entries.extend(thread_entry(t, first.get(t.id), tags=[]) for t in threads)
    return newest_first(entries, FEED_LENGTH)


def public_person(handle: str) -> User | None:
    """The person at a handle (a current one), if a visitor may see their profile."""
    person, former = handles.by_handle(handle)
    if person is None or former or not can_view_profile(VISITOR, person):
        return None
    return person
