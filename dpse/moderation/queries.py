"""Moderation reads: the open flags of the queue, one flag, what members may flag, and pages
of the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from dpse.audit import ACTION_LABELS, AuditLog
from dpse.casestudies.models import CaseStudy, Status
from dpse.extensions import db
from dpse.forum.models import Post
from dpse.moderation.models import Flag, FlagStatus

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
