"""Generated forum: categories, threads of very different lengths (a few very long), comments
under case studies and events, hidden and held posts, a few open flags."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from dpse.extensions import db
from dpse.forum import discussions
from dpse.forum.models import MAX_TITLE, Category, Post, Thread, thread_tag
from dpse.moderation.models import Flag, FlagStatus
from dpse.populate import words
from dpse.populate.community import Community
from dpse.populate.sink import Phase, Renderer, Sink
from dpse.slugs import slugify


def _length(rng: random.Random, comments: bool) -> int:
    """Posts in a thread: mostly short, some long, a few very long."""
    roll = rng.random()
    if comments:
        return rng.randint(1, 6) if roll < 0.9 else rng.randint(7, 40)
    if roll < 0.85:
        return rng.randint(1, 12)
    if roll < 0.97:
        return rng.randint(13, 60)
    return rng.randint(61, 400)


def categories(sink: Sink, phase: Phase) -> dict[str, int]:
    """The forum's categories and the two that hold discussions, reusing those that exist."""
    existing = {c.slug: c.id for c in db.session.scalars(select(Category))}
    top = max([0, *(c.position for c in db.session.scalars(select(Category)))])
    db.session.rollback()
    wanted = [(name, slugify(name), text) for name, text in words.FORUM_CATEGORIES]
    wanted += [(c.name, c.slug, c.description) for c in discussions.CATEGORIES.values()]
    rows = []
    out = {}
    new = [w for w in wanted if w[1] not in existing]
    for (name, slug, text), cat_id in zip(new, sink.ids(Category.__table__, len(new)), strict=True):
        top += 1
        rows.append(
            {"id": cat_id, "name": name, "slug": slug, "description": text, "position": top}
        )
        existing[slug] = cat_id
    for _name, slug, _text in wanted:
        out[slug] = existing[slug]
    sink.write(phase, "Forum categories", Category.__table__, rows)
    return out


