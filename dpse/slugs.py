"""Human-readable URL slugs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute

from dpse.extensions import db
from dpse.locking import hold_write_lock

_NON_WORD = re.compile(r"[^a-z0-9]+")
M = TypeVar("M")
MAX_ATTEMPTS = 50  # each failed attempt means a competitor committed that slug


def slugify(text: str, max_length: int = 80) -> str:
    """'Open Councils 2026!' -> 'open-councils-2026' (ASCII, lower case, hyphens)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NON_WORD.sub("-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "item"


def unique_slug(column: InstrumentedAttribute[str], text: str) -> str:
    """A slug for text not yet used in column, adding -2, -3 … when taken."""
    base = slugify(text)
    taken = set(
        db.session.scalars(select(column).where(or_(column == base, column.like(f"{base}-%"))))
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def insert_with_unique_slug(
    column: InstrumentedAttribute[str], text: str, build: Callable[[str], M]
) -> M:
    """Build (and add to the session) a new object under a slug made from text, and flush it,
    so that its slug is unique even when someone else takes the same one at the same moment.

    ``build(slug)`` makes the object. If the database reports the slug taken (a transaction
    that committed after we looked), the transaction is rolled back and ``build`` runs again
    with the next free -2, -3 …; each clash means a competitor finished, so this ends. The
    whole transaction rather than a SAVEPOINT, because building may insert other rows (new
    tags) that a savepoint's rollback would leave stale in the session. The caller commits.
    """
    attempts = 0
    while True:
        attempts += 1
        hold_write_lock()  # SQLite: writers take turns, so the first attempt is the last
        with db.session.no_autoflush:
            slug = unique_slug(column, text)
        obj = build(slug)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            taken = db.session.scalar(select(column).where(column == slug)) is not None
            if not taken or attempts >= MAX_ATTEMPTS:
                raise  # another constraint failed (not a slug race), or something is very wrong
        else:
            return obj
