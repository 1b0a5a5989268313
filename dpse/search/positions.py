"""Where each index is in the search change log: the state an index folder keeps (position and
the ids skipped on the way), how far behind it is, the indexers' heartbeats and pruning the log.

Commit order: on SQLite writers are serialised, so ids commit in order. On PostgreSQL a lower
id can commit after a higher one; the indexer keeps the ids it skipped as *gaps* and looks for
them again on every step until they appear or GAP_SECONDS pass (a rolled-back transaction
leaves a gap that never fills). ``safe_through`` — every change at or below it applied — is
what pruning waits for.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from dpse.extensions import db
from dpse.mixins import utcnow
from dpse.search.models import SearchChange, SearchIndexer, SearchLogMark

if TYPE_CHECKING:
    from dpse.search.engine import SearchEngine

log = logging.getLogger(__name__)
STATE_FILE = "indexer.json"
GAP_SECONDS = 300.0  # longer than any transaction runs: a gap older than this was a rollback
MAX_GAPS = 200  # ranges of skipped ids kept at most (the newest)
PRUNED = "pruned_through"
Gap = tuple[int, int, float]  # ids lo..hi not seen yet, and since when


@dataclass
class IndexState:
    """How far this index has applied the log."""

    indexer_id: str
    position: int = 0  # the highest change applied
    gaps: list[Gap] = field(default_factory=list)  # skipped ids, as ranges

    @property
    def safe_through(self) -> int:
        """Every change at or below this one is applied."""
        return min(lo for lo, _, _ in self.gaps) - 1 if self.gaps else self.position

    def waiting_filter(self):  # type: ignore[no-untyped-def] - a SQLAlchemy clause
        """The changes this index has not applied yet."""
        return or_(
            SearchChange.id > self.position,
            *(SearchChange.id.between(lo, hi) for lo, hi, _ in self.gaps),
        )


def read_state(path: Path) -> IndexState | None:
    """The state kept in an index folder, or None (a new folder, or one an older release made)."""
    try:
        raw = json.loads((path / STATE_FILE).read_text())
        gaps = [(int(lo), int(hi), float(since)) for lo, hi, since in raw.get("gaps", [])]
        return IndexState(str(raw["indexer_id"]), int(raw["position"]), gaps)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_state(path: Path, state: IndexState) -> None:
    """Replace the folder's state file atomically."""
    tmp = path / f".{STATE_FILE}.{os.getpid()}"
    data = {"indexer_id": state.indexer_id, "position": state.position, "gaps": state.gaps}
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path / STATE_FILE)


def holes(lo: int, hi: int, found: Iterable[int]) -> list[tuple[int, int]]:
    """The ranges within lo..hi holding none of the sorted ids ``found``."""
    ranges = []
    for found_id in found:
        if found_id > lo:
            ranges.append((lo, min(found_id, hi + 1) - 1))
        lo = max(lo, found_id + 1)
    if lo <= hi:
        ranges.append((lo, hi))
    return [(a, b) for a, b in ranges if a <= b]


def advance(state: IndexState, ids: list[int]) -> None:
    """Move the position past the applied ids, remembering the ids skipped on the way."""
    now = time.time()
    found = sorted(ids)
    gaps = [
        (a, b, since)
        for lo, hi, since in state.gaps
        for a, b in holes(lo, hi, [i for i in found if lo <= i <= hi])
    ]
    if found[-1] > state.position:
        above = [i for i in found if i > state.position]
        gaps += [(a, b, now) for a, b in holes(state.position + 1, found[-1], above)]
    state.position = max(state.position, found[-1])
    state.gaps = gaps
    _drop_old_gaps(state, now)


def _drop_old_gaps(state: IndexState, now: float) -> bool:
    kept = [gap for gap in state.gaps if now - gap[2] <= GAP_SECONDS][-MAX_GAPS:]
    dropped = len(kept) != len(state.gaps)
    state.gaps = kept
    return dropped


def expire_gaps(engine: SearchEngine, state: IndexState) -> None:
    if _drop_old_gaps(state, time.time()):
        write_state(engine.path, state)


def pending(engine: SearchEngine) -> int:
    """How many committed changes this host's index has not applied yet."""
    state = read_state(engine.path)
    if state is None:
        return db.session.scalar(select(func.count(SearchChange.id))) or 0
    return db.session.scalar(select(func.count(SearchChange.id)).where(state.waiting_filter())) or 0


def lag(engine: SearchEngine) -> tuple[int, float]:
    """Changes waiting for this host's index, and how many seconds the oldest has waited."""
    state = read_state(engine.path)
    waiting = select(func.count(SearchChange.id), func.min(SearchChange.created_at))
    if state is not None:
        waiting = waiting.where(state.waiting_filter())
    count, oldest = db.session.execute(waiting).one()
    seconds = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
    return count or 0, max(seconds, 0.0)


def pruned_through() -> int:
    """No change at or below this id exists any more."""
    value = db.session.scalar(select(SearchLogMark.value).where(SearchLogMark.name == PRUNED))
    return value or 0


def heartbeat(engine: SearchEngine) -> None:
    """Tell the other hosts how far this index has got (pruning waits for live indexers)."""
    state = read_state(engine.path)
    if state is None:
        return
    values = {
        "host": f"{socket.gethostname()}:{engine.path}"[:255],
        "position": state.position,
        "safe_through": state.safe_through,
        "heartbeat_at": utcnow(),
    }
    done = db.session.execute(
        update(SearchIndexer).where(SearchIndexer.id == state.indexer_id).values(**values)
    ).rowcount
    if not done:
        db.session.add(SearchIndexer(id=state.indexer_id, **values))
    try:
        db.session.commit()
    except IntegrityError:  # another process on this folder registered it meanwhile
        db.session.rollback()


def prune(live_seconds: float, retention: timedelta) -> int:
    """Delete the changes every live indexer has passed, and any older than ``retention``;
    returns how many went. An indexer silent for ``live_seconds`` is not waited for: if it
    comes back behind what was pruned, it rebuilds."""
    now = utcnow()
    live = db.session.scalar(
        select(func.min(SearchIndexer.safe_through)).where(
            SearchIndexer.heartbeat_at >= now - timedelta(seconds=live_seconds)
        )
    )
    expired = db.session.scalar(
        select(func.max(SearchChange.id)).where(SearchChange.created_at < now - retention)
    )
    through = max(live or 0, expired or 0)
    if through <= pruned_through():
        db.session.rollback()
        return 0
    gone = db.session.execute(delete(SearchChange).where(SearchChange.id <= through)).rowcount
    raised = db.session.execute(
        update(SearchLogMark)
        .where(SearchLogMark.name == PRUNED, SearchLogMark.value < through)
        .values(value=through)
    ).rowcount
    if not raised and db.session.get(SearchLogMark, PRUNED) is None:
        db.session.add(SearchLogMark(name=PRUNED, value=through))
    db.session.execute(
        delete(SearchIndexer).where(SearchIndexer.heartbeat_at < now - retention)
    )
    try:
        db.session.commit()
    except IntegrityError:  # another host pruned at the same moment; it will have raised it
        db.session.rollback()
        return 0
    if gone:
        log.info("Pruned %d search changes (through %d)", gone, through)
    return gone
