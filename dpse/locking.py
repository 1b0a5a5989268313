"""Write locks that make racing writers of the same object take turns (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from dpse.extensions import db


def hold_write_lock() -> None:
    """On SQLite, take the database's write lock now, for the rest of this transaction.

    Python's sqlite3 only begins a transaction at the first INSERT/UPDATE/DELETE, so what was
    read before that may already be stale; ``BEGIN IMMEDIATE`` waits (busy timeout) for other
    writers, and everything read after it stays true until commit. It also makes a following
    SAVEPOINT nest inside a real transaction (an outermost one would commit on RELEASE).
    Nothing on other databases: they lock rows (``lock_row``) or settle clashes by constraint.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def lock_row(id_column: InstrumentedAttribute[int], row_id: int) -> None:
    """Make other writers of this row wait until this transaction ends.

    ``SELECT … FOR UPDATE`` on PostgreSQL (later statements then read what the previous holder
    committed); the whole database's write lock on SQLite.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        hold_write_lock()
    else:
        db.session.execute(select(id_column).where(id_column == row_id).with_for_update())
