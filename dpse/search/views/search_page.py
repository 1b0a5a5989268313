"""The search page: results, facets, highlights, did-you-mean; works without JavaScript."""

from __future__ import annotations

from flask import render_template, request

from dpse.pagecache import shared_when_signed_in
from dpse.registry import providers
from dpse.search.engine import current_engine
from dpse.search.results import SearchResult, run_search
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


def value_labels(result: SearchResult, chosen: dict[str, str]) -> dict[str, dict[str, str]]:
    """Each facet's values as people know them ("LocalGov Drupal", "Case study"), from the
    domains that own them (registered in create_app); a value nobody names shows as it is."""
    labels: dict[str, dict[str, str]] = {"type": dict(TYPES)}
    for name in FACET_LABELS:
        values = [f.value for f in result.facets.get(name, [])]
        if chosen.get(name):
            values.append(chosen[name])
        if name == "tag":  # the results' own tags too
            values += [slug for hit in result.hits for slug in hit.tags]
        for label_values in providers("search.facet_labels"):
            labels.setdefault(name, {}).update(label_values(name, values))
    return labels


@bp.route("/search")
@shared_when_signed_in()
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
        value_labels=value_labels(result, search_request.active_filters()),
    )
