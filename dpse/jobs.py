"""Scheduled jobs (`dpse mail send`, `dpse notifications send`, `dpse search notify`) may run
on every host at the same moment: each claims its rows so nothing is done twice.

On PostgreSQL a job selects its rows ``FOR UPDATE SKIP LOCKED``: two runs split the work and
never wait for each other. SQLite has no row locks, and its database is one file on one
machine, so there a job runs alone: an exclusive lock on a file beside the database.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dpse.extensions import db


@contextmanager
def run_alone(job: str) -> Iterator[None]:
    """On SQLite, wait until no other process runs ``job`` on this database, and hold that
    until the block ends; elsewhere nothing (the job's row locks do it)."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        yield
        return
    lock_path = Path(url.database).with_name(f".{Path(url.database).name}.{job}.lock")
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
