"""Subscriptions (what a person follows), notifications and email preferences."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dpse.extensions import db
from dpse.mixins import UTCDateTime, string_enum, utcnow


class TargetType(enum.StrEnum):
    """What can be followed."""

    THREAD = "thread"
    CASE_STUDY = "case_study"
    EVENT = "event"
    TAG = "tag"

    @property
    def label(self) -> str:
        """'case study' for case_study."""
        return self.value.replace("_", " ")


class Subscription(db.Model):
    """A person follows one thread, case study, event or tag."""

    __tablename__ = "subscription"
    __table_args__ = (
        UniqueConstraint("user_id", "target_type", "target_id"),
        Index("ix_subscription_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    target_type: Mapped[TargetType] = mapped_column(
        string_enum(TargetType, "subscription_target", 16)
    )
    # Not a foreign key: it points into one of several tables, named by target_type.
    target_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Subscription {self.user_id} -> {self.target_type.value}:{self.target_id}>"


class Notification(db.Model):
    """Something a person should know about, shown on their notifications page."""

    # Field limits, declared once: service.notify trims to them.
    TEXT_MAX = 500
    URL_MAX = 500

    __tablename__ = "notification"
    __table_args__ = (
        # One notification per person per source (e.g. a post): a mention and a followed
        # thread on the same post make one notification, and a retry cannot make a second.
        UniqueConstraint("user_id", "source"),
        Index("ix_notification_user_unread", "user_id", "read_at"),
        Index("ix_notification_email_due", "email_pending", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(TEXT_MAX))
    url: Mapped[str] = mapped_column(String(URL_MAX))  # a path on this site
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What caused it, e.g. "post:42"; withdrawn when that post is hidden.
    source: Mapped[str | None] = mapped_column(String(64))
    # Emails about one thread go out at most once an hour per person.
    thread_id: Mapped[int | None] = mapped_column(index=True)
    email_pending: Mapped[bool] = mapped_column(default=False)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def unread(self) -> bool:
        """Not opened or marked read yet."""
        return self.read_at is None

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} for {self.user_id}>"


class NotificationPreference(db.Model):
    """A person's choice about email; no row means the default (no emails)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    email_enabled: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<NotificationPreference {self.user_id} email={self.email_enabled}>"
