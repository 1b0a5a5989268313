"""Moderation reads: the open flags of the queue, how much waits in it (for the header), one
flag, what members may flag, and pages of the audit log with the objects they name."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from dpse.accounts.models import User
from dpse.audit import ACTION_LABELS, AuditLog
from dpse.casestudies.models import CaseStudy, Status
from dpse.extensions import db
from dpse.forum.models import Category, Post, Thread
from dpse.moderation.models import Flag, FlagStatus
from dpse.notifications.queries import header_counts
from dpse.permissions import can_moderate

AUDIT_PAGE_SIZE = 50
MAX_AUDIT_PAGE = 100_000


def open_flags(limit: int = 100) -> list[Flag]:
    """Open flags, oldest first, with what they are about and who raised them."""
    return list(
        db.session.scalars(
            select(Flag)
            .where(Flag.status == FlagStatus.OPEN)
            .options(
                joinedload(Flag.reporter),
                joinedload(Flag.post).joinedload(Post.thread),
                joinedload(Flag.post).joinedload(Post.author),
                joinedload(Flag.case_study),
            )
            .order_by(Flag.created_at, Flag.id)
            .limit(limit)
        )
    )


def flag_by_id(flag_id: int) -> Flag | None:
    """One flag, or None."""
    return db.session.get(Flag, flag_id)


def published_case_study(slug: str) -> CaseStudy | None:
    """A published case study by its address (what members can flag)."""
    return db.session.scalar(
        select(CaseStudy).where(CaseStudy.slug == slug, CaseStudy.status == Status.PUBLISHED)
    )


def audit_page(page: int, action: str = "", per_page: int = AUDIT_PAGE_SIZE) -> Any:
    """A page of the audit log, newest first, optionally one kind of action."""
    stmt = select(AuditLog).options(joinedload(AuditLog.actor))
    if action in ACTION_LABELS:
        stmt = stmt.where(AuditLog.action == action)
    stmt = stmt.order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
    page = min(max(page, 1), MAX_AUDIT_PAGE)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def waiting_in_header(user: User | Any) -> dict[str, Any]:
    """For moderators, the header's "moderation" count: open flags, posts held for review
    (not rejected) and submitted case studies — what the queue page lists. Registered with
    notifications' header counts, so it rides in the statement that counts unread
    notifications and a moderator's page runs no extra query for it."""
    if not can_moderate(user):
        return {}
    flags = select(func.count(Flag.id)).where(Flag.status == FlagStatus.OPEN)
    held = select(func.count(Post.id)).where(
        Post.held_for_review.is_(True), Post.hidden_at.is_(None)
    )
    reviews = select(func.count(CaseStudy.id)).where(CaseStudy.status == Status.SUBMITTED)
    return {
        "moderation": flags.scalar_subquery() + held.scalar_subquery() + reviews.scalar_subquery()
    }


def waiting_count(user: User | Any) -> int:
    """How many things wait in the moderation queue (0 for people who cannot moderate)."""
    return header_counts(user).get("moderation", 0)


# What audit entries' targets are, by target_type, and what to load with each.
_AUDITED: dict[str, tuple[Any, tuple[Any, ...]]] = {
    "post": (Post, (joinedload(Post.thread),)),
    "thread": (Thread, ()),
    "case_study": (CaseStudy, ()),
    "category": (Category, ()),
    "user": (User, ()),
}


def audit_targets(entries: Iterable[AuditLog]) -> dict[tuple[str, int], Any]:
    """The objects a page of audit entries names, by (target_type, target_id): one query per
    kind of target, whatever the page's length. Deleted objects are simply missing."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.target_type in _AUDITED:
            wanted.setdefault(entry.target_type, set()).add(entry.target_id)
    found: dict[tuple[str, int], Any] = {}
    for target_type, ids in wanted.items():
        model, options = _AUDITED[target_type]
        for obj in db.session.scalars(select(model).where(model.id.in_(ids)).options(*options)):
            found[(target_type, obj.id)] = obj
    return found
