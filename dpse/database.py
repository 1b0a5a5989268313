"""How the app uses its database beyond the models: SQLite's journal and planner statistics.

SQLite runs in WAL mode (set on every new connection; it sticks to the file): readers never
wait for the writer and the writer never waits for readers, which is what several gunicorn
threads and workers, the indexer and the scheduled jobs need on one file. ``optimize`` keeps
the planner's statistics current: without them SQLite guessed wrong for anonymous thread and
category pages (it chose ``ix_post_held_for_review`` over the thread's index), so it runs after
migrations and from `dpse maintenance` (and after `dpse demo populate`).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from dpse.extensions import db


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")  # ":memory:" answers "memory": fine
    finally:
        cursor.close()


def init_app(app: Flask) -> None:
    """Set SQLite's journal mode on each connection the app's engine opens."""
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite" and not event.contains(
            engine, "connect", _on_sqlite_connect
        ):
            event.listen(engine, "connect", _on_sqlite_connect)


def optimize() -> str:
    """Bring the query planner's statistics up to date; what was run, for the log.

    SQLite: ``ANALYZE`` sampling at most ``ANALYSIS_LIMIT`` rows of each index (SQLite's
    ``analysis_limit``: milliseconds even on a large community, and enough for the planner).
    PostgreSQL: ``ANALYZE`` (autovacuum does it too; after a bulk load it should not wait)."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}"))
        conn.execute(text("ANALYZE"))
        conn.commit()
    return "ANALYZE"


ANALYSIS_LIMIT = 1000
