"""The audit log: every moderation action, written in the same transaction as the action."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from dpse.accounts.models import User
from dpse.extensions import db
from dpse.moderation.models import AuditLog

ACTION_LABELS = {
    "hide_post": "Hid a post",
    "restore_post": "Restored a post",
    "release_post": "Approved a held post",
    "reject_post": "Rejected a held post",
    "pin_thread": "Pinned a thread",
    "unpin_thread": "Unpinned a thread",
    "lock_thread": "Locked a thread",
    "unlock_thread": "Unlocked a thread",
    "move_thread": "Moved a thread",
    "resolve_flag": "Resolved a flag",
    "create_category": "Added a forum category",
    "edit_category": "Changed a forum category",
}


def record(actor: User, action: str, target_type: str, target_id: int, detail: str = "") -> None:
    """Add an audit entry to the caller's transaction."""
    db.session.add(
        AuditLog(
            actor_id=actor.id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=detail[:2000],
        )
    )


def audit_page(page: int, action: str = "", per_page: int = 50) -> Any:
    """A page of the audit log, newest first, optionally one kind of action."""
    stmt = select(AuditLog).options(joinedload(AuditLog.actor))
    if action in ACTION_LABELS:
        stmt = stmt.where(AuditLog.action == action)
    stmt = stmt.order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
    return db.paginate(stmt, page=min(max(page, 1), 100_000), per_page=per_page, error_out=False)
