"""Demo moderation from seed_data/forum.yaml: flags on demo replies, pinned and locked demo
threads, through the moderation service (after the forum is loaded; the forum does not import
moderation)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from dpse.accounts.queries import get_user_by_email
from dpse.extensions import db
from dpse.forum.models import Post, Thread
from dpse.moderation import service
from dpse.moderation.models import Flag

Progress = Callable[[str], None]


def _flag_replies(thread: Thread, rows: list[dict[str, Any]]) -> int:
    flagged = 0
    for row in rows:
        flag = row.get("flag")
        author = get_user_by_email(row["author"])
        reporter = get_user_by_email(flag["reporter"]) if flag else None
        if reporter is None or author is None:
            continue
        mine = db.session.scalars(
            select(Post)
            .where(Post.thread_id == thread.id, Post.author_id == author.id)
            .order_by(Post.id)
        )
        post = next((p for p in mine if p.body.strip() == row["body"].strip()), None)
        already = post is not None and db.session.scalar(
            select(Flag.id).where(Flag.post_id == post.id, Flag.reporter_id == reporter.id)
        )
        if post is not None and not already:
            service.flag_post(reporter, post, flag["reason"])
            flagged += 1
    return flagged


def load_moderation(folder: Path, progress: Progress) -> None:
    """Flag, pin and lock what the demo forum says, where that is not done yet."""
    path = folder / "forum.yaml"
    data = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}
    moderator = get_user_by_email("moderator@dpse.example")
    flagged = 0
    for row in data.get("threads", []):
        thread = db.session.scalar(select(Thread).where(Thread.title == row["title"]).limit(1))
        if thread is None:
            continue
        flagged += _flag_replies(thread, row.get("replies", []))
        if moderator is not None and row.get("pinned") and not thread.pinned:
            service.set_pinned(moderator, thread, True)
        if moderator is not None and row.get("locked") and not thread.locked:
            service.set_locked(moderator, thread, True)
    progress(f"Flags: {flagged} added")
