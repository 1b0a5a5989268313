"""The search page: results, facets, highlights, did-you-mean; works without JavaScript."""

from __future__ import annotations

from flask import render_template, request

from dpse.search.engine import current_engine
from dpse.search.results import run_search
from dpse.search.schema import TYPES
from dpse.search.search_request import SearchRequest
from dpse.search.views import bp

FACET_LABELS = {
    "type": "Type",
    "outcome": "Outcome",
    "sector": "Sector",
    "tag": "Tag",
    "country": "Country",
    "year": "Year",
}


@bp.route("/search")
def search() -> str:
    """Search everything public; an empty query browses by facet."""
    engine = current_engine()  # the index as it is: the indexer keeps it up to date
    search_request = SearchRequest.from_args(request.args)
    with engine.searching() as searcher:
        result = run_search(searcher, search_request)
    return render_template(
        "search/index.html",
        req=search_request,
        result=result,
        facet_labels=FACET_LABELS,
        type_labels=TYPES,
    )
