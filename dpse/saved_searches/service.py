"""Saving searches, and telling people (at most once a day each) when new content matches."""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import quote_plus, urlencode

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from dpse.accounts.models import User
from dpse.extensions import db
from dpse.jobs import run_alone
from dpse.mixins import utcnow
from dpse.notifications.models import Notification
from dpse.notifications.service import notify
from dpse.rules import RuleError
from dpse.saved_searches.models import MAX_LABEL, MAX_QUERY_STRING, SavedSearch
from dpse.saved_searches.queries import request_of
from dpse.search.engine import current_engine
from dpse.search.saved_counts import count_new
from dpse.search.search_request import FILTERS, SearchRequest

log = logging.getLogger(__name__)
MAX_PER_USER = 50
QUIET_PERIOD = timedelta(days=1)
NOTIFICATION_URL_LENGTH = Notification.__table__.c.url.type.length or 500


class SavedSearchError(RuleError):
    """A saved-search rule was broken (see dpse.rules)."""


def describe(request: SearchRequest) -> str:
    """'“drupal” · outcome: failure · tag: solr' — how the search reads in lists and messages."""
    parts = [f"“{request.q}”"] if request.q else ["Everything"]
    parts += [f"{name}: {value}" for name, value in request.active_filters().items()]
    return " · ".join(parts)[:MAX_LABEL]


def _without_controls(text: str) -> str:
    """Control characters (and lone surrogates) become spaces: they have no place in a stored
    search, and "a\tb" still means two words."""
    spaced = "".join(" " if unicodedata.category(c) in ("Cc", "Cs") else c for c in text)
    return " ".join(spaced.split())


def _quote(text: str) -> str:
    """quote_plus, but keeping printable letters beyond ASCII as they are ("ёлка", not
    "%D1%91%D0%BB%D0%BA%D0%B0"): parse_qsl reads both forms back the same."""
    return "".join(c if ord(c) > 127 and c.isprintable() else quote_plus(c) for c in text)


def stored_query(args: dict[str, str]) -> str:
    """The form a search's URL arguments are stored (and compared) in."""
    return "&".join(f"{_quote(k)}={_quote(v)}" for k, v in sorted(args.items()))


def _find(user: User, query_strings: list[str]) -> SavedSearch | None:
    return db.session.scalar(
        select(SavedSearch)
        .where(SavedSearch.user_id == user.id, SavedSearch.query_string.in_(query_strings))
        .order_by(SavedSearch.id)
        .limit(1)
    )


def save_search(user: User, request: SearchRequest) -> SavedSearch:
    """Keep this search for the person; idempotent: saving the same search twice (even at the
    same moment, from a double click) keeps one and answers with it."""
    request = replace(
        request,
        **{name: _without_controls(getattr(request, name)) for name in ("q", *FILTERS)},
    )
    if not request.q and not request.active_filters():
        raise SavedSearchError("Search for something, or choose a filter, before saving")
    args = {k: v for k, v in request.args().items() if k not in ("page", "sort")}
    query_string = stored_query(args)
    if len(query_string) > MAX_QUERY_STRING:
        raise SavedSearchError(
            "This search is too long to save: use fewer words or filters, or fewer symbols"
        )
    # Searches saved before non-ASCII letters were kept as they are have the %-encoded form.
    existing = _find(user, [query_string, urlencode(sorted(args.items()))])
    if existing is not None:
        return existing
    count = db.session.scalar(
        select(func.count(SavedSearch.id)).where(SavedSearch.user_id == user.id)
    )
    if (count or 0) >= MAX_PER_USER:
        raise SavedSearchError(f"You can keep up to {MAX_PER_USER} saved searches")
    saved = SavedSearch(user_id=user.id, query_string=query_string, label=describe(request))
    db.session.add(saved)
    try:
        db.session.commit()
    except IntegrityError:  # the same search saved a moment ago (a double click): that one
        db.session.rollback()
        existing = _find(user, [query_string])
        if existing is None:
            raise
        return existing
    log.info("%r created by %s", saved, user)
    return saved


def delete_saved_search(user: User, saved_id: int) -> bool:
    """Forget one of the person's saved searches (someone else's id does nothing)."""
    # One DELETE statement: a double click deletes once, and the second finds nothing to do.
    deleted = db.session.execute(
        delete(SavedSearch).where(SavedSearch.id == saved_id, SavedSearch.user_id == user.id)
    ).rowcount
    db.session.commit()
    return bool(deleted)


def notification_link(saved: SavedSearch) -> str:
    """Where a notification about new matches points: the search (newest first), or the list
    of saved searches when the %-encoded search is too long for a notification's link."""
    link = f"/search?{saved.url_query}&sort=newest"
    return link if len(link) <= NOTIFICATION_URL_LENGTH else "/search/saved"


def notify_saved_searches(now: datetime | None = None) -> int:
    """Check every saved search not notified in the last day; notify about new matches.

    Run it from cron (`dpse search notify`). Returns how many notifications were made. Safe
    to run in several processes and on several hosts at once (dpse.jobs).
    """
    with run_alone("saved-searches"):
        return _notify_due(now or utcnow())


def _notify_due(now: datetime) -> int:
    engine = current_engine()
    engine.drain()
    due = list(
        db.session.scalars(
            select(SavedSearch)
            .join(User, User.id == SavedSearch.user_id)
            .where(User.active.is_(True))
            .where(
                (SavedSearch.last_notified_at.is_(None))
                | (SavedSearch.last_notified_at <= now - QUIET_PERIOD)
            )
            .order_by(SavedSearch.id)
            .with_for_update(skip_locked=True, of=SavedSearch)  # another host's are left to it
        )
    )
    made = 0
    with engine.searching() as searcher:
        for saved in due:
            new = count_new(searcher, request_of(saved), saved.checked_until)
            saved.checked_until = now
            if not new:
                continue
            user = db.session.get(User, saved.user_id)
            results = "result" if new == 1 else "results"
            link = notification_link(saved)
            notify(
                user,
                "saved_search",
                f"{new} new {results} for your saved search {saved.label}",
                link,
            )
            saved.last_notified_at = now
            made += 1
    db.session.commit()
    log.info("Saved searches: %d checked, %d notified", len(due), made)
    return made
