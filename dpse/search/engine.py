"""The search engine: opening the index, a pool of up-to-date searchers, its status.

Requests only read the index; the indexer (indexer.py, run as `dpse search indexer`) writes it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute
from whoosh import query
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex
from whoosh.query import Term
from whoosh.searching import Searcher

from dpse.extensions import db
from dpse.search import indexer, positions
from dpse.search.docsets import DocSet
from dpse.search.parsing import parse_user_query
from dpse.search.schema import TEXT_FIELDS, SearchDocument, make_schema, schema_signature
from dpse.search.whoosh_speedups.chunked_runs import install_chunked_runs
from dpse.search.whoosh_speedups.fast_writer import install_fast_writer
from dpse.search.whoosh_speedups.lengths import preload_lengths

# Every index writer in this process (and its MpWriter children, which are forked from it).
install_chunked_runs()
install_fast_writer()


@dataclass
class Source:
    """How one domain feeds the index (registered in create_app; search imports no domain)."""

    type: str
    load: Callable[[list[int]], dict[int, SearchDocument]]  # public ones among ids
    iter_all: Callable[[], Iterator[SearchDocument]]  # every public document, for a rebuild
    count_public: Callable[[], int]


def in_batches(query: Select, id_column: InstrumentedAttribute[int], size: int) -> Iterator[list]:
    """A source's rows in id order, ``size`` at a time (keyset paging: each batch is one indexed
    range read, however far the rebuild has got)."""
    last = 0
    while True:
        rows = list(
            db.session.scalars(query.where(id_column > last).order_by(id_column).limit(size))
            .unique()
        )
        if not rows:
            return
        yield rows
        last = rows[-1].id


class SearchEngine:
    """One per app: the index folder, the registered sources, a pool of searchers."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.sources: dict[str, Source] = {}
        self._pool: list[Searcher] = []
        self._pool_lock = threading.Lock()
        self._open_lock = threading.Lock()

    def register(self, source: Source) -> None:
        """Add a domain's source."""
        self.sources[source.type] = source

    # -- opening ----------------------------------------------------------------------------

    def storage(self, path: Path | None = None) -> FileStorage:
        """The index folder (or another one, for a rebuild) as Whoosh storage."""
        # supports_mmap=False: with mmap every worker process maps the whole index into its
        # memory; without it queries use little memory and one-document updates are fast.
        return FileStorage(str(path or self.path), supports_mmap=False)

    def index(self) -> FileIndex:
        """The index, created empty on first use."""
        with self._open_lock:
            self.path.mkdir(parents=True, exist_ok=True)
            storage = self.storage()
            if storage.index_exists():
                return storage.open_index()
            return storage.create_index(make_schema())

    @contextmanager
    def searching(self) -> Iterator[Searcher]:
        """Borrow an up-to-date searcher from the process's pool (returned afterwards).

        A pool, not one per thread: threaded servers start a thread per request, and searchers
        left in dead threads would leak their open files.
        """
        with self._pool_lock:
            searcher = self._pool.pop() if self._pool else None
        searcher = self._up_to_date(searcher)
        try:
            yield searcher
        finally:
            with self._pool_lock:
                self._pool.append(searcher)

    def _up_to_date(self, searcher: Searcher | None) -> Searcher:
        try:
            if searcher is not None and searcher.up_to_date():
                return searcher
        except (OSError, ValueError):  # the folder was swapped by a rebuild
            pass
        # Not Searcher.refresh(): it reuses a segment's reader by segment id, so deletions
        # committed since into that same segment stay invisible (an update would then show
        # both the old and the new document). A new searcher per index generation is right.
        if searcher is not None:
            searcher.close()
        searcher = self.index().searcher()
        preload_lengths(searcher, TEXT_FIELDS)
        return searcher

    def forget_searchers(self) -> None:
        """Close the pooled searchers (after a rebuild, or when the folder changes)."""
        with self._pool_lock:
            pooled, self._pool = self._pool, []
        for searcher in pooled:
            searcher.close()

    def matching_ids(self, doc_type: str, text: str) -> list[int]:
        """Ids of every document of one type matching the text, in id order, from the index as
        it is. All of them, exactly and unranked: list pages sort and page them in SQL."""
        with self.searching() as searcher:
            user_query = parse_user_query(text, searcher.schema, searcher.reader())
            matches = DocSet(searcher, query.And([user_query, query.Term("type", doc_type)]))
            keys = (searcher.stored_fields(d)["key"] for d in matches.docnums())
            return sorted(int(key.partition(":")[2]) for key in keys)

    # -- the indexer ----------------------------------------------------------------------

    def pending(self) -> int:
        """How many committed changes this host's index has not applied yet."""
        return positions.pending(self)

    def drain(self, merge: bool = True) -> int:
        """Apply every waiting change now, in this process (the indexer's own steps); returns
        how many. For commands and tests: a running `dpse search indexer` does this itself."""
        return indexer.catch_up(self, merge)

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Build a fresh index from the database and swap it in (see indexer.rebuild)."""
        return indexer.rebuild(self, progress)

    def status(self) -> dict[str, object]:
        """Documents per type in the index and in the database, the outbox length, the index's
        segments, and whether it was built with this release's schema."""
        with self.searching() as searcher:
            indexed = {
                doc_type: len(
                    searcher.search(Term("type", doc_type), limit=None, scored=False).docs()
                )
                for doc_type in self.sources
            }
            segments = [sub.doc_count_all() for sub, _ in searcher.leaf_searchers()]
            schema_current = schema_signature(searcher.schema) == schema_signature(make_schema())
        expected = {t: s.count_public() for t, s in self.sources.items()}
        pending, lag_seconds = positions.lag(self)
        db.session.rollback()
        return {
            "indexed": indexed,
            "expected": expected,
            "pending": pending,
            "lag_seconds": lag_seconds,
            "segments": segments,
            "schema_current": schema_current,
            "in_sync": indexed == expected and pending == 0,
        }


def current_engine() -> SearchEngine:
    """The app's search engine."""
    return current_app.extensions["dpse_search"]


def init_search(app: Flask, sources: Iterable[Source]) -> SearchEngine:
    """Create the app's engine and register the domains' sources."""
    engine = SearchEngine(app.config["SEARCH_INDEX_PATH"])
    for source in sources:
        engine.register(source)
    app.extensions["dpse_search"] = engine
    return engine
