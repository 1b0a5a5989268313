"""Online backups and restores of the SQLite database: a backup taken while a writer commits
holds every write acknowledged before it started; restores refuse what is not a DPSE backup."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from dpse import backup as backup_module
from dpse import create_app
from dpse.accounts.models import User
from dpse.backup import BackupError, backup, database_path, restore
from dpse.extensions import db
from dpse.forum import service as forum
from dpse.forum.models import Category, Thread
from dpse.search.engine import current_engine
from tests.search.searching import titles

ON_POSTGRES = bool(os.environ.get("DPSE_TEST_DATABASE_URL"))  # as tests/conftest.py chooses
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="backups here are of the SQLite file")


def _live() -> Path:
    return Path(db.engine.url.database or "")


def _head(app: Flask) -> str:
    return ScriptDirectory(app.extensions["migrate"].directory).get_current_head() or ""


def _integrity(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


def _wait_for(condition: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the writer stalled"
        time.sleep(0.01)


class ThreadWriter(threading.Thread):
    """Starts forum threads one after another through the service, as a busy server would,
    noting each title once create_thread has returned (its commit acknowledged)."""

    def __init__(self, app: Flask, author_id: int, category_id: int) -> None:
        super().__init__(daemon=True)
        self.app, self.author_id, self.category_id = app, author_id, category_id
        self.acknowledged: list[str] = []
        self.errors: list[BaseException] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with self.app.app_context():
            try:
                author = db.session.get(User, self.author_id)
                category = db.session.get(Category, self.category_id)
                while not self.stop.is_set():
                    title = f"Backup diary entry {len(self.acknowledged)}"
                    forum.create_thread(author, category, title, "Written while a backup ran.")
                    self.acknowledged.append(title)
            except BaseException as exc:  # reported in the test's thread
                self.errors.append(exc)
            finally:
                db.session.remove()


@sqlite_only
def test_a_backup_taken_during_writes_restores_every_write_acknowledged_before_it(
    app, users, tmp_path, monkeypatch
):
    app.config["HOLD_FIRST_POSTS"] = 0  # the writer's threads are public, so indexed
    monkeypatch.setattr(backup_module, "PAGES_PER_STEP", 4)  # many steps for writes to meet
    category = forum.get_or_create_category("operations", "Operations")
    db.session.commit()
    writer = ThreadWriter(app, users["member"].id, category.id)
    writer.start()
    _wait_for(lambda: len(writer.acknowledged) >= 5)

    acknowledged_before = list(writer.acknowledged)
    steps: list[tuple[int, int]] = []
    info = backup(tmp_path, progress=lambda done, total: steps.append((done, total)))
    written_by_then = len(writer.acknowledged)
    _wait_for(lambda: len(writer.acknowledged) >= written_by_then + 3)  # and more after it
    writer.stop.set()
    writer.join(timeout=60)
    assert not writer.errors
    assert info.path.parent == tmp_path and info.path.name.startswith("dpse-backup-")
    assert info.path.suffix == ".sqlite3" and info.size == info.path.stat().st_size
    assert len(steps) > 1 and steps[-1] == (info.pages, info.pages)

    result = restore(info.path)

    restored = set(db.session.scalars(select(Thread.title)))
    assert set(acknowledged_before) <= restored
    # One snapshot: what it holds is exactly the first n writes, in the order they committed.
    assert restored == set(writer.acknowledged[: len(restored)])
    assert len(restored) < len(writer.acknowledged)  # the writes after the backup are gone
    assert _integrity(_live()) == ["ok"]
    assert result.backup_revision == result.revision == _head(app)
    assert result.documents >= len(restored)
    status = current_engine().status()
    assert status["in_sync"] and status["indexed"]["thread"] == len(restored)
    found = titles("backup diary")
    assert found and set(found) <= restored


@sqlite_only
def test_restore_refuses_what_is_not_a_dpse_backup_and_replaces_nothing(app, users, tmp_path):
    live = _live()
    before, inode = live.read_bytes(), live.stat().st_ino
    not_a_database = tmp_path / "notes.sqlite3"
    not_a_database.write_text("minutes of the operations meeting\n")
    someone_elses = tmp_path / "other.sqlite3"
    with sqlite3.connect(someone_elses) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
    conn.close()
    from_the_future = backup(tmp_path / "future.sqlite3").path
    with sqlite3.connect(from_the_future) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    conn.close()

    refusals = {
        not_a_database: "neither a SQLite database nor a DPSE backup tar",
        someone_elses: "no alembic_version table: not a DPSE database",
        from_the_future: "revision ffffffffffff is unknown to this release",
        tmp_path / "missing.sqlite3": "no backup file",
    }
    for source, message in refusals.items():
        with pytest.raises(BackupError, match=message) as refused:
            restore(source)
        assert "\n" not in refused.value.message

    assert live.stat().st_ino == inode and live.read_bytes() == before
    assert not [p for p in live.parent.iterdir() if p.name.startswith(".dpse-restore-")]
    assert db.session.scalar(select(func.count(User.id))) == len(users)


@sqlite_only
def test_restore_migrates_a_backup_from_an_older_release(app, users, tmp_path):
    older = backup(tmp_path / "older.sqlite3").path
    scripts = ScriptDirectory(app.extensions["migrate"].directory)
    previous = scripts.get_revision(_head(app)).down_revision
    assert isinstance(previous, str)
    old_app = create_app(  # the older release: its database a revision behind
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{older}",
            "INSTANCE_PATH": str(tmp_path / "old-instance"),
            "SEARCH_INDEX_PATH": str(tmp_path / "old-index"),
        }
    )
    with old_app.app_context():
        from flask_migrate import downgrade

        downgrade(directory=old_app.extensions["migrate"].directory, revision=previous)
        db.engine.dispose()

    result = restore(older)

    assert (result.backup_revision, result.revision) == (previous, _head(app))
    assert db.session.scalar(select(func.count(User.id))) == len(users)


@sqlite_only
def test_uploads_are_backed_up_and_restored_beside_the_database(app, users, tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setattr(app, "instance_path", str(instance))
    (instance / "uploads" / "case-studies").mkdir(parents=True)
    (instance / "uploads" / "case-studies" / "diagram.png").write_bytes(b"\x89PNG first")

    with pytest.raises(BackupError, match="the backup is a tar: name it .tar"):
        backup(tmp_path / "plain.sqlite3")
    info = backup(tmp_path)
    assert info.path.suffix == ".tar" and info.uploads == 1
    with tarfile.open(info.path) as tar:
        assert {"dpse.sqlite3", "uploads/case-studies/diagram.png"} <= set(tar.getnames())

    (instance / "uploads" / "case-studies" / "diagram.png").write_bytes(b"\x89PNG changed")
    (instance / "uploads" / "stray.txt").write_text("uploaded after the backup")
    result = restore(info.path)

    assert result.uploads == 1
    assert (instance / "uploads" / "case-studies" / "diagram.png").read_bytes() == b"\x89PNG first"
    assert not (instance / "uploads" / "stray.txt").exists()
    assert sorted(p.name for p in instance.iterdir()) == ["uploads"]  # no staging left over
    assert db.session.scalar(select(func.count(User.id))) == len(users)


# A server killed mid-write leaves its WAL behind; SQLite replays a -wal beside a database file
# when it opens it, so left beside the restored file, the old database's writes would come back.
CRASHING_WRITER = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("CREATE TABLE written_after_the_backup (x)")
conn.commit()
os._exit(0)  # no close: the WAL stays, as after a crash
"""


