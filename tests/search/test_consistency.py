"""What is committed is findable: edits, unpublishing, deletion, several writer processes with
the real indexer process beside them, and an indexer killed in the middle of a step."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import func, select
from whoosh.index import FileIndex

from dpse.casestudies import service
from dpse.extensions import db
from dpse.search import indexer
from dpse.search.engine import current_engine
from dpse.search.indexer import wait_for
from dpse.search.models import SearchChange
from dpse.search.results import run_search
from dpse.search.search_request import SearchRequest
from tests.casestudies.factories import FORM, make_case_study
from tests.conftest import login, post_form
from tests.search.searching import titles

ROOT = Path(__file__).resolve().parents[2]


def test_publish_edit_archive_delete_follow_in_search(users):
    member, moderator = users["member"], users["moderator"]
    cs = make_case_study(member, title="Zanzibar planning portal")
    assert titles("zanzibar") == []  # a draft is never indexed
    service.submit(member, cs)
    assert titles("zanzibar") == []  # nor a submitted one
    service.publish(moderator, cs)
    assert titles("zanzibar") == ["Zanzibar planning portal"]
    data = service.data_from(cs)
    data.title = "Kilimanjaro planning portal"
    service.update_case_study(member, cs, data)
    assert titles("zanzibar") == []
    assert titles("kilimanjaro") == ["Kilimanjaro planning portal"]
    service.archive(moderator, cs)
    assert titles("kilimanjaro") == []
    draft = make_case_study(member, title="Kilimanjaro draft")
    service.delete_draft(member, draft)
    assert titles("kilimanjaro") == []
    assert current_engine().pending() == 0
    # The log keeps what was applied (other hosts follow it too) until it is pruned.
    assert db.session.scalar(select(func.count(SearchChange.id))) > 0


def test_the_search_page_finds_what_the_indexer_applied(client, users):
    make_case_study(
        users["member"], status="published", moderator=users["moderator"], title="Quokka forms"
    )
    html = client.get("/search?q=quokka").get_data(as_text=True)  # the client runs the indexer
    assert "Quokka forms" in html and "1 result" in html


def test_requests_never_open_the_index_writer(app, users, monkeypatch):
    """Writing and searching answer without touching the writer (or waiting for its lock); the
    change waits in the log for the indexer, which applies it afterwards."""
    engine = current_engine()
    make_case_study(users["member"], status="published", moderator=users["moderator"], title="X")
    engine.drain()
    plain = FlaskClient(app, app.response_class, use_cookies=True)  # no indexing between requests
    login(plain, "moderator@testshire.gov.uk")

    def no_writer(*args, **kwargs):
        raise AssertionError("a request opened the index writer")

    with monkeypatch.context() as patch:
        patch.setattr(FileIndex, "writer", no_writer)
        response = post_form(plain, "/case-studies/new", {**FORM, "title": "Wombat burrows"})
        assert response.status_code == 302
        html = plain.get("/search?q=wombat").get_data(as_text=True)
        assert "Wombat burrows" not in html  # the index as it is
        assert engine.pending() > 0
    engine.drain()
    assert engine.pending() == 0


def test_rebuild_matches_the_database_and_swaps_atomically(users):
    for i in range(3):
        make_case_study(
            users["member"], status="published", moderator=users["moderator"], title=f"Numbat {i}"
        )
    engine = current_engine()
    engine.drain()
    assert engine.rebuild() == 3
    status = engine.status()
    assert status["in_sync"] and status["indexed"]["case_study"] == 3
    assert sorted(titles("numbat")) == ["Numbat 0", "Numbat 1", "Numbat 2"]
    assert not list(engine.path.parent.glob("index.new-*"))
    assert not list(engine.path.parent.glob("index.old-*"))


def test_rebuild_in_two_processes(users, monkeypatch):
    """Large indexes are rebuilt by Whoosh's MpWriter; here forced on a small one."""
    monkeypatch.setattr(indexer, "PARALLEL_REBUILD", 1)
    for i in range(6):
        make_case_study(
            users["member"], status="published", moderator=users["moderator"], title=f"Quokka {i}"
        )
    engine = current_engine()
    assert engine.rebuild() == 6
    assert engine.status()["in_sync"]
    assert sorted(titles("quokka")) == [f"Quokka {i}" for i in range(6)]


