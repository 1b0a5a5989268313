"""The Whoosh index: opening it, draining the outbox into it, rebuilding it, its status.

Several processes share one index folder. Only the process holding Whoosh's writer lock
writes; the others leave their outbox rows for it (or for the next drain) — rows are only
deleted after the index commit that contains them, so a crash loses nothing.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from flask import Flask, Response, current_app
from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session
from whoosh.codec.base import Segment
from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex, LockError
from whoosh.multiproc import MpWriter
from whoosh.query import Term
from whoosh.reading import SegmentReader
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from dpse.extensions import db
from dpse.search.models import SearchOutbox
from dpse.search.query import matching_ids
from dpse.search.schema import TEXT_FIELDS, SearchDocument, make_schema, schema_signature
from dpse.search.tuning import install_chunked_runs, install_fast_writer, preload_lengths

log = logging.getLogger(__name__)
# Every index writer in this process (and its MpWriter children, which are forked from it).
install_chunked_runs()
install_fast_writer()
BATCH = 500
PARALLEL_REBUILD = 5_000  # documents from which a rebuild indexes in two processes
# Drains merge segments of similar size: MERGE_AT segments in one band (<8, 8-63, 64-511
# documents) become one, so a document is rewritten at most once per band. Larger segments
# (a rebuild's, and what merging the top band made) are never merged by a drain: a merge holds
# the writer lock, and merging 2,000 documents already takes ~15 s here. `dpse search reindex`
# compacts everything.
MERGE_BANDS = (8, 64, 512)
MERGE_AT = 4


@dataclass
class Source:
    """How one domain feeds the index (registered in create_app; search imports no domain)."""

    type: str
    load: Callable[[list[int]], dict[int, SearchDocument]]  # public ones among ids
    iter_all: Callable[[], Iterator[SearchDocument]]  # every public document, for a rebuild
    count_public: Callable[[], int]


class SearchEngine:
    """One per app: the index folder, the registered sources, a searcher per thread."""

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

    def _storage(self, path: Path | None = None) -> FileStorage:
        # supports_mmap=False: with mmap every worker process maps the whole index into its
        # memory; without it queries use little memory and one-document updates are fast.
        return FileStorage(str(path or self.path), supports_mmap=False)

    def index(self) -> FileIndex:
        """The index, created empty on first use."""
        with self._open_lock:
            self.path.mkdir(parents=True, exist_ok=True)
            storage = self._storage()
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
        """Ids of documents of one type matching the text (what is committed is included)."""
        if self.pending():
            self.drain(wait=2.0, merge=False)
        with self.searching() as searcher:
            return matching_ids(searcher, doc_type, text)

    # -- draining ---------------------------------------------------------------------------

    def pending(self) -> int:
        """How many outbox rows wait."""
        return db.session.scalar(select(func.count(SearchOutbox.id))) or 0

    def drain(self, wait: float = 0.0, merge: bool = True, batches: int | None = None) -> int:
        """Apply waiting outbox rows to the index; returns how many were applied.

        ``wait`` is how long to wait for the writer lock; with 0 a busy index is left to the
        process holding it (our rows stay in the outbox and are picked up by a later drain).
        Each batch is committed on its own, so it is searchable at once; only when the outbox
        is empty are small segments merged (``merge``), in a commit of their own. ``batches``
        bounds the work: a request applies at most one batch and leaves the rest for later.
        """
        done = 0
        db.session.info.pop("search_dirty", None)  # whatever this session queued is handled now
        ix = self.index()
        try:
            writer = ix.writer(timeout=wait)
        except LockError:
            return 0
        try:
            while True:
                rows = db.session.execute(
                    select(SearchOutbox.id, SearchOutbox.key).order_by(SearchOutbox.id).limit(BATCH)
                ).all()
                db.session.rollback()  # no transaction held while we index
                if rows:
                    self._apply(writer, [key for _, key in rows])
                    writer.commit(merge=False)
                    # Only now, with the index committed, may the rows go.
                    # Exactly the rows read: on PostgreSQL a lower id can commit after a higher.
                    db.session.execute(
                        delete(SearchOutbox).where(SearchOutbox.id.in_([r[0] for r in rows]))
                    )
                    db.session.commit()
                    done += len(rows)
                    if batches is not None:
                        batches -= 1
                        if batches <= 0:  # the rest waits for a later drain
                            break
                elif merge and (band := segments_to_merge(writer.segments)):
                    self._merge(writer, band)
                else:
                    break
                try:
                    writer = ix.writer(timeout=max(wait, 5.0))
                except LockError:  # another process took it meanwhile; it drains the rest
                    break
        finally:
            if not writer.is_closed:
                writer.cancel()
        return done

    def _apply(self, writer: SegmentWriter, keys: Iterable[str]) -> None:
        docs = self._load(keys)
        for key, doc in docs.items():
            if doc is None:  # gone, unpublished, hidden: it leaves the index
                writer.delete_by_term("key", key)
            else:
                writer.update_document(**doc.fields())

    def _merge(self, writer: SegmentWriter, band: list[Segment]) -> None:
        """Replace the band's segments by one, indexing their documents afresh from the database.

        Measured here, Whoosh's own merge (``add_reader``) copies ~80 documents a second, and
        indexing them again ~700: merging four 40-document segments took 4.5 s, holding the
        writer lock all the while. What is gone from the database meanwhile is simply dropped.
        """
        keys: list[str] = []
        for segment in band:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            try:
                keys.extend(stored["key"] for stored in reader.all_stored_fields())
            finally:
                reader.close()
        docs = self._load(keys)
        for doc in docs.values():
            if doc is not None:
                writer.add_document(**doc.fields())
        merged = {segment.segment_id() for segment in band}
        writer.commit(
            mergetype=lambda _writer, segments: [
                s for s in segments if s.segment_id() not in merged
            ]
        )
        log.info("Merged %d search segments (%d documents)", len(band), len(keys))

    def _load(self, keys: Iterable[str]) -> dict[str, SearchDocument | None]:
        """The current public document for each key (None where there is none)."""
        by_type: dict[str, set[int]] = {}
        for key in keys:
            doc_type, _, raw_id = key.partition(":")
            if doc_type in self.sources and raw_id.isdigit():
                by_type.setdefault(doc_type, set()).add(int(raw_id))
        found: dict[str, SearchDocument | None] = {}
        for doc_type, ids in by_type.items():
            docs = self.sources[doc_type].load(sorted(ids))
            found.update({f"{doc_type}:{i}": docs.get(i) for i in sorted(ids)})
        db.session.rollback()
        return found

    # -- rebuilding -------------------------------------------------------------------------

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Build a fresh index from the database in a new folder, then swap it in."""
        started_with = db.session.scalar(select(func.max(SearchOutbox.id))) or 0
        total = sum(s.count_public() for s in self.sources.values())
        fresh = self.path.with_name(f"{self.path.name}.new-{uuid.uuid4().hex[:8]}")
        fresh.mkdir(parents=True)
        new_ix = self._storage(fresh).create_index(make_schema())
        if total >= PARALLEL_REBUILD and (os.cpu_count() or 1) > 1:
            # Two indexing processes (Whoosh's MpWriter) fed by this one: ~1.8x faster here.
            writer = new_ix.writer(procs=2, multisegment=True, limitmb=128)
        else:
            writer = new_ix.writer(limitmb=128)
        count = 0
        try:
            for doc in _all_documents(list(self.sources.values())):
                writer.add_document(**doc.fields())
                count += 1
                if progress and count % 100 == 0:
                    progress(count, total)
            writer.commit(optimize=not isinstance(writer, MpWriter))
        except BaseException:
            writer.cancel()
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        db.session.rollback()
        # Hold the live index's lock so no drain writes into the folder being replaced.
        self.path.mkdir(parents=True, exist_ok=True)
        self.index()  # make sure there is a live folder to swap out
        lock = self._storage().lock("MAIN_WRITELOCK")  # the lock Whoosh's writers take
        if not wait_for(lambda: lock.acquire(blocking=False), 30.0):
            shutil.rmtree(fresh, ignore_errors=True)
            raise LockError("the search index stayed locked by another writer for 30 s")
        old = self.path.with_name(f"{self.path.name}.old-{uuid.uuid4().hex[:8]}")
        try:
            self.path.rename(old)
            fresh.rename(self.path)
        finally:
            lock.release()
        self.forget_searchers()
        shutil.rmtree(old, ignore_errors=True)
        # Changes queued before the rebuild started are in the new index already.
        db.session.execute(delete(SearchOutbox).where(SearchOutbox.id <= started_with))
        db.session.commit()
        if progress:
            progress(count, total)
        self.drain(wait=5.0)
        return count

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
        pending = self.pending()
        db.session.rollback()
        return {
            "indexed": indexed,
            "expected": expected,
            "pending": pending,
            "segments": segments,
            "schema_current": schema_current,
            "in_sync": indexed == expected and pending == 0,
        }


