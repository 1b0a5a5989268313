"""The change log and its indexers: commit order, gaps, heartbeats, pruning, rebuilding when
left behind, and the health check that reports the lag."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from dpse.casestudies.models import CaseStudy
from dpse.extensions import db
from dpse.mixins import utcnow
from dpse.search import indexer, positions
from dpse.search.engine import SearchEngine, current_engine
from dpse.search.models import SearchChange, SearchIndexer
from dpse.search.positions import IndexState, holes, read_state
from dpse.search.results import run_search
from dpse.search.search_request import SearchRequest
from tests.casestudies.factories import make_case_study

WEEK = timedelta(days=7)


def titles_in(engine: SearchEngine, q: str) -> list[str]:
    with engine.searching() as searcher:
        return sorted(h.title for h in run_search(searcher, SearchRequest(q=q)).hits)


def second_host(tmp_path) -> SearchEngine:
    """Another host's engine: the same sources and database, an index folder of its own."""
    other = SearchEngine(str(tmp_path / "host-b" / "search-index"))
    for source in current_engine().sources.values():
        other.register(source)
    return other


def publish(users, title: str) -> CaseStudy:
    return make_case_study(
        users["member"], status="published", moderator=users["moderator"], title=title
    )


def test_holes_are_the_ranges_without_a_found_id():
    assert holes(1, 10, [3, 4, 10]) == [(1, 2), (5, 9)]
    assert holes(1, 10, []) == [(1, 10)]
    assert holes(5, 5, [5]) == []
    state = IndexState("x", position=10, gaps=[(4, 6, 0.0)])
    assert state.safe_through == 3


def test_a_change_committed_late_below_the_position_is_still_applied(users):
    """PostgreSQL can commit a lower id after a higher one: the skipped id is a gap the indexer
    keeps looking for."""
    engine = current_engine()
    early, late = publish(users, "Aardvark early"), publish(users, "Aardvark late")
    engine.drain()
    top = db.session.scalar(select(func.max(SearchChange.id)))
    # The later transaction commits first, with the higher id...
    db.session.execute(update(CaseStudy).where(CaseStudy.id == late.id).values(title="Bongo"))
    db.session.add(SearchChange(id=top + 2, key=f"case_study:{late.id}"))
    db.session.commit()
    assert indexer.step(engine, merge=False) == 1
    state = read_state(engine.path)
    assert state.position == top + 2 and state.gaps[0][:2] == (top + 1, top + 1)
    assert state.safe_through == top
    # ...and the earlier one after it.
    db.session.execute(update(CaseStudy).where(CaseStudy.id == early.id).values(title="Capybara"))
    db.session.add(SearchChange(id=top + 1, key=f"case_study:{early.id}"))
    db.session.commit()
    assert engine.pending() == 1
    assert indexer.step(engine, merge=False) == 1
    assert read_state(engine.path).gaps == [] and read_state(engine.path).safe_through == top + 2
    assert titles_in(engine, "bongo") == ["Bongo"] and titles_in(engine, "capybara") == ["Capybara"]


def test_a_gap_older_than_any_transaction_is_given_up(users, monkeypatch):
    engine = current_engine()
    publish(users, "Dugong")
    engine.drain()
    top = db.session.scalar(select(func.max(SearchChange.id)))
    db.session.add(SearchChange(id=top + 5, key="case_study:0"))  # ids top+1..top+4 rolled back
    db.session.commit()
    indexer.step(engine, merge=False)
    assert read_state(engine.path).safe_through == top
    monkeypatch.setattr(positions, "GAP_SECONDS", 0.0)
    indexer.step(engine, merge=False)  # nothing waits; the old gap is dropped
    assert read_state(engine.path).safe_through == top + 5


def test_pruning_waits_for_every_live_indexer_and_a_late_one_rebuilds(users, tmp_path):
    here, there = current_engine(), second_host(tmp_path)
    publish(users, "Echidna one")
    here.drain(), there.drain()
    positions.heartbeat(here), positions.heartbeat(there)
    first = db.session.scalar(select(func.max(SearchChange.id)))
    assert positions.prune(600, WEEK) > 0  # both have passed everything so far
    assert db.session.scalar(select(func.count(SearchChange.id))) == 0

    publish(users, "Echidna two")  # host B is stopped while this happens
    here.drain()
    positions.heartbeat(here)
    assert positions.prune(600, WEEK) == 0  # B is live and has not applied it: the rows stay
    waiting = db.session.scalar(select(func.count(SearchChange.id)))
    assert waiting > 0

    # B stays silent past the live period: pruning stops waiting for it.
    db.session.execute(
        update(SearchIndexer)
        .where(SearchIndexer.id == read_state(there.path).indexer_id)
        .values(heartbeat_at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()
    assert positions.prune(600, WEEK) == waiting
    assert positions.pruned_through() > first
    # B comes back behind what was pruned: it rebuilds, and finds everything.
    assert titles_in(there, "echidna") == ["Echidna one"]
    there.drain()
    assert titles_in(there, "echidna") == ["Echidna one", "Echidna two"]
    assert read_state(there.path).safe_through >= positions.pruned_through()
    assert there.status()["in_sync"]
    there.forget_searchers()


def test_changes_older_than_the_retention_go_even_if_an_indexer_lags(users):
    engine = current_engine()
    publish(users, "Fossa")
    engine.drain()
    positions.heartbeat(engine)
    db.session.execute(
        update(SearchIndexer).values(safe_through=0)  # as if it had applied nothing
    )
    db.session.execute(update(SearchChange).values(created_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    assert positions.prune(600, WEEK) > 0
    assert db.session.scalar(select(func.count(SearchChange.id))) == 0


def test_health_reports_the_indexer_lag(client, users, app, monkeypatch):
    response = client.get("/healthz")  # the client's indexer run has built the index
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["index"] == "present"
    assert body["indexer"]["lag_changes"] == 0
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Request-Id"]

    publish(users, "Gharial")
    db.session.execute(update(SearchChange).values(created_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    monkeypatch.setattr(indexer, "catch_up", lambda engine, merge=True: 0)  # the indexer is down
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unhealthy"
    assert body["indexer"]["lag_changes"] > 0 and body["indexer"]["lag_seconds"] >= 300


def test_an_idle_indexer_looks_for_segments_to_merge_only_after_new_batches(app, monkeypatch):
    """Segments change only when a batch is committed: polling with nothing to apply must not
    open a writer each time to look for merges."""
    import threading

    calls: list[bool] = []
    applied = iter([0, 0, 3, 0, 0, 0, 2, 0, 0])
    stop = threading.Event()

    def fake_step(_engine, merge=True):
        calls.append(merge)
        try:
            return next(applied)
        except StopIteration:
            stop.set()
            return 0

    monkeypatch.setattr(indexer, "step", fake_step)
    monkeypatch.setattr(indexer, "heartbeat", lambda _engine: None)
    monkeypatch.setattr(indexer, "prune", lambda *_args: None)
    indexer.run(current_engine(), stop, poll=0)
    # At the start, and on the step after each applied batch; never on the idle polls between.
    assert calls[:9] == [True, False, False, True, False, False, False, True, False]
