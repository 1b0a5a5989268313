"""Reading saved searches: a person's list, and the search a saved one stands for."""

from __future__ import annotations

from urllib.parse import parse_qsl

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from dpse.accounts.models import User
from dpse.extensions import db
from dpse.saved_searches.models import SavedSearch
from dpse.search.search_request import SearchRequest


def saved_searches(user: User) -> list[SavedSearch]:
    """A person's saved searches, newest first."""
    return list(
        db.session.scalars(
            select(SavedSearch)
            .where(SavedSearch.user_id == user.id)
            .order_by(SavedSearch.created_at.desc(), SavedSearch.id.desc())
        )
    )


def saved_search_of(user: User, saved_id: int) -> SavedSearch | None:
    """One of the person's saved searches (None for someone else's, or a missing one)."""
    return db.session.scalar(
        select(SavedSearch).where(SavedSearch.id == saved_id, SavedSearch.user_id == user.id)
    )


def request_of(saved: SavedSearch) -> SearchRequest:
    """The search a saved search stands for."""
    return SearchRequest.from_args(MultiDict(parse_qsl(saved.query_string)))
