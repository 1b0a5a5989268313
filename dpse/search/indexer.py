"""The indexer: follows the change log into this host's index, merges, rebuilds, prunes the log.

One indexer process per host (`dpse search indexer`, started by `dpse serve`) is the only
writer of that host's index; requests never open a writer. Its position in the log is kept in
the index folder itself (``indexer.json``, written after each index commit), so a crash between
the two only means a few changes are applied twice (applying is idempotent: a document is
re-read from the database). Several hosts each run their own indexer on the same log.

Where each index is in the log, heartbeats and pruning: positions.py.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from whoosh.codec.base import Segment
from whoosh.index import LockError
from whoosh.multiproc import MpWriter
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from dpse.extensions import db
from dpse.search.models import SearchChange
from dpse.search.positions import (
    IndexState,
    advance,
    expire_gaps,
    heartbeat,
    holes,
    prune,
    pruned_through,
    read_state,
    write_state,
)
from dpse.search.schema import SearchDocument, make_schema

if TYPE_CHECKING:
    from dpse.search.engine import SearchEngine, Source

log = logging.getLogger(__name__)
BATCH = 500
PARALLEL_REBUILD = 5_000  # documents from which a rebuild indexes in two processes
# Idle steps merge segments of similar size: MERGE_AT segments in one band (<8, 8-63, 64-511
# documents) become one, so a document is rewritten at most once per band. Larger segments
# (a rebuild's, and what merging the top band made) are left to `dpse search reindex`.
MERGE_BANDS = (8, 64, 512)
MERGE_AT = 4
GAP_SCAN = 10_000  # how far below its start a rebuild looks for changes not yet committed


@contextmanager
def folder_lock(engine: SearchEngine) -> Iterator[None]:
    """Serialise steps and swaps on one index folder across processes (a host's indexer and a
    `dpse search reindex` run beside it)."""
    engine.path.parent.mkdir(parents=True, exist_ok=True)
    with open(engine.path.parent / f".{engine.path.name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- applying the log ------------------------------------------------------------------------


def step(engine: SearchEngine, merge: bool = True) -> int:
    """Apply the next batch of changes (or, with none waiting, merge small segments);
    returns how many changes were applied. A new index, or one whose changes were pruned
    before it applied them, is rebuilt first."""
    with folder_lock(engine):
        state = read_state(engine.path) if engine.path.exists() else None
        if state is None or state.safe_through < pruned_through():
            if state is not None:
                log.warning("The search index fell behind the pruned change log: rebuilding")
            rebuild(engine, locked=True)
            state = read_state(engine.path)
            assert state is not None  # the rebuild wrote it
        rows = db.session.execute(
            select(SearchChange.id, SearchChange.key)
            .where(state.waiting_filter())
            .order_by(SearchChange.id)
            .limit(BATCH)
        ).all()
        db.session.rollback()  # no transaction held while we index
        ix = engine.index()
        if not rows:
            expire_gaps(engine, state)
            if merge:
                writer = ix.writer(timeout=30.0)
                if band := segments_to_merge(writer.segments):
                    _merge(engine, writer, band)
                else:
                    writer.cancel()
            return 0
        writer = ix.writer(timeout=30.0)
        try:
            _apply(engine, writer, [key for _, key in rows])
            writer.commit(merge=False)
        finally:
            if not writer.is_closed:
                writer.cancel()
        advance(state, [row_id for row_id, _ in rows])
        write_state(engine.path, state)  # after the commit: a crash between replays, not loses
        return len(rows)


def catch_up(engine: SearchEngine, merge: bool = True) -> int:
    """Step until every committed change is applied (and, with ``merge``, merged)."""
    done = 0
    while applied := step(engine, merge=False):
        done += applied
    if merge:
        step(engine)
    return done


def _known_fields(writer: SegmentWriter, doc: SearchDocument) -> dict[str, object]:
    """The document's fields that the index was built with: an index from before a field was
    added keeps taking changes (without it) until `dpse search reindex` rebuilds it."""
    return {name: value for name, value in doc.fields().items() if name in writer.schema}


def _apply(engine: SearchEngine, writer: SegmentWriter, keys: Iterable[str]) -> None:
    docs = _load(engine, keys)
    for key, doc in docs.items():
        if doc is None:  # gone, unpublished, hidden: it leaves the index
            writer.delete_by_term("key", key)
        else:
            writer.update_document(**_known_fields(writer, doc))


def _merge(engine: SearchEngine, writer: SegmentWriter, band: list[Segment]) -> None:
    """Replace the band's segments by one, indexing their documents afresh from the database.

    Measured here, Whoosh's own merge (``add_reader``) copies ~80 documents a second, and
    indexing them again ~700: merging four 40-document segments took 4.5 s. What is gone from
    the database meanwhile is simply dropped.
    """
    keys: list[str] = []
    for segment in band:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            keys.extend(stored["key"] for stored in reader.all_stored_fields())
        finally:
            reader.close()
    docs = _load(engine, keys)
    for doc in docs.values():
        if doc is not None:
            writer.add_document(**_known_fields(writer, doc))
    merged = {segment.segment_id() for segment in band}
    writer.commit(
        mergetype=lambda _writer, segments: [s for s in segments if s.segment_id() not in merged]
    )
    log.info("Merged %d search segments (%d documents)", len(band), len(keys))


def _load(engine: SearchEngine, keys: Iterable[str]) -> dict[str, SearchDocument | None]:
    """The current public document for each key (None where there is none)."""
    by_type: dict[str, set[int]] = {}
    for key in keys:
        doc_type, _, raw_id = key.partition(":")
        if doc_type in engine.sources and raw_id.isdigit():
            by_type.setdefault(doc_type, set()).add(int(raw_id))
    found: dict[str, SearchDocument | None] = {}
    for doc_type, ids in by_type.items():
        docs = engine.sources[doc_type].load(sorted(ids))
        found.update({f"{doc_type}:{i}": docs.get(i) for i in sorted(ids)})
    db.session.rollback()
    return found


# -- rebuilding ------------------------------------------------------------------------------


def rebuild(
    engine: SearchEngine,
    progress: Callable[[int, int], None] | None = None,
    locked: bool = False,
) -> int:
    """Build a fresh index from the database in a new folder, then swap it in.

    The new folder starts at the log's last change; changes below it that were not yet
    committed when the rebuild began become gaps, so they are applied when they appear.
    """
    # (an emptied log still starts after what was pruned)
    started_with = max(db.session.scalar(select(func.max(SearchChange.id))) or 0, pruned_through())
    start = _state_at(started_with, engine)
    total = sum(s.count_public() for s in engine.sources.values())
    fresh = engine.path.with_name(f"{engine.path.name}.new-{uuid.uuid4().hex[:8]}")
    fresh.mkdir(parents=True)
    new_ix = engine.storage(fresh).create_index(make_schema())
    if total >= PARALLEL_REBUILD and (os.cpu_count() or 1) > 1:
        # Two indexing processes (Whoosh's MpWriter) fed by this one: ~1.8x faster here.
        writer = new_ix.writer(procs=2, multisegment=True, limitmb=128)
    else:
        writer = new_ix.writer(limitmb=128)
    count = 0
    try:
        for doc in _all_documents(list(engine.sources.values())):
            writer.add_document(**doc.fields())
            count += 1
            if progress and count % 100 == 0:
                progress(count, total)
        writer.commit(optimize=not isinstance(writer, MpWriter))
        write_state(fresh, start)
    except BaseException:
        writer.cancel()
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    db.session.rollback()
    if locked:
        _swap(engine, fresh)
    else:
        with folder_lock(engine):
            _swap(engine, fresh)
    if progress:
        progress(count, total)
    log.info("Rebuilt the search index: %d documents, log position %d", count, started_with)
    return count


def _state_at(started_with: int, engine: SearchEngine) -> IndexState:
    """A new folder's state: at ``started_with``, the ids below it not visible yet as gaps."""
    previous = read_state(engine.path) if engine.path.exists() else None
    state = IndexState(previous.indexer_id if previous else uuid.uuid4().hex, started_with)
    low = max(pruned_through(), started_with - GAP_SCAN)
    visible = db.session.scalars(
        select(SearchChange.id)
        .where(SearchChange.id > low, SearchChange.id <= started_with)
        .order_by(SearchChange.id)
    ).all()
    now = time.time()
    state.gaps = [(a, b, now) for a, b in holes(low + 1, started_with, visible)]
    return state