def forum(
    rng: random.Random,
    sink: Sink,
    phase: Phase,
    n_posts: int,
    now: datetime,
    com: Community,
    renderer: Renderer,
    case_studies: list[tuple[int, str]],
    events: list[tuple[int, str]],
) -> None:
    """About ``n_posts`` posts: 70 % in forum threads, the rest comments."""
    cats = categories(sink, phase)
    forum_cats = [slugify(name) for name, _ in words.FORUM_CATEGORIES]
    bodies = [words.post_body(rng) for _ in range(max(50, min(2000, n_posts // 10)))]
    # Comments hang under public case studies and past or upcoming events, at most one each.
    targets = [("case_study", i, t) for i, t in case_studies if rng.random() < 0.35]
    targets += [("event", i, t) for i, t in events if rng.random() < 0.3]
    rng.shuffle(targets)
    threads: list[dict[str, Any]] = []
    posts: list[dict[str, Any]] = []
    tags: list[dict[str, int]] = []
    flags: list[dict[str, Any]] = []
    budget = n_posts
    comment_budget = int(n_posts * 0.3)
    moderator = com.moderators[0] if com.moderators else com.people[0]
    with phase("Writing threads and posts", n_posts) as progress:
        while budget > 0:
            comments = comment_budget > 0 and bool(targets)
            length = min(_length(rng, comments), budget)
            author = com.active_person(rng)
            started = now - timedelta(days=rng.randint(0, 1400), minutes=rng.randint(0, 1439))
            thread_id = sink.ids(Thread.__table__, 1)[0]
            thread: dict[str, Any] = {
                "id": thread_id,
                "author_id": author,
                "created_at": started,
                "pinned": False,
                "locked": False,
                "case_study_id": None,
                "event_id": None,
            }
            if comments:
                kind, target_id, title = targets.pop()
                spec = discussions.CATEGORIES[kind]
                thread["category_id"] = cats[spec.slug]
                thread["title"] = (discussions.TITLE_PREFIX + title)[:MAX_TITLE]
                thread["slug"] = slugify(title)
                thread[f"{kind}_id"] = target_id
                comment_budget -= length
            else:
                title = rng.choice(words.THREAD_OPENERS).format(
                    t=rng.choice(words.TITLE_THINGS), x=rng.choice(words.TECHNOLOGIES)
                )
                title = title[0].upper() + title[1:]
                thread["category_id"] = cats[rng.choice(forum_cats)]
                thread["title"] = title
                thread["slug"] = slugify(title)
                thread["pinned"] = rng.random() < 0.01
                thread["locked"] = rng.random() < 0.01
                tags += [
                    {"thread_id": thread_id, "tag_id": t} for t in com.tags(rng, rng.randint(0, 3))
                ]
            thread_posts = _posts(rng, sink, thread, length, author, com, renderer, bodies, now)
            _refresh(thread, thread_posts, comments)
            for post in thread_posts:
                if post["hidden_at"] is None and rng.random() < 0.001:
                    flags.append(_flag(rng, sink, post, com))
                post["hidden_by_id"] = moderator if post["hidden_at"] is not None else None
            threads.append(thread)
            posts += thread_posts
            budget -= length
            if len(threads) % 200 == 0:
                progress(n_posts - budget, n_posts)
        progress(n_posts, n_posts)
    sink.write(phase, "Threads", Thread.__table__, threads)
    sink.write(phase, "Thread tags", thread_tag, tags)
    sink.write(phase, "Posts", Post.__table__, posts)
    sink.write(phase, "Flags", Flag.__table__, flags)


def _posts(
    rng: random.Random,
    sink: Sink,
    thread: dict[str, Any],
    length: int,
    author: int,
    com: Community,
    renderer: Renderer,
    bodies: list[str],
    now: datetime,
) -> list[dict[str, Any]]:
    when = thread["created_at"]
    gap = max(1, int(((now - when).total_seconds() / 60) / (length + 1)))
    out = []
    for i, post_id in enumerate(sink.ids(Post.__table__, length)):
        if i:
            when = when + timedelta(minutes=rng.randint(1, min(gap * 2, 60 * 24 * 30)))
            when = min(when, now - timedelta(seconds=length - i))
        roll = rng.random()
        hidden = roll < 0.01
        out.append(
            {
                "id": post_id,
                "thread_id": thread["id"],
                "author_id": author if i == 0 else com.active_person(rng),
                **renderer.columns("body", rng.choice(bodies)),
                **renderer.version(),
                "created_at": when,
                "edited_at": when + timedelta(minutes=5) if rng.random() < 0.03 else None,
                "hidden_at": when + timedelta(hours=2) if hidden else None,
                "hidden_reason": "Off topic" if hidden else "",
                "held_for_review": 0.01 <= roll < 0.015,
            }
        )
    return out


def _refresh(thread: dict[str, Any], posts: list[dict[str, Any]], discussion: bool) -> None:
    """What `forum.service.refresh_thread` keeps: replies, last activity and visibility."""
    public = [p for p in posts if p["hidden_at"] is None and not p["held_for_review"]]
    opening = posts[0]
    thread["reply_count"] = max(len(public) - 1, 0)
    thread["last_activity_at"] = max(
        (p["created_at"] for p in public), default=thread["created_at"]
    )
    opening_public = opening["hidden_at"] is None and not opening["held_for_review"]
    thread["visible"] = bool(public) if discussion else opening_public
    thread["held_for_review"] = (
        not thread["visible"] and opening["held_for_review"] and opening["hidden_at"] is None
    )


def _flag(rng: random.Random, sink: Sink, post: dict[str, Any], com: Community) -> dict[str, Any]:
    reporter = com.active_person(rng)
    return {
        "id": sink.ids(Flag.__table__, 1)[0],
        "post_id": post["id"],
        "case_study_id": None,
        "reason": "This looks like advertising.",
        "reporter_id": reporter,
        "created_at": post["created_at"] + timedelta(hours=1),
        "status": FlagStatus.OPEN,
        "resolved_by_id": None,
        "resolved_at": None,
        "resolution": "",
    }
