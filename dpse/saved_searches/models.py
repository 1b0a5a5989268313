"""The SavedSearch model."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dpse.extensions import db
from dpse.mixins import UTCDateTime, utcnow


class SavedSearch(db.Model):
    """A person's search (query and filters) and how far it has been checked for new matches."""

    __tablename__ = "saved_search"
    __table_args__ = (UniqueConstraint("user_id", "query_string"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    query_string: Mapped[str] = mapped_column(String(1000))  # the /search URL's arguments
    label: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    checked_until: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<SavedSearch {self.id} of user {self.user_id}>"
