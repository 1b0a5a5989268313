"""Threads and posts in search: only what everyone may read, following every change."""

from __future__ import annotations

import pytest

from dpse.forum import service
from dpse.moderation import service as moderation
from dpse.search import indexer
from dpse.search.engine import current_engine
from dpse.search.results import run_search
from dpse.search.search_request import SearchRequest
from tests.casestudies.factories import make_case_study
from tests.conftest import login, post_form
from tests.forum.factories import make_thread, posts_of


def found(q: str) -> list[tuple[str, str]]:
    """(type, url) of each hit."""
    engine = current_engine()
    engine.drain()
    with engine.searching() as searcher:
        return sorted((h.type, h.url) for h in run_search(searcher, SearchRequest(q=q)).hits)


@pytest.fixture(autouse=True)
def _no_holding(app):
    old = app.config["HOLD_FIRST_POSTS"]
    app.config["HOLD_FIRST_POSTS"] = 0
    yield
    app.config["HOLD_FIRST_POSTS"] = old


def test_threads_and_replies_are_found_and_follow_moderation(users):
    moderator = users["moderator"]
    thread = make_thread(users["member"], title="Solr synonyms", body="Pooling a xylophone list")
    url = f"/forum/t/{thread.id}-{thread.slug}"
    assert found("xylophone") == [("thread", url)]
    reply = service.reply(users["supplier"], thread, "Our zeppelin terms are ready")
    assert found("zeppelin") == [("post", f"/forum/p/{reply.id}")]
    service.edit_post(users["supplier"], reply, "Our quokka terms are ready")
    assert found("zeppelin") == [] and found("quokka") == [("post", f"/forum/p/{reply.id}")]
    moderation.hide_post(moderator, reply, "Off topic")
    assert found("quokka") == []
    moderation.restore_post(moderator, reply)
    assert found("quokka") == [("post", f"/forum/p/{reply.id}")]
    # Hiding the opening post takes the whole thread, replies included, out of search.
    moderation.hide_post(moderator, posts_of(thread)[0], "Spam thread")
    assert found("xylophone") == [] and found("quokka") == []
    moderation.restore_post(moderator, posts_of(thread)[0])
    assert found("xylophone") == [("thread", url)]
    assert found("quokka") == [("post", f"/forum/p/{reply.id}")]
    assert current_engine().pending() == 0


def test_held_posts_wait_and_comments_swap_places(app, users):
    cs = make_case_study(users["organiser"], status="published", moderator=users["moderator"])
    first = service.comment(users["member"], "case_study", cs.id, "A walrus question")
    second = service.comment(users["supplier"], "case_study", cs.id, "A narwhal answer")
    thread = first.thread
    assert found("walrus") == [("thread", f"/forum/t/{thread.id}-{thread.slug}")]
    assert found("narwhal") == [("post", f"/forum/p/{second.id}")]
    # When the first comment goes, the second becomes the thread's document.
    moderation.hide_post(users["moderator"], first, "Rude remark")
    assert found("walrus") == []
    assert found("narwhal") == [("thread", f"/forum/t/{thread.id}-{thread.slug}")]
    moderation.restore_post(users["moderator"], first)
    assert found("narwhal") == [("post", f"/forum/p/{second.id}")]
    app.config["HOLD_FIRST_POSTS"] = 5
    held = service.reply(users["organiser"], thread, "A dugong aside")
    app.config["HOLD_FIRST_POSTS"] = 0
    assert held.held_for_review and found("dugong") == []
    moderation.release_post(users["moderator"], held)
    assert found("dugong") == [("post", f"/forum/p/{held.id}")]


def test_rebuild_counts_match(users):
    thread = make_thread(users["member"], replies=3)
    moderation.hide_post(users["moderator"], posts_of(thread)[2], "Duplicate")
    engine = current_engine()
    engine.drain()
    status = engine.status()
    assert status["in_sync"], status
    assert status["indexed"]["thread"] == 1 and status["indexed"]["post"] == 2
    assert engine.rebuild() == status["indexed"]["thread"] + status["indexed"]["post"]


def test_the_indexer_applies_a_reply_then_merges_small_segments_when_idle(
    client, users, monkeypatch
):
    monkeypatch.setattr(indexer, "MERGE_BANDS", (10,))
    monkeypatch.setattr(indexer, "MERGE_AT", 2)
    thread = make_thread(users["member"], title="Echidna habitats", body="Who maps them?")
    engine = current_engine()
    engine.drain(merge=False)
    login(client, "supplier@testshire.gov.uk")
    url = f"/forum/t/{thread.id}-{thread.slug}/reply"
    response = post_form(client, url, {"body": "We do: echidna burrows.", "action": "post"})
    assert response.status_code == 302
    assert indexer.step(engine, merge=False) > 0  # the reply and its thread (new reply count)
    with engine.searching() as searcher:
        hits = run_search(searcher, SearchRequest(q="burrows")).hits
    assert [h.type for h in hits] == ["post"]
    assert len(engine.index()._segments()) == 2  # applied at once, not merged first
    assert indexer.step(engine) == 0  # nothing waits: an idle step merges
    assert len(engine.index()._segments()) == 1
    assert [t for t, _ in found("echidna")] == ["post", "thread"]