def _journal_mode(live: Path, mode: str) -> None:
    db.session.remove()
    db.engine.dispose()
    conn = sqlite3.connect(live)
    try:
        conn.execute(f"PRAGMA journal_mode={mode}")
    finally:
        conn.close()


@sqlite_only
def test_restore_leaves_no_wal_of_the_replaced_database_to_replay(app, users, tmp_path):
    live = _live()
    _journal_mode(live, "WAL")
    try:
        saved = backup(tmp_path).path
        subprocess.run([sys.executable, "-c", CRASHING_WRITER, str(live)], check=True)
        assert live.with_name(live.name + "-wal").stat().st_size > 0

        restore(saved)

        tables = set(db.session.scalars(text("SELECT name FROM sqlite_master")))
        assert "written_after_the_backup" not in tables and "user_account" in tables
        assert _integrity(live) == ["ok"]
    finally:
        _journal_mode(live, "DELETE")  # as every other test expects the file


def test_backup_refuses_postgresql_naming_pg_dump_and_pg_restore():
    with pytest.raises(BackupError) as refused:
        database_path(make_url("postgresql+psycopg://dpse:s3cret@db.example/exchange"))
    message = refused.value.message
    assert "pg_dump --format=custom" in message and "pg_restore" in message
    assert "exchange" in message and "s3cret" not in message and "\n" not in message
    with pytest.raises(BackupError, match="SQLite databases only, not mysql"):
        database_path(make_url("mysql://db.example/exchange"))
    with pytest.raises(BackupError, match="in memory"):
        database_path(make_url("sqlite://"))


@pytest.mark.skipif(not ON_POSTGRES, reason="the suite's database is SQLite")
def test_on_postgresql_backup_and_restore_refuse_before_touching_anything(app, tmp_path):
    with pytest.raises(BackupError, match="pg_dump --format=custom"):
        backup(tmp_path)
    with pytest.raises(BackupError, match="pg_restore"):
        restore(tmp_path / "dpse.dump")
    assert list(tmp_path.iterdir()) == []
