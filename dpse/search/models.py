"""The search outbox: rows written in the same transaction as the content they point at."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from dpse.extensions import db
from dpse.mixins import UTCDateTime, utcnow


class SearchOutbox(db.Model):
    """'Look at this document again': drained into the index after commit, retried on failure."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), index=True)  # "<type>:<id>"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<SearchOutbox {self.id} {self.key}>"


def queue_reindex(doc_type: str, object_id: int) -> None:
    """Ask for one document to be re-read into the index (in the caller's transaction)."""
    db.session.add(SearchOutbox(key=f"{doc_type}:{object_id}"))
