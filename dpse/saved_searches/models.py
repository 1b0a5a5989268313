"""The SavedSearch model."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dpse.extensions import db
from dpse.mixins import UTCDateTime, utcnow

MAX_QUERY_STRING = 1000  # characters, as stored (letters beyond ASCII are kept, not %-encoded)
MAX_LABEL = 300


class SavedSearch(db.Model):
    """A person's search (query and filters) and how far it has been checked for new matches."""

    __tablename__ = "saved_search"
    __table_args__ = (UniqueConstraint("user_id", "query_string"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # The /search URL's arguments, sorted; printable non-ASCII kept as it is ("q=ёлка"), so a
    # search of 200 Cyrillic or Chinese characters fits, which its %-encoded form would not.
    query_string: Mapped[str] = mapped_column(String(MAX_QUERY_STRING))
    label: Mapped[str] = mapped_column(String(MAX_LABEL))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    checked_until: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def url_query(self) -> str:
        """The query string %-encoded throughout, for links and emails."""
        return urlencode(parse_qsl(self.query_string))

    def __repr__(self) -> str:
        return f"<SavedSearch {self.id} of user {self.user_id}>"
