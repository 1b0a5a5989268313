"""Bulk writing for the generator: many rows per INSERT, one transaction per batch, ids given
by the generator (so rows can point at each other before any is written), and Markdown rendered
once per distinct text through the one pipeline."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import InstrumentedAttribute

from dpse.content import PIPELINE_VERSION, render
from dpse.extensions import db
from dpse.slugs import slugify

BATCH = 2000  # rows per transaction; insertmanyvalues puts hundreds in each statement
Progress = Callable[[int, int], None]
Phase = Callable[[str, int], AbstractContextManager[Progress]]


@contextmanager
def quiet_phase(_label: str, _total: int) -> Iterator[Progress]:
    """A phase that reports nothing (tests, library use)."""
    yield lambda _done, _total: None


class Sink:
    """Writes generated rows; hands out ids after the highest already in each table."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}
        self.counts: dict[str, int] = {}

    def ids(self, table: Table, n: int) -> range:
        """``n`` fresh primary keys for ``table``."""
        if table.name not in self._next:
            top = db.session.scalar(select(func.max(table.c.id))) or 0
            self._next[table.name] = top + 1
        start = self._next[table.name]
        self._next[table.name] = start + n
        return range(start, start + n)

    def insert(self, table: Table, rows: Sequence[dict[str, Any]], progress: Progress) -> None:
        """Insert rows a batch per transaction, reporting rows written."""
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            db.session.execute(table.insert(), list(chunk))
            db.session.commit()
            progress(start + len(chunk), len(rows))
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)

    def write(self, phase: Phase, label: str, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows under a progress bar of their own."""
        with phase(label, len(rows)) as progress:
            self.insert(table, rows, progress)

    def fix_sequences(self) -> None:
        """PostgreSQL: move each id sequence past the ids given here, so the app's own inserts
        do not collide with them (SQLite takes max(id) + 1 by itself)."""
        if db.engine.dialect.name != "postgresql":
            return
        for name in self._next:
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608 - our table names
                    f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
                )
            )
        db.session.commit()


class Renderer:
    """The stored columns of Markdown text, rendered once per distinct text."""

    def __init__(self) -> None:
        self._done: dict[str, tuple[str, str]] = {}

    def columns(self, name: str, source: str) -> dict[str, Any]:
        """``name``, ``name_html`` and ``name_text`` as the pipeline stores them."""
        if source not in self._done:
            rendered = render(source)
            self._done[source] = (str(rendered.html), rendered.text)
        html_text, plain = self._done[source]
        return {name: source, f"{name}_html": html_text, f"{name}_text": plain}

    @staticmethod
    def version() -> dict[str, int]:
        return {"render_version": PIPELINE_VERSION}


class Unique:
    """Slugs (or handles) not yet taken: the base, else base-2, base-3 …"""

    def __init__(
        self,
        column: InstrumentedAttribute[str] | None = None,
        key: Callable[[str], str] = str,
        max_length: int = 80,
    ) -> None:
        self._key = key
        self._max = max_length
        self._taken: set[str] = set()
        if column is not None:
            self._taken = {key(v) for v in db.session.scalars(select(column))}
            db.session.rollback()

    def take(self, text_: str, slug: bool = True) -> str:
        base = slugify(text_, self._max) if slug else text_[: self._max]
        candidate, n = base, 1
        while self._key(candidate) in self._taken:
            n += 1
            suffix = f"-{n}"
            candidate = base[: self._max - len(suffix)].rstrip("-") + suffix
        self._taken.add(self._key(candidate))
        return candidate
