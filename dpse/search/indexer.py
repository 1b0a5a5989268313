"""The indexer: applies the outbox to the index in batches, merges small segments, rebuilds.

Several processes share one index folder. Only the process holding Whoosh's writer lock
writes; the others leave their outbox rows for it (or for the next drain) — rows are only
deleted after the index commit that contains them, so a crash loses nothing.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from whoosh.codec.base import Segment
from whoosh.index import LockError
from whoosh.multiproc import MpWriter
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from dpse.extensions import db
from dpse.search.models import SearchOutbox
from dpse.search.schema import SearchDocument, make_schema

if TYPE_CHECKING:
    from dpse.search.engine import SearchEngine, Source

log = logging.getLogger(__name__)
BATCH = 500
PARALLEL_REBUILD = 5_000  # documents from which a rebuild indexes in two processes
# Drains merge segments of similar size: MERGE_AT segments in one band (<8, 8-63, 64-511
# documents) become one, so a document is rewritten at most once per band. Larger segments
# (a rebuild's, and what merging the top band made) are never merged by a drain: a merge holds
# the writer lock, and merging 2,000 documents already takes ~15 s here. `dpse search reindex`
# compacts everything.
MERGE_BANDS = (8, 64, 512)
MERGE_AT = 4


def drain(
    engine: SearchEngine, wait: float = 0.0, merge: bool = True, batches: int | None = None
) -> int:
    """Apply waiting outbox rows to the index; returns how many were applied.

    ``wait`` is how long to wait for the writer lock; with 0 a busy index is left to the
    process holding it (our rows stay in the outbox and are picked up by a later drain).
    Each batch is committed on its own, so it is searchable at once; only when the outbox
    is empty are small segments merged (``merge``), in a commit of their own. ``batches``
    bounds the work: a request applies at most one batch and leaves the rest for later.
    """
    done = 0
    db.session.info.pop("search_dirty", None)  # whatever this session queued is handled now
    ix = engine.index()
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
                _apply(engine, writer, [key for _, key in rows])
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
                _merge(engine, writer, band)
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


def _apply(engine: SearchEngine, writer: SegmentWriter, keys: Iterable[str]) -> None:
    docs = _load(engine, keys)
    for key, doc in docs.items():
        if doc is None:  # gone, unpublished, hidden: it leaves the index
            writer.delete_by_term("key", key)
        else:
            writer.update_document(**doc.fields())


def _merge(engine: SearchEngine, writer: SegmentWriter, band: list[Segment]) -> None:
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
    docs = _load(engine, keys)
    for doc in docs.values():
        if doc is not None:
            writer.add_document(**doc.fields())
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


def rebuild(engine: SearchEngine, progress: Callable[[int, int], None] | None = None) -> int:
    """Build a fresh index from the database in a new folder, then swap it in."""
    started_with = db.session.scalar(select(func.max(SearchOutbox.id))) or 0
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
    except BaseException:
        writer.cancel()
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    db.session.rollback()
    # Hold the live index's lock so no drain writes into the folder being replaced.
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
    # Changes queued before the rebuild started are in the new index already.
    db.session.execute(delete(SearchOutbox).where(SearchOutbox.id <= started_with))
    db.session.commit()
    if progress:
        progress(count, total)
    drain(engine, wait=5.0)
    return count


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
