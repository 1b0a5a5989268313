"""Load the demo forum from seed_data/forum.yaml through the normal write path.

Threads are matched by title and case-study comments by their case study, so running it again
adds only what is missing. Demo posts are imported as approved (never held) unless marked
`held`, and are dated relative to now so the demo looks alive.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from dpse.accounts.models import User
from dpse.accounts.service import get_user_by_email
from dpse.casestudies.models import CaseStudy, Status
from dpse.extensions import db
from dpse.forum import discussions, service
from dpse.forum.models import Category, Post, Thread
from dpse.mixins import utcnow

Progress = Callable[[str], None]


class _People:
    """Demo accounts by email, looked up once each."""

    def __init__(self) -> None:
        self._cache: dict[str, User | None] = {}

    def __call__(self, email: str) -> User | None:
        if email not in self._cache:
            self._cache[email] = get_user_by_email(email)
        return self._cache[email]


def _replies(
    thread: Thread, start: datetime, rows: list[dict[str, Any]], people: _People
) -> list[Post]:
    posts = []
    for row in rows:
        author = people(row["author"])
        if author is None:
            continue
        post = service.reply(
            author,
            thread,
            row["body"],
            when=start + timedelta(hours=row.get("hours", 1)),
            hold=bool(row.get("held", False)),
        )
        posts.append(post)
    return posts


def _threads(rows: list[dict[str, Any]], people: _People, now: datetime, progress: Progress) -> int:
    categories = {c.slug: c for c in db.session.scalars(select(Category))}
    existing = set(db.session.scalars(select(Thread.title)))
    added = 0
    for i, row in enumerate(rows, 1):
        author = people(row["author"])
        category = categories.get(row["category"])
        if row["title"] in existing or author is None or category is None:
            continue
        start = now - timedelta(days=row["days_ago"])
        thread = service.create_thread(
            author, category, row["title"], row["body"], row.get("tags", []), when=start, hold=False
        )
        _replies(thread, start, row.get("replies", []), people)
        added += 1
        progress(f"  [{i}/{len(rows)}] {thread.title}")
    return added


def _comments(rows: list[dict[str, Any]], people: _People, now: datetime) -> int:
    added = 0
    for row in rows:
        cs = db.session.scalar(
            select(CaseStudy).where(
                CaseStudy.slug == row["case_study"], CaseStudy.status == Status.PUBLISHED
            )
        )
        if cs is None or discussions.thread_for("case_study", cs.id) is not None:
            continue
        start = now - timedelta(days=row["days_ago"])
        for post in row.get("posts", []):
            author = people(post["author"])
            if author is not None:
                service.comment(
                    author,
                    "case_study",
                    cs.id,
                    post["body"],
                    when=start + timedelta(hours=post.get("hours", 0)),
                    hold=False,
                )
        added += 1
    return added


def load_forum(folder: Path, progress: Progress) -> None:
    """Create the categories, threads and case-study comments that are not there yet."""
    path = folder / "forum.yaml"
    data = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}
    for row in data.get("categories", []):
        service.get_or_create_category(row["slug"], row["name"], row.get("description", ""))
    db.session.commit()
    people, now = _People(), utcnow()
    threads = data.get("threads", [])
    added = _threads(threads, people, now, progress)
    progress(f"Forum threads: {added} added, {len(threads) - added} already there")
    comments = data.get("comments", [])
    added = _comments(comments, people, now)
    progress(f"Case-study discussions: {added} added, {len(comments) - added} already there")
