"""Online backups of the SQLite database (with instance/uploads/ when it exists) and restores."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.engine import URL

from dpse.extensions import db
from dpse.rendering import rerender_stale
from dpse.search.engine import current_engine

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # progress(done, total), as the CLI's progress bars take
PAGES_PER_STEP = 1024  # pages copied between two progress reports (4 MiB at SQLite's 4 KiB)
DATABASE_MEMBER = "dpse.sqlite3"  # the database's name inside a backup tar
UPLOADS = "uploads"  # the instance folder's uploaded files, backed up when the folder exists
SQLITE_HEADER = b"SQLite format 3\x00"
SIDECARS = ("-wal", "-shm", "-journal")  # files SQLite keeps beside a database


class BackupError(Exception):
    """A backup or restore refused or failed; ``message`` is one line for the operator."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class BackupInfo:
    """What a backup wrote."""

    path: Path  # a .sqlite3 file, or a .tar holding it and uploads/
    size: int  # bytes of the database copy
    pages: int  # SQLite pages in the copy
    revision: str  # the schema's migration revision
    uploads: int  # uploaded files copied (0 when there is no uploads/ folder)


@dataclass(frozen=True)
class RestoreInfo:
    """What a restore put in place."""

    database: Path  # the live database file that was replaced
    pages: int
    backup_revision: str  # the schema revision the backup was taken at
    revision: str  # the revision after migrating
    documents: int  # documents in the rebuilt search index
    uploads: int  # uploaded files restored (0, and uploads/ left alone, if the backup had none)


def database_path(url: URL) -> Path:
    """The SQLite file behind ``url``; BackupError (naming the PostgreSQL tools) otherwise."""
    backend = url.get_backend_name()
    if backend == "postgresql":
        name = url.database or "DBNAME"
        raise BackupError(
            "dpse backup copies SQLite databases only; for PostgreSQL use "
            f"`pg_dump --format=custom --file=dpse.dump {name}` and restore with "
            f"`pg_restore --clean --if-exists --dbname={name} dpse.dump`"
        )
    if backend != "sqlite":
        raise BackupError(f"dpse backup copies SQLite databases only, not {backend}")
    if not url.database or url.database == ":memory:":
        raise BackupError("the database is in memory: there is no file to back up")
    return Path(url.database).resolve()


def backup(target: Path, progress: Progress | None = None) -> BackupInfo:
    """Copy the live database while the server keeps running, and check the copy.

    ``target`` is a file path, or a folder to write ``dpse-backup-YYYYmmdd-HHMMSS.sqlite3``
    (UTC) into; with an instance ``uploads/`` folder the backup is a ``.tar`` of the database
    and that folder. The copy is one read snapshot taken when the backup starts: every write
    committed before then is in it, none after. SQLite's backup API copies it PAGES_PER_STEP
    pages at a time (progress is reported between steps). In WAL mode writers carry on
    meanwhile; in the default rollback-journal mode a writer's commit waits for the copy (the
    busy timeout is 30 s), as it waits for any reader. Files are written under a temporary
    name and renamed when complete, so a backup on disk is never half-written.
    """
    live = database_path(db.engine.url)
    uploads = Path(current_app.instance_path) / UPLOADS
    with_uploads = uploads.is_dir()
    destination = _destination(Path(target), live, ".tar" if with_uploads else ".sqlite3")
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".dpse-backup-") as work:
        copy = Path(work) / DATABASE_MEMBER
        _copy_database(_read_only(live), copy, progress, snapshot=True)
        pages, revision = _check(copy)
        size = copy.stat().st_size
        copied = 0
        partial = Path(work) / "partial"
        if with_uploads:
            # After the snapshot: every upload the copied rows name existed before it was taken.
            with tarfile.open(partial, "w") as tar:
                tar.add(copy, arcname=DATABASE_MEMBER)
                tar.add(uploads, arcname=UPLOADS)
            copied = sum(1 for p in uploads.rglob("*") if p.is_file())
        else:
            copy.rename(partial)
        os.replace(partial, destination)
    log.info("Backup of %s written to %s (%d pages, %d uploads)", live, destination, pages, copied)
    return BackupInfo(destination, size, pages, revision, copied)


def restore(
    source: Path, progress: Progress | None = None, index_progress: Progress | None = None
) -> RestoreInfo:
    """Replace the live database with a backup, migrate it to this release, rebuild the index.

    Run it with the server stopped: a worker still holding the old file open would go on
    writing into it, and those writes would be lost. The backup (a ``.sqlite3`` file or a tar
    from ``backup``) must pass ``PRAGMA integrity_check`` and carry a migration revision this
    release knows; otherwise BackupError, with nothing replaced. The database is copied into a
    temporary file beside the live one and renamed over it; the old file's ``-wal``,
    ``-shm`` and ``-journal`` are removed first (SQLite would otherwise apply them to the new
    file). ``progress`` reports the copy, ``index_progress`` the search index rebuild.
    """
    live = database_path(db.engine.url)
    source = Path(source)
    with tempfile.TemporaryDirectory(dir=live.parent, prefix=".dpse-restore-") as work:
        database, uploads = _unpack(source, Path(work))
        pages, backup_revision = _check(database)
        _require_known_revision(backup_revision)
        db.session.remove()
        db.engine.dispose()  # no pooled connection may keep the old file open
        fresh = Path(work) / "restored.sqlite3"
        _copy_database(_read_only(database), fresh, progress, snapshot=False)
        _retire(live)
        os.replace(fresh, live)
        restored = _swap_uploads(uploads, Path(current_app.instance_path) / UPLOADS)
    db.engine.dispose()
    # The same steps as `dpse init`: a backup from an older release gets this release's schema.
    upgrade(directory=current_app.extensions["migrate"].directory, revision="head")
    rerender_stale()
    revision = _revision_of_live()
    documents = current_engine().rebuild(index_progress)
    log.info("Restored %s from %s (revision %s -> %s)", live, source, backup_revision, revision)
    return RestoreInfo(live, pages, backup_revision, revision, documents, restored)


