"""SQLite in WAL mode, and the planner's statistics kept up to date."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from dpse import database
from dpse.extensions import db


def sqlite_only() -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's journal and statistics")


def test_sqlite_runs_in_wal_mode(app):
    sqlite_only()
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_optimize_gives_the_planner_statistics(app, users):
    database.optimize()
    if db.engine.dialect.name == "sqlite":
        tables = set(db.session.execute(text("SELECT tbl FROM sqlite_stat1")).scalars())
        assert {"user_account", "organisation"} <= tables  # tables with rows
    else:
        # pg_statistic is written by ANALYZE itself (the activity views lag behind it).
        columns = db.session.execute(
            text("SELECT count(*) FROM pg_stats WHERE tablename = 'user_account'")
        ).scalar()
        assert columns and columns > 0
