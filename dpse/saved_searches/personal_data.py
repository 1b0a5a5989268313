"""A person's saved searches in their data export; deleted with their account
(the "account.export" and "account.erase" extension points of dpse.accounts)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import delete, select

from dpse.accounts.export import JsonFile, row_dict
from dpse.accounts.models import User
from dpse.extensions import db
from dpse.saved_searches.models import SavedSearch


def export_saved_searches(user: User) -> Iterator[JsonFile]:
    """Every search the person saved."""
    rows = db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id))
    yield JsonFile("saved_searches.json", (row_dict(s) for s in rows))


def erase_saved_searches(user: User, _remove: bool) -> None:
    """Saved searches are the person's alone: they always go."""
    db.session.execute(delete(SavedSearch).where(SavedSearch.user_id == user.id))
