"""Search helpers for tests: what a query finds, once everything queued is indexed."""

from __future__ import annotations

from dpse.search.engine import current_engine
from dpse.search.results import run_search
from dpse.search.search_request import SearchRequest


def titles(q: str) -> list[str]:
    """The titles of the first page of results for q, after applying the whole outbox."""
    engine = current_engine()
    engine.drain()
    with engine.searching() as searcher:
        return [h.title for h in run_search(searcher, SearchRequest(q=q)).hits]
