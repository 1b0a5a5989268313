"""SQLite in WAL mode, and the planner's statistics kept up to date."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from dpse import database
from dpse.extensions import db


def sqlite_only() -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's journal and statistics")


def test_sqlite_runs_in_wal_mode(app):
    sqlite_only()
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


@pytest.mark.parametrize("vacuum", [True, False], ids=["maintenance", "start-up"])
def test_optimize_gives_the_planner_statistics(app, users, vacuum):
    ran = database.optimize(vacuum=vacuum)
    if db.engine.dialect.name != "sqlite":  # start-up analyses; maintenance also vacuums
        assert ran == ("VACUUM (ANALYZE)" if vacuum else "ANALYZE")
    if db.engine.dialect.name == "sqlite":
        tables = set(db.session.execute(text("SELECT tbl FROM sqlite_stat1")).scalars())
        assert {"user_account", "organisation"} <= tables  # tables with rows
    else:
        # pg_statistic is written by ANALYZE itself (the activity views lag behind it).
        columns = db.session.execute(
            text("SELECT count(*) FROM pg_stats WHERE tablename = 'user_account'")
        ).scalar()
        assert columns and columns > 0


def test_the_newest_case_studies_are_read_in_index_order(app, users):
    """The home page's newest case studies come from an index in their order, not from
    sorting every published one (23.5 ms at S10 before)."""
    sqlite_only()
    from sqlalchemy import select

    from dpse.casestudies.models import CaseStudy, Status

    database.optimize()
    stmt = (
        select(CaseStudy.id)
        .where(CaseStudy.status == Status.PUBLISHED)
        .order_by(CaseStudy.published_at.desc(), CaseStudy.id.desc())
        .limit(3)
    )
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = " ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "ix_case_study_published_order" in plan and "TEMP B-TREE" not in plan, plan


def _plan(stmt) -> str:
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    return " ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))


def test_the_home_pages_lists_and_the_directory_are_read_in_index_order(app, users):
    """Upcoming events start from the start-time index near now (not from the first event
    ever held); active threads and the people directory come in their index's order (not
    from sorting every visible thread or listed person)."""
    sqlite_only()
    from sqlalchemy import event, func, select

    from dpse.accounts.models import User
    from dpse.accounts.queries import listed_people
    from dpse.events.models import Event
    from dpse.events.queries import EventFilters, events_query
    from dpse.forum.queries import active_threads

    database.optimize()
    ran = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        ran.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        active_threads(3)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)

    def plan_of(table: str) -> str:
        statement, parameters = next((st, p) for st, p in ran if f"FROM {table} " in st)
        conn = db.session.connection()
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return " ".join(row[-1] for row in rows)

    # The event table's part of the plan (how it is joined to organisers depends on how many
    # rows each table has, which a test's few rows do not tell).
    soonest = events_query(EventFilters(), past=False).with_only_columns(Event.id).limit(3)
    assert "ix_event_starts_at (starts_at>?)" in _plan(soonest)
    threads = plan_of("thread")
    assert "ix_thread_visible_activity" in threads and "TEMP B-TREE" not in threads, threads
    people = _plan(
        select(User.id)
        .where(listed_people())
        .order_by(func.lower(User.display_name), User.id)  # find_people's order
        .limit(20)
    )
    assert "ix_user_account_by_name" in people and "TEMP B-TREE" not in people, people


def postgres_only() -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pooled connections to a database server")


def _backend_pid() -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def test_only_connections_idle_for_a_while_are_pinged(app, monkeypatch):
    """A busy pool makes no extra round trip per checkout (pool_pre_ping made one each); a
    connection idle for PING_IDLE_SECONDS or more is pinged before use."""
    postgres_only()
    pings = []
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda conn: pings.append(conn) or True)
    _backend_pid()  # opened (or taken from the pool) and returned
    monkeypatch.setattr(database, "PING_IDLE_SECONDS", 3600.0)
    for _ in range(5):
        _backend_pid()
    assert pings == []  # each connection came back less than an hour ago
    monkeypatch.setattr(database, "PING_IDLE_SECONDS", 0.0)
    for _ in range(3):
        _backend_pid()
    assert len(pings) == 3  # as if each had sat idle long enough


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(app, monkeypatch):
    """A connection that sat in the pool is pinged first; one the server closed meanwhile (a
    restart, an idle timeout) is swapped for a new one, so no request sees the error."""
    postgres_only()
    db.engine.dispose()  # one connection in the pool: the one the server drops
    dropped = _backend_pid()  # back in the pool now
    outside = create_engine(db.engine.url, poolclass=NullPool)  # not one of the pool's
    with outside.connect() as other:
        assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped}).scalar()
    outside.dispose()
    monkeypatch.setattr(database, "PING_IDLE_SECONDS", 0.0)  # as if it sat idle for a while
    assert _backend_pid() != dropped
    with db.engine.connect() as conn:  # and the pool goes on working
        assert conn.execute(text("SELECT 1")).scalar() == 1


def test_postgres_sessions_are_planned_for_data_in_memory(app):
    """The app's PostgreSQL sessions cost a random page read as for data in memory or on SSD
    (sent with the connection), unless the URL names its own options."""
    from dpse.config import POSTGRES_SESSION_OPTIONS, engine_options

    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert engine_options(url)["connect_args"] == {"options": POSTGRES_SESSION_OPTIONS}
    assert "connect_args" not in engine_options(url + "?options=-c%20work_mem%3D8MB")
    postgres_only()
    with db.engine.connect() as conn:
        assert conn.execute(text("SHOW random_page_cost")).scalar() == "1.1"
