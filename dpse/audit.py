"""The audit log: who did which moderation or administration action to what, written in the
same transaction as the action. It sits below every domain, so any of them may write to it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dpse.extensions import db
from dpse.mixins import UTCDateTime, utcnow

if TYPE_CHECKING:
    from dpse.accounts.models import User

DETAIL_MAX = 2000
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
    "delete_account": "Deleted an account",
    "create_api_token": "Made an API token",
    "revoke_api_token": "Revoked an API token",
    "edit_site_page": "Changed a site page",
    "handle_accessibility_report": "Handled an accessibility report",
}


class AuditLog(db.Model):
    """One moderation action: who did what to which object, and why."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(50), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int]
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    # By name: the audit log imports no domain (accounts defines User).
    actor: Mapped[User | None] = relationship("User")

    def __repr__(self) -> str:
        return f"<AuditLog {self.id} {self.action} {self.target_type}:{self.target_id}>"


def record(actor: User, action: str, target_type: str, target_id: int, detail: str = "") -> None:
    """Add an audit entry to the caller's transaction."""
    db.session.add(
        AuditLog(
            actor_id=actor.id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=detail[:DETAIL_MAX],
        )
    )
