"""The search page's results: one page of hits, the exact total, facet counts, a suggestion."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from markupsafe import Markup
from whoosh import query
from whoosh.searching import Searcher

from dpse.search.docsets import DocSet
from dpse.search.facets import FacetCount, facet_counts, filter_query
from dpse.search.highlighting import highlight_terms, snippet
from dpse.search.parsing import parse_user_query
from dpse.search.ranking import ranked
from dpse.search.schema import TYPES
from dpse.search.search_request import FILTERS, MAX_PAGE, SearchRequest
from dpse.search.spelling import suggest_spelling

PER_PAGE = 10


@dataclass
class Hit:
    """One result as the page shows it."""

    type: str
    type_label: str
    title: str
    url: str
    snippet: Markup
    date: datetime | None
    organisation: str
    tags: list[str]
    language: str = ""


@dataclass
class SearchResult:
    """Everything the search page shows."""

    hits: list[Hit]
    total: int
    page: int
    pages: int
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    suggestion: str = ""
    timed_out: bool = False


def run_search(searcher: Searcher, request: SearchRequest) -> SearchResult:
    """One page of results with highlights, facet counts and a spelling suggestion.

    rank_by_postings ranks the top of the page (Whoosh's collector only phrases); the exact
    total and the facet counts come from bitsets of posting lists (see docsets.py), which
    cost no Python per matching document.
    """
    user_query = parse_user_query(request.q, searcher.schema, searcher.reader())
    chosen = request.active_filters()
    filters = filter_query(chosen)
    if filters is not None:
        # A constant score keeps filters from changing the ranking.
        user_query = query.And([user_query, query.ConstantScoreQuery(filters, 0.0)])
    matches = DocSet(searcher, user_query)
    total = len(matches)
    wanted = request.page * PER_PAGE
    timed_out = False
    if not total:
        docnums = []  # nothing matches: Whoosh need not walk the posting lists again
    elif request.sort == "newest" or not request.q:
        docnums = matches.newest("date", wanted)
    else:
        docnums, timed_out = ranked(searcher, user_query, matches, wanted)
    marked = highlight_terms(user_query) if request.q else frozenset()
    hits = [_hit(searcher, d, marked) for d in docnums[(request.page - 1) * PER_PAGE :]]
    counts = facet_counts(matches, FILTERS, chosen)
    suggestion = suggest_spelling(searcher, request.q) if request.q and total < 3 else ""
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    return SearchResult(
        hits, total, request.page, min(pages, MAX_PAGE), counts, suggestion, timed_out
    )


def _hit(searcher: Searcher, docnum: int, marked: frozenset[str]) -> Hit:
    stored = searcher.stored_fields(docnum)
    date = stored.get("date")
    return Hit(
        type=stored["type"],
        type_label=TYPES.get(stored["type"], stored["type"]),
        title=stored["title"],
        url=stored["url"],
        snippet=snippet(stored.get("summary") or "", marked, searcher.schema["summary"].analyzer),
        date=date.replace(tzinfo=UTC) if date else None,
        organisation=stored.get("organisation") or "",
        tags=[t for t in (stored.get("tags") or "").split(",") if t],
        language=stored.get("language") or "",
    )
