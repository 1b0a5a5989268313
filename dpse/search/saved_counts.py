"""Saved searches' counts: how many matching documents became public since a time."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

from whoosh import query
from whoosh.collectors import TimeLimit, TimeLimitCollector
from whoosh.searching import Searcher

from dpse.search.facets import filter_query
from dpse.search.parsing import parse_user_query
from dpse.search.ranking import TIME_LIMIT
from dpse.search.search_request import SearchRequest


def count_new(searcher: Searcher, request: SearchRequest, since: datetime) -> int:
    """How many documents matching a search became public after ``since`` (saved searches)."""
    parts = [
        parse_user_query(request.q, searcher.schema, searcher.reader()),
        query.DateRange("added", since.astimezone(UTC).replace(tzinfo=None), None, startexcl=True),
    ]
    filters = filter_query(request.active_filters())
    if filters is not None:
        parts.append(filters)
    collector = searcher.collector(limit=None, scored=False)
    timed = TimeLimitCollector(collector, timelimit=TIME_LIMIT, use_alarm=False)
    with contextlib.suppress(TimeLimit):
        searcher.search_with_collector(query.And(parts), timed)
    return len(timed.results().docs())
