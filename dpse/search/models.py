"""The search change log, written in the same transaction as the content it points at, and the
indexers that follow it (one per host, each into its own index folder)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dpse.extensions import db
from dpse.mixins import UTCDateTime, utcnow

# BigInteger on PostgreSQL, but SQLite only autoincrements an INTEGER PRIMARY KEY
LogId = BigInteger().with_variant(Integer(), "sqlite")


class SearchChange(db.Model):
    """'Look at this document again': one row per change, in commit order for the indexers.

    Rows stay after they are applied: every host's indexer reads the same log, and rows go only
    once every live indexer has passed them (or after the retention period). AUTOINCREMENT on
    SQLite: without it an emptied table would hand out ids an indexer has already passed.
    """

    __tablename__ = "search_changes"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(LogId, primary_key=True)
    key: Mapped[str] = mapped_column(String(80))  # "<type>:<id>"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<SearchChange {self.id} {self.key}>"


class SearchIndexer(db.Model):
    """An indexer's heartbeat: how far it has applied the log, so pruning waits for it."""

    __tablename__ = "search_indexers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # from its index folder
    host: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(LogId, default=0)  # highest change applied
    safe_through: Mapped[int] = mapped_column(LogId, default=0)  # every change <= it applied
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SearchLogMark(db.Model):
    """Named positions in the log; "pruned_through": no change at or below it exists any more."""

    __tablename__ = "search_log_marks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(LogId, default=0)


def queue_reindex(doc_type: str, object_id: int) -> None:
    """Ask for one document to be re-read into the index (in the caller's transaction)."""
    db.session.add(SearchChange(key=f"{doc_type}:{object_id}"))
