"""How the app uses its database beyond the models: SQLite's journal and planner statistics.

SQLite runs in WAL mode (set on every new connection; it sticks to the file): readers never
wait for the writer and the writer never waits for readers, which is what several gunicorn
threads and workers, the indexer and the scheduled jobs need on one file. ``optimize`` keeps
the planner's statistics current: without them SQLite guessed wrong for anonymous thread and
category pages (it chose ``ix_post_held_for_review`` over the thread's index), so it runs after
migrations and from `dpse maintenance` (and after `dpse demo populate`).

A server database's pooled connection is pinged before use only when it has sat idle in the
pool for ``PING_IDLE_SECONDS`` or more (a server restart, a firewall's idle timeout): one that
came back from a request a moment ago is alive, and SQLAlchemy's ``pool_pre_ping`` pinged it
anyway, a round trip on every request (on PostgreSQL a page from the cache is otherwise one
statement). A failed ping raises ``DisconnectionError``, so the pool takes a fresh connection.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask
from sqlalchemy import ColumnElement, event, exc, select, text
from sqlalchemy.engine import Engine

from dpse.extensions import db


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")  # ":memory:" answers "memory": fine
    finally:
        cursor.close()


def read_values(columns: dict[str, ColumnElement[Any]]) -> dict[str, Any]:
    """Several independent values (scalar subqueries, conditions) read in one statement, as
    one row; by name."""
    row = db.session.execute(select(*(c.label(n) for n, c in columns.items()))).one()
    return dict(row._mapping)


PING_IDLE_SECONDS = 10.0


def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info["idle_since"] = time.monotonic()


def _ping_if_idle(engine: Engine) -> Any:
    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_IDLE_SECONDS:
            return  # just opened, or back from a request a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the server let it go while it sat in the pool
            raise exc.DisconnectionError(str(error)) from error

    return on_checkout


def init_app(app: Flask) -> None:
    """Set SQLite's journal mode on each connection the app's engine opens; on a server
    database, ping connections that sat idle before they are used."""
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            if not event.contains(engine, "connect", _on_sqlite_connect):
                event.listen(engine, "connect", _on_sqlite_connect)
        elif not event.contains(engine, "checkin", _on_checkin):
            event.listen(engine, "checkin", _on_checkin)
            event.listen(engine, "checkout", _ping_if_idle(engine))


def optimize(vacuum: bool = True) -> str:
    """Bring the query planner's statistics up to date; what was run, for the log.

    SQLite: ``ANALYZE`` sampling at most ``ANALYSIS_LIMIT`` rows of each index (SQLite's
    ``analysis_limit``: milliseconds even on a large community, and enough for the planner).
    PostgreSQL: ``VACUUM (ANALYZE)``, which autovacuum does too, in its own time. Besides the
    statistics it marks the pages every transaction sees as all-visible, which lets counts
    and facets read their covering indexes alone: after `dpse demo populate` at S10 the
    case-study list took 107 ms before it and 54 ms after. It skips pages already marked, but
    still reads a large table's indexes: at start-up (``vacuum=False``) only ``ANALYZE`` runs,
    and `dpse maintenance` (for cron) and `dpse demo populate` vacuum."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}"))
            conn.execute(text("ANALYZE"))
            conn.commit()
            return "ANALYZE"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        statement = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
        conn.execute(text(statement))  # VACUUM: not inside a transaction block
    return statement


ANALYSIS_LIMIT = 1000
