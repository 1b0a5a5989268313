"""A request does a bounded amount of indexing, and a busy or slow index never fails a write."""

from __future__ import annotations

from sqlalchemy import func, select
from whoosh.index import LockError

from dpse.extensions import db
from dpse.forum.models import Post
from dpse.search import indexer
from dpse.search.engine import current_engine
from tests.casestudies.factories import make_case_study
from tests.conftest import login, post_form
from tests.forum.factories import make_thread


def test_a_bounded_drain_applies_one_batch_and_leaves_the_rest(users, monkeypatch):
    monkeypatch.setattr(indexer, "BATCH", 2)
    engine = current_engine()
    for n in range(5):
        make_case_study(
            users["member"], status="published", moderator=users["moderator"], title=f"Numbat {n}"
        )
    waiting = engine.pending()
    assert waiting >= 5
    assert engine.drain(merge=False, batches=1) == 2
    assert engine.pending() == waiting - 2
    assert engine.drain() == waiting - 2  # an unbounded drain (the indexer's) takes the rest
    assert engine.pending() == 0


def test_losing_the_writer_between_batches_ends_the_drain_without_an_error(users, monkeypatch):
    monkeypatch.setattr(indexer, "BATCH", 1)
    engine = current_engine()
    make_case_study(users["member"], title="Quoll one")
    make_case_study(users["member"], title="Quoll two")
    ix = engine.index()
    real_writer = type(ix).writer
    calls = []

    def writer_then_busy(self, **kwargs):
        calls.append(kwargs)
        if len(calls) > 1:
            raise LockError("another process holds the writer")
        return real_writer(self, **kwargs)

    monkeypatch.setattr(type(ix), "writer", writer_then_busy)
    assert engine.drain(wait=0) == 1
    assert engine.pending() > 0  # left for whoever holds the writer


def test_a_reply_is_saved_and_answered_normally_while_the_index_is_busy(client, users, app):
    app.config["HOLD_FIRST_POSTS"], old = 0, app.config["HOLD_FIRST_POSTS"]
    thread = make_thread(users["member"])
    engine = current_engine()
    engine.drain()
    login(client, "supplier@testshire.gov.uk")
    blocker = engine.index().writer()
    try:
        url = f"/forum/t/{thread.id}-{thread.slug}/reply"
        response = post_form(client, url, {"body": "Saved while busy", "action": "post"})
        assert response.status_code == 302
        search = client.get("/search?q=busy")
        assert search.status_code == 200  # answered from the index as it is
    finally:
        blocker.cancel()
        app.config["HOLD_FIRST_POSTS"] = old
    assert db.session.scalar(select(func.count(Post.id)).where(Post.body == "Saved while busy"))
    assert engine.pending() > 0
    engine.drain()
    assert "Saved while" in client.get("/search?q=busy").get_data(as_text=True)