# -- files ---------------------------------------------------------------------------------


def _destination(target: Path, live: Path, suffix: str) -> Path:
    """The backup's path: inside ``target`` when it is a folder, else ``target`` itself."""
    if target.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        target = target / f"dpse-backup-{stamp}{suffix}"
        if target.exists():
            raise BackupError(f"{target} exists already: wait a second or name the file")
    elif not target.parent.is_dir():
        raise BackupError(f"no folder {target.parent} to write the backup into")
    elif suffix == ".tar" and target.suffix != ".tar":
        raise BackupError(f"the instance has {UPLOADS}/, so the backup is a tar: name it .tar")
    resolved = target.resolve()
    if resolved in {live, *(live.with_name(live.name + s) for s in SIDECARS)}:
        raise BackupError(f"{target} is the live database: choose another path")
    return resolved


def _unpack(source: Path, work: Path) -> tuple[Path, Path | None]:
    """The backup's database file, and its uploads folder when it has one (unpacked in work)."""
    if not source.is_file():
        raise BackupError(f"no backup file {source}")
    with source.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) == SQLITE_HEADER:
            return source, None
    if not tarfile.is_tarfile(source):
        raise BackupError(f"{source} is neither a SQLite database nor a DPSE backup tar")
    with tarfile.open(source) as tar:
        names = tar.getnames()
        if DATABASE_MEMBER not in names:
            raise BackupError(f"{source} holds no {DATABASE_MEMBER}: not a DPSE backup")
        wanted = [
            m for m in tar.getmembers() if m.name == DATABASE_MEMBER or _under_uploads(m.name)
        ]
        tar.extractall(work / "unpacked", members=wanted, filter="data")
    uploads = work / "unpacked" / UPLOADS
    return work / "unpacked" / DATABASE_MEMBER, uploads if uploads.is_dir() else None


def _under_uploads(name: str) -> bool:
    return name == UPLOADS or name.startswith(UPLOADS + "/")


def _retire(live: Path) -> None:
    """Fold the old database's WAL or hot journal into it, then remove its sidecar files."""
    if live.exists():
        try:  # if the rename below failed, the old file would still be whole
            with _closing(sqlite3.connect(live, timeout=30)) as old:
                old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            log.warning("The database being replaced could not be checkpointed", exc_info=True)
    for suffix in SIDECARS:
        live.with_name(live.name + suffix).unlink(missing_ok=True)


def _swap_uploads(restored: Path | None, uploads: Path) -> int:
    """Put the backup's uploads folder in place of the instance's; count its files."""
    if restored is None:
        return 0
    uploads.parent.mkdir(parents=True, exist_ok=True)
    staged = uploads.with_name(f".{UPLOADS}-restoring")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(restored, staged)  # onto the instance's filesystem, then two renames
    old = uploads.with_name(f".{UPLOADS}-replaced")
    shutil.rmtree(old, ignore_errors=True)
    if uploads.exists():
        uploads.rename(old)
    staged.rename(uploads)
    shutil.rmtree(old, ignore_errors=True)
    return sum(1 for p in uploads.rglob("*") if p.is_file())


# -- SQLite --------------------------------------------------------------------------------


class _closing:
    """``with _closing(connection)``: sqlite3's own context manager commits, never closes."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that never creates the file nor writes to it (autocommit mode)."""
    uri = f"file:{quote(str(path))}?mode=ro"
    try:
        return sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {path}: {exc}") from None


def _copy_database(
    src: sqlite3.Connection, dest: Path, progress: Progress | None, snapshot: bool
) -> None:
    """Copy with SQLite's backup API, in steps; with ``snapshot``, all from one read snapshot.

    Without the snapshot, a write landing between two steps makes SQLite start the copy over,
    so under steady writes it might never finish; holding one read transaction across the
    steps gives one consistent copy whatever is written meanwhile.
    """

    def report(_status: int, remaining: int, total: int) -> None:
        if progress:
            progress(total - remaining, total)

    with _closing(src), _closing(sqlite3.connect(dest)) as copy:
        try:
            if snapshot:
                src.execute("BEGIN")
                src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # snapshot now
            src.backup(copy, pages=PAGES_PER_STEP, progress=report)
        except sqlite3.Error as exc:
            raise BackupError(f"copying the database failed: {exc}") from None
        finally:
            if src.in_transaction:
                src.execute("ROLLBACK")


def _check(path: Path) -> tuple[int, str]:
    """(pages, migration revision) of a DPSE database that passes integrity_check."""
    with _closing(_read_only(path)) as conn:
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a usable SQLite database: {exc}") from None
        if problems != ["ok"]:
            raise BackupError(f"{path} fails integrity_check: {problems[0]}")
        if "alembic_version" not in tables:
            raise BackupError(f"{path} has no alembic_version table: not a DPSE database")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    if row is None:
        raise BackupError(f"{path} has an empty alembic_version table: not a DPSE database")
    return pages, row[0]


def _require_known_revision(revision: str) -> None:
    """Refuse a backup whose schema this release's migrations do not know (a newer release's)."""
    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    try:
        scripts.get_revision(revision)
    except CommandError:
        raise BackupError(
            f"the backup's schema revision {revision} is unknown to this release: "
            "restore it with the DPSE release that made it"
        ) from None


def _revision_of_live() -> str:
    revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    db.session.rollback()
    return str(revision)
