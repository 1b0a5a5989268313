"""What is committed is findable: edits, unpublishing, deletion, several writer processes,
and a writer killed in the middle of a drain."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sqlalchemy import func, select

from dpse.casestudies import service
from dpse.extensions import db
from dpse.search import indexer
from dpse.search.engine import current_engine
from dpse.search.indexer import wait_for
from dpse.search.models import SearchOutbox
from dpse.search.results import run_search
from dpse.search.search_request import SearchRequest
from tests.casestudies.factories import make_case_study
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
    assert db.session.scalar(select(func.count(SearchOutbox.id))) == 0


def test_search_page_reads_its_own_writes(client, users):
    make_case_study(
        users["member"], status="published", moderator=users["moderator"], title="Quokka forms"
    )
    html = client.get("/search?q=quokka").get_data(as_text=True)
    assert "Quokka forms" in html and "1 result" in html


def test_a_busy_writer_leaves_rows_for_later_and_loses_nothing(users):
    engine = current_engine()
    blocker = engine.index().writer()
    try:
        make_case_study(
            users["member"], status="published", moderator=users["moderator"], title="Wombat"
        )
        assert engine.drain(wait=0) == 0  # someone else holds the lock: leave it
        assert engine.pending() > 0
    finally:
        blocker.cancel()
    assert titles("wombat") == ["Wombat"]
    assert engine.pending() == 0


def test_rebuild_matches_the_database_and_swaps_atomically(users):
    for i in range(3):
        make_case_study(
            users["member"], status="published", moderator=users["moderator"], title=f"Numbat {i}"
        )
    engine = current_engine()
    engine.drain(wait=5)
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
        engine.drain(wait=5)
        segments = engine.index()._segments()
        assert len(segments) <= bound, "small segments pile up"
        assert large <= {s.segment_id() for s in segments}, "an update merged the large one"
    assert sorted(titles("bilby")) == [f"Bilby {i}" for i in range(8)]
    assert titles('"edited 15"') == ["Bilby 7"]


WRITER = textwrap.dedent(
    """
    import sys, time
    from dpse import create_app
    from dpse.accounts.service import get_user_by_email
    from dpse.casestudies import service
    from dpse.search import indexer
    from dpse.search.engine import current_engine
    from tests.casestudies.factories import case_study_data

    worker, count, pause = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    app = create_app({{"SQLALCHEMY_DATABASE_URI": {db!r}, "SEARCH_INDEX_PATH": {index!r}}})
    if pause:
        original = indexer._apply
        def slow_apply(engine, writer, keys):
            original(engine, writer, keys)
            print("APPLIED", flush=True)
            time.sleep(pause)  # the test kills us here, mid-drain, after writing to Whoosh
        indexer._apply = slow_apply
    with app.app_context():
        author = get_user_by_email("member@testshire.gov.uk")
        moderator = get_user_by_email("moderator@testshire.gov.uk")
        for i in range(count):
            data = case_study_data(title=f"Platypus {{worker}} {{i}}")
            cs = service.create_case_study(author, data)
            service.submit(author, cs)
            service.publish(moderator, cs, notify=False)
            current_engine().drain(wait=0)
        print("DONE", flush=True)
    """
)


def _writer(app, tmp_path: Path, worker: str, count: int, pause: float = 0.0):
    script = WRITER.format(
        db=app.config["SQLALCHEMY_DATABASE_URI"], index=str(current_engine().path)
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", script, worker, str(count), str(pause)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_four_processes_writing_concurrently_lose_nothing(app, users, tmp_path):
    per_process = 50
    procs = [_writer(app, tmp_path, str(n), per_process) for n in range(4)]
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
    engine = current_engine()
    engine.drain(wait=10)
    assert engine.pending() == 0
    with engine.searching() as searcher:
        result = run_search(searcher, SearchRequest(q="platypus"))
    assert result.total == 4 * per_process
    assert engine.status()["in_sync"]


def test_a_writer_killed_mid_drain_loses_nothing(app, users, tmp_path):
    proc = _writer(app, tmp_path, "k", 1, pause=60.0)
    assert wait_for(lambda: proc.stdout.readline().startswith("APPLIED"), 120)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)  # reaps it and closes the pipes
    time.sleep(0.2)
    engine = current_engine()
    engine.forget_searchers()
    assert engine.pending() > 0  # the rows were not deleted before the index commit
    assert titles("platypus") == ["Platypus k 0"]
    assert engine.pending() == 0
    assert engine.status()["in_sync"]
