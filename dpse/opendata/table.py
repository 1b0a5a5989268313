"""One table of the open-data download: its columns as the data dictionary describes them,
and its rows read by id in bounded batches (keyset paging: no OFFSET, no whole table)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from dpse.extensions import db

BATCH = 500  # rows read per statement: memory stays bounded whatever the table's size


@dataclass(frozen=True)
class Column:
    """One column: its name, its type in the dictionary's words, and what it means."""

    name: str
    type: str
    meaning: str


@dataclass(frozen=True)
class Table:
    """One file pair (<name>.csv and <name>.jsonl) and how to read its rows."""

    name: str
    description: str
    columns: tuple[Column, ...]
    statement: Callable[[], Select[Any]]  # the visible rows, any order
    to_row: Callable[[Any], dict[str, Any]]

    def count(self) -> int:
        """How many rows the file will hold."""
        ids = self.statement().with_only_columns(_id_column(self.statement())).subquery()
        return db.session.scalar(select(func.count()).select_from(ids)) or 0

    def rows(self) -> Iterator[dict[str, Any]]:
        """Every row, by id, BATCH at a time (keyset paging: no OFFSET, no whole table)."""
        last = 0
        while True:
            stmt = self.statement()
            id_column = _id_column(stmt)
            batch = list(
                db.session.scalars(
                    stmt.where(id_column > last).order_by(id_column).limit(BATCH)
                ).unique()
            )
            for obj in batch:
                yield self.to_row(obj)
            if len(batch) < BATCH:
                return
            last = batch[-1].id


def _id_column(stmt: Select[Any]) -> Any:
    return stmt.column_descriptions[0]["entity"].id


# The types of columns, in the data dictionary's words.
TEXT = "text"
MD = "text (Markdown source)"
HTML = "text (sanitised HTML, as the site shows it)"
TIME = "date-time (ISO 8601 with offset)"
DATE = "date (ISO 8601)"
INT = "integer"
BOOL = "boolean"
URL = "URL"
SLUGS = "list of slugs (JSON array; in CSV separated by ';')"


def one_of(values: Iterable[Any]) -> str:
    """The type of a column holding one of a fixed set of codes (an enum's values)."""
    return "text, one of: " + ", ".join(str(getattr(v, "value", v)) for v in values)