def _swap(engine: SearchEngine, fresh: Path) -> None:
    """Put the fresh folder in the live one's place, holding Whoosh's writer lock as well."""
    engine.path.mkdir(parents=True, exist_ok=True)
    engine.index()  # make sure there is a live folder to swap out
    lock = engine.storage().lock("MAIN_WRITELOCK")  # the lock Whoosh's writers take
    if not wait_for(lambda: lock.acquire(blocking=False), 30.0):
        shutil.rmtree(fresh, ignore_errors=True)
        raise LockError("the search index stayed locked by another writer for 30 s")
    old = engine.path.with_name(f"{engine.path.name}.old-{uuid.uuid4().hex[:8]}")
    try:
        engine.path.rename(old)
        fresh.rename(engine.path)
    finally:
        lock.release()
    engine.forget_searchers()
    shutil.rmtree(old, ignore_errors=True)


def run(
    engine: SearchEngine,
    stop: threading.Event,
    poll: float = 0.2,
    live_seconds: float = 600.0,
    retention: timedelta = timedelta(days=7),
) -> None:
    """The indexer's loop: apply, heartbeat every few seconds, prune every minute, until
    ``stop`` is set. Errors are logged and retried (the database or index may come back)."""
    last_beat = last_prune = 0.0
    # Segments change only when a batch is committed: look for ones to merge at the start and
    # after each batch, not on every idle poll (opening a writer five times a second for that
    # kept an idle indexer busy).
    merge_due = True
    while not stop.is_set():
        try:
            applied = step(engine, merge=merge_due)
            merge_due = bool(applied)
            now = time.monotonic()
            if now - last_beat >= 5.0 or applied:
                heartbeat(engine)
                last_beat = now
            if now - last_prune >= 60.0:
                prune(live_seconds, retention)
                last_prune = now
        except Exception:
            db.session.rollback()
            log.exception("The search indexer failed a step; retrying")
            stop.wait(2.0)
            continue
        if not applied:
            stop.wait(poll)


# -- small helpers ---------------------------------------------------------------------------


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
    """Poll until predicate() or the time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _all_documents(sources: list[Source]) -> Iterator[SearchDocument]:
    for source in sources:
        yield from source.iter_all()