def segments_to_merge(segments: list[Segment]) -> list[Segment]:
    """The smallest band of similar-sized segments that has MERGE_AT of them, or none."""
    lower = 0
    for upper in MERGE_BANDS:
        band = [s for s in segments if lower <= s.doc_count_all() < upper]
        if len(band) >= MERGE_AT:
            return band
        lower = upper
    return []


def wait_for(predicate: Callable[[], bool], seconds: float) -> bool:
    """Poll until predicate() or the time runs out (used by tests and the CLI)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _all_documents(sources: list[Source]) -> Iterator[SearchDocument]:
    for source in sources:
        yield from source.iter_all()


def current_engine() -> SearchEngine:
    """The app's search engine."""
    return current_app.extensions["dpse_search"]


def _note_outbox_rows(session: Session, flush_context: object) -> None:
    if any(isinstance(obj, SearchOutbox) for obj in session.new):
        session.info["search_dirty"] = True


def _drain_after_request(response: Response) -> Response:
    """After a request whose transaction queued index work, apply it (never fails the request);
    merging segments, if due, waits until the response has been sent."""
    if db.session.info.pop("search_dirty", False):
        try:
            current_engine().drain(merge=False, batches=1)
        except Exception:  # the rows stay queued; the next drain or search picks them up
            db.session.rollback()
            log.exception("Draining the search outbox failed; it will be retried")
        else:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            response.call_on_close(partial(_merge_after_response, app))
    return response


def _merge_after_response(app: Flask) -> None:
    with app.app_context():
        try:
            current_engine().drain()  # also applies whatever other processes queued meanwhile
        except Exception:
            db.session.rollback()
            log.exception("Merging search segments failed; a later drain will try again")


def init_search(app: Flask, sources: Iterable[Source]) -> SearchEngine:
    """Create the app's engine, register the domains' sources, drain after writes."""
    engine = SearchEngine(app.config["SEARCH_INDEX_PATH"])
    for source in sources:
        engine.register(source)
    app.extensions["dpse_search"] = engine
    if not event.contains(Session, "after_flush", _note_outbox_rows):
        event.listen(Session, "after_flush", _note_outbox_rows)
    app.after_request(_drain_after_request)
    return engine
