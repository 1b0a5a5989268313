"""Follow targets of case studies, forum threads and tags, registered with notifications in
create_app (events provide theirs from dpse.events.queries).

A top-level composition, like pages.py, for now: each resolver belongs in its domain's
queries.py, and moves there when that domain is reshaped (issue 13).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dpse.casestudies.models import CaseStudy, Status
from dpse.extensions import db
from dpse.forum import discussions
from dpse.forum import queries as forum_queries
from dpse.forum.models import Thread
from dpse.notifications.models import TargetType
from dpse.notifications.queries import FollowTarget
from dpse.tags.models import Tag
from dpse.urls import path_for

# Followed things whose comments are a forum thread, by the kind forum.discussions knows them.
DISCUSSION_KINDS = {TargetType.CASE_STUDY: "case_study", TargetType.EVENT: "event"}


def threads(ids: list[int], user: Any) -> dict[int, FollowTarget]:
    """Threads the reader may see."""
    rows = db.session.scalars(
        select(Thread).where(Thread.id.in_(ids), forum_queries.visible_threads(user))
    )
    return {
        t.id: FollowTarget(
            TargetType.THREAD, t.id, t.title, path_for("forum.thread", thread_id=t.id, slug=t.slug)
        )
        for t in rows
    }


def case_studies(ids: list[int], user: Any) -> dict[int, FollowTarget]:
    """Published (or archived) case studies."""
    rows = db.session.scalars(
        select(CaseStudy).where(
            CaseStudy.id.in_(ids), CaseStudy.status.in_((Status.PUBLISHED, Status.ARCHIVED))
        )
    )
    return {
        cs.id: FollowTarget(
            TargetType.CASE_STUDY, cs.id, cs.title, path_for("casestudies.show", slug=cs.slug)
        )
        for cs in rows
    }


def tags(ids: list[int], user: Any) -> dict[int, FollowTarget]:
    """Tags (all public)."""
    rows = db.session.scalars(select(Tag).where(Tag.id.in_(ids)))
    return {
        t.id: FollowTarget(TargetType.TAG, t.id, t.name, path_for("tags.show", slug=t.slug))
        for t in rows
    }


def discussion_thread_id(target_type: TargetType, target_id: int) -> int | None:
    """The forum thread holding the comments on a case study or event, if it has one yet."""
    kind = DISCUSSION_KINDS.get(target_type)
    thread = discussions.thread_for(kind, target_id) if kind else None
    return thread.id if thread is not None else None