def test_updates_merge_small_segments_and_leave_large_ones(users, monkeypatch):
    monkeypatch.setattr(indexer, "MERGE_BANDS", (2, 6))
    made = [
        make_case_study(
            users["member"], status="published", moderator=users["moderator"], title=f"Bilby {i}"
        )
        for i in range(8)
    ]
    engine = current_engine()
    engine.rebuild()  # one segment of 8 documents: "large" for the tiers above
    large = {s.segment_id() for s in engine.index()._segments()}
    # 1 large + up to 3 per band + what merging the top band made (at most 16 / 4 of them)
    bound = 1 + len(indexer.MERGE_BANDS) * (indexer.MERGE_AT - 1) + 4
    for round_ in range(16):  # sixteen one-document commits
        data = service.data_from(made[round_ % 8])
        data.summary = f"Edited {round_} times"
        service.update_case_study(users["member"], made[round_ % 8], data)
        engine.drain()
        segments = engine.index()._segments()
        assert len(segments) <= bound, "small segments pile up"
        assert large <= {s.segment_id() for s in segments}, "an update merged the large one"
    assert sorted(titles("bilby")) == [f"Bilby {i}" for i in range(8)]
    assert titles('"edited 15"') == ["Bilby 7"]


WRITER = textwrap.dedent(
    """
    import sys
    from dpse import create_app
    from dpse.accounts.service import get_user_by_email
    from dpse.casestudies import service
    from tests.casestudies.factories import case_study_data

    worker, count = sys.argv[1], int(sys.argv[2])
    app = create_app({{"SQLALCHEMY_DATABASE_URI": {db!r}, "SEARCH_INDEX_PATH": {index!r}}})
    with app.app_context():
        author = get_user_by_email("member@testshire.gov.uk")
        moderator = get_user_by_email("moderator@testshire.gov.uk")
        for i in range(count):
            data = case_study_data(title=f"Platypus {{worker}} {{i}}")
            cs = service.create_case_study(author, data)
            service.submit(author, cs)
            service.publish(moderator, cs, notify=False)
        print("DONE", flush=True)
    """
)

SLOW_INDEXER = textwrap.dedent(
    """
    import time
    from dpse import create_app
    from dpse.search import indexer
    from dpse.search.engine import current_engine

    app = create_app({{"SQLALCHEMY_DATABASE_URI": {db!r}, "SEARCH_INDEX_PATH": {index!r}}})
    original = indexer._apply
    def slow_apply(engine, writer, keys):
        original(engine, writer, keys)
        print("APPLIED", flush=True)
        time.sleep(60)  # the test kills us here, mid-step, after writing to Whoosh
    indexer._apply = slow_apply
    with app.app_context():
        current_engine().drain(merge=False)
    """
)


def _python(app, script: str, *args: str) -> subprocess.Popen:
    code = script.format(
        db=app.config["SQLALCHEMY_DATABASE_URI"], index=str(current_engine().path)
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def indexer_process(app, instance: Path) -> subprocess.Popen:
    """`dpse search indexer`, as `dpse serve` starts it, on the test's database and index."""
    current_engine().path = instance / "search-index"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DPSE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "DPSE_INSTANCE_PATH": str(instance),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "dpse", "search", "indexer"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_four_processes_writing_beside_the_indexer_process_lose_nothing(app, users, tmp_path):
    per_process = 40
    indexer_proc = indexer_process(app, tmp_path)
    try:
        writers = [_python(app, WRITER, str(n), str(per_process)) for n in range(4)]
        for proc in writers:
            out, err = proc.communicate(timeout=600)
            assert proc.returncode == 0, err[-2000:]
        engine = current_engine()
        assert wait_for(lambda: engine.pending() == 0 or db.session.rollback(), 120)
        with engine.searching() as searcher:
            result = run_search(searcher, SearchRequest(q="platypus"))
        assert result.total == 4 * per_process
        assert engine.status()["in_sync"]
    finally:
        indexer_proc.terminate()
        output = indexer_proc.communicate(timeout=60)[0]
    assert indexer_proc.returncode == 0, output
    assert "Search indexer stopped" in output  # SIGTERM ends it cleanly


def test_an_indexer_killed_mid_step_loses_nothing(app, users):
    current_engine().drain()  # an index that has followed the log so far
    make_case_study(
        users["member"], status="published", moderator=users["moderator"], title="Platypus k"
    )
    engine = current_engine()
    proc = _python(app, SLOW_INDEXER)
    assert wait_for(lambda: proc.stdout.readline().startswith("APPLIED"), 120)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)  # reaps it and closes the pipes
    time.sleep(0.2)
    engine.forget_searchers()
    assert engine.pending() > 0  # its position moves only after the index commit
    assert titles("platypus") == ["Platypus k"]
    assert engine.pending() == 0
    assert engine.status()["in_sync"]
