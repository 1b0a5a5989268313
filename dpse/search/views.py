"""The search page: results, facets, highlights, did-you-mean; works without JavaScript."""

from __future__ import annotations

import logging

from flask import render_template, request

from dpse.extensions import db
from dpse.search import bp
from dpse.search.index import current_engine
from dpse.search.query import SearchRequest, run_search
from dpse.search.schema import TYPES

log = logging.getLogger(__name__)

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
    engine = current_engine()
    if engine.pending():
        # Read your own writes: apply one batch of what is waiting (briefly waiting for a busy
        # writer); the search answers from the index as it is if that fails.
        try:
            engine.drain(wait=2.0, merge=False, batches=1)
        except Exception:
            db.session.rollback()
            log.exception("Draining the search outbox before a search failed")
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
