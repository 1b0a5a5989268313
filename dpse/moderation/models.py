"""Flags: members' reports of a post or case study (the audit log is dpse.audit)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dpse.accounts.models import User
from dpse.casestudies.models import CaseStudy
from dpse.extensions import db
from dpse.forum.models import Post
from dpse.mixins import UTCDateTime, string_enum, utcnow


class FlagStatus(enum.StrEnum):
    """A flag waits in the queue until a moderator deals with it."""

    OPEN = "open"
    RESOLVED = "resolved"


OPEN_ONLY = text("status = 'open'")
# Field limits: the columns, the forms and the service all take them from here.
REASON_MIN = 5  # a flag's reason, a moderator's reason for hiding
REASON_MAX = 1000  # a flag's reason
NOTE_MAX = 500  # a moderator's reason for hiding, a flag's resolution


class Flag(db.Model):
    """A member's report that a post or a case study needs a moderator's attention."""

    __tablename__ = "flag"
    __table_args__ = (
        Index("ix_flag_status_created", "status", "created_at"),
        # One open flag per person per object, kept by the database (partial unique indexes,
        # which SQLite and PostgreSQL both have): two reports sent at once cannot both stay.
        Index(
            "uq_flag_open_post",
            "reporter_id",
            "post_id",
            unique=True,
            sqlite_where=OPEN_ONLY,
            postgresql_where=OPEN_ONLY,
        ),
        Index(
            "uq_flag_open_case_study",
            "reporter_id",
            "case_study_id",
            unique=True,
            sqlite_where=OPEN_ONLY,
            postgresql_where=OPEN_ONLY,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Exactly one of post_id and case_study_id is set (checked by the service).
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), index=True
    )
    case_study_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_study.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    reporter_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[FlagStatus] = mapped_column(
        string_enum(FlagStatus, "flag_status", 16),
        default=FlagStatus.OPEN,
    )
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[str] = mapped_column(String(NOTE_MAX), default="")

    post: Mapped[Post | None] = relationship()
    case_study: Mapped[CaseStudy | None] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    @property
    def target_type(self) -> str:
        """ "post" or "case_study"."""
        return "post" if self.post_id is not None else "case_study"

    def __repr__(self) -> str:
        target = f"post {self.post_id}" if self.post_id else f"case study {self.case_study_id}"
        return f"<Flag {self.id} on {target} ({self.status.value})>"
