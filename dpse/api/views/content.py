"""Case studies, events, search and tags: the same reads, filters and sorts as their pages."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from werkzeug.wrappers import Response

from dpse.api import queries as api_queries
from dpse.api import serializers as show
from dpse.api.auth import current_token
from dpse.api.openapi import operation
from dpse.api.params import BadParameter, Param, enum_param, paging, path_param, text_param
from dpse.api.responses import json_response
from dpse.api.views import bp
from dpse.api.views.paging import page_body
from dpse.casestudies import queries as case_studies
from dpse.casestudies.models import Outcome, Sector
from dpse.events import queries as events
from dpse.events.models import EventFormat
from dpse.events.times import month_bounds
from dpse.registry import providers
from dpse.search.engine import current_engine
from dpse.search.parsing import MAX_QUERY_LENGTH
from dpse.search.results import PER_PAGE as SEARCH_PER_PAGE
from dpse.search.results import run_search
from dpse.search.schema import TYPES
from dpse.search.search_request import MAX_PAGE as SEARCH_MAX_PAGE
from dpse.search.search_request import SearchRequest
from dpse.urls import site_url

YEAR = Param(
    "year", "Year it went live (or started).", {"type": "integer", "minimum": 1, "maximum": 9999}
)
OUTCOME = enum_param("outcome", "Outcome.", [o.value for o in Outcome])
SECTOR = enum_param("sector", "Sector.", [s.value for s in Sector])
COUNTRY = text_param("country", "Country, as written on case studies (any case).")

CASE_STUDY_FILTERS = [
    text_param("q", "Words to search for, as on the search page.", case_studies.MAX_QUERY),
    OUTCOME,
    SECTOR,
    text_param("technology", "A technology tag's slug, e.g. drupal."),
    text_param("topic", "A topic tag's slug, e.g. accessibility."),
    COUNTRY,
    text_param("supplier", "A supplier organisation's slug."),
    YEAR,
    enum_param("sort", "Order of the list.", list(case_studies.SORTS), default="newest"),
    *paging(),
]


@operation(
    bp,
    "/case-studies",
    summary="Published case studies",
    response="CaseStudyPage",
    tag="Case studies",
    params=CASE_STUDY_FILTERS,
)
def list_case_studies(args: dict[str, Any]) -> Response:
    """Published case studies with the filters, sorts and facet counts of /case-studies."""
    filters = case_studies.Filters.from_args(request.args)
    listing = case_studies.list_case_studies(filters, args["sort"], args["page"], args["per_page"])
    body = page_body(
        [show.case_study_summary(cs) for cs in listing.items],
        listing.total,
        listing.page,
        listing.per_page,
    )
    body["sort"] = args["sort"]
    body["facets"] = {
        name: [
            {"value": f.value, "label": f.label, "count": f.count, "selected": f.selected}
            for f in values
        ]
        for name, values in listing.facets.items()
    }
    return json_response(body)


@operation(
    bp,
    "/case-studies/{slug}",
    summary="One case study",
    response="CaseStudy",
    tag="Case studies",
    params=[path_param("slug", "The case study's slug (an earlier slug works too).")],
)
def get_case_study(args: dict[str, Any], slug: str) -> Response:
    """A published or archived case study with every section; drafts are 404, except to
    their authors' own API tokens."""
    cs, moved_to = case_studies.find_by_slug(slug, show.VISITOR)
    if cs is None and moved_to is not None:
        cs, _ = case_studies.find_by_slug(moved_to, show.VISITOR)
    if cs is None:
        return _own_draft(slug)
    return json_response(show.case_study(cs), last_modified=cs.updated_at)


def _own_draft(slug: str) -> Response:
    """An unpublished case study, to a token of one of its authors (never cached); else 404."""
    token = current_token()
    cs = case_studies.find_by_slug(slug, token.owner)[0] if token is not None else None
    if cs is None or token is None or token.user_id not in {a.user_id for a in cs.authors}:
        abort(404)
    response = json_response(show.case_study(cs))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@operation(
    bp,
    "/events",
    summary="Events",
    response="EventPage",
    tag="Events",
    params=[
        enum_param(
            "when",
            "Upcoming (not yet ended, soonest first) or past (newest first).",
            ["upcoming", "past"],
            default="upcoming",
        ),
        enum_param("format", "How it takes place.", [f.value for f in EventFormat]),
        text_param("tag", "A tag's slug."),
        text_param("organisation", "The organising organisation's slug."),
        Param(
            "month",
            "Starting in this month, YYYY-MM.",
            {
                "type": "string",
                "pattern": "^(197[1-9]|19[89][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])$",
                "examples": ["2027-03"],
            },
        ),
        *paging(),
    ],
)
def list_events(args: dict[str, Any]) -> Response:
    """Upcoming or past events, with the filters of /events."""
    if args["month"] and month_bounds(args["month"]) is None:
        raise BadParameter("month", "'month' must be a month from 1971-01, as YYYY-MM.")
    filters = events.EventFilters(
        format=EventFormat(args["format"]) if args["format"] else None,
        tag=args["tag"] or "",
        organisation=args["organisation"] or "",
        month=args["month"] or "",
    )
    pager = events.events_page(filters, args["when"] == "past", args["page"], args["per_page"])
    items = [show.event(e) for e in pager.items]
    return json_response(page_body(items, pager.total or 0, args["page"], args["per_page"]))


@operation(
    bp,
    "/events/{slug}",
    summary="One event",
    response="Event",
    tag="Events",
    params=[path_param("slug", "The event's slug.")],
)
def get_event(args: dict[str, Any], slug: str) -> Response:
    """An event (every event is public; its joining link is for people with a place)."""
    event = events.get_event(slug)
    if event is None:
        abort(404)
    return json_response(show.event(event), last_modified=event.updated_at)


@operation(
    bp,
    "/search",
    summary="Search",
    response="SearchPage",
    tag="Search",
    params=[
        text_param("q", "What to search for (the search page's syntax).", MAX_QUERY_LENGTH),
        enum_param("type", "Only this kind of result.", list(TYPES)),
        SECTOR,
        COUNTRY,
        OUTCOME,
        YEAR,
        text_param("tag", "A tag's slug."),
        enum_param("sort", "Order of the results.", ["relevance", "newest"], "relevance"),
        *paging(max_page=SEARCH_MAX_PAGE, per_page=False),
    ],
)
def search(args: dict[str, Any]) -> Response:
    """Everything public, as /search finds it, with its facet counts and suggestion; an empty
    query browses by facet. Ten results a page."""
    search_request = SearchRequest.from_args(request.args)
    with current_engine().searching() as searcher:
        result = run_search(searcher, search_request)
    hits = [
        {
            "type": hit.type,
            "type_label": hit.type_label,
            "title": hit.title,
            "url": site_url(hit.url) if hit.url.startswith("/") else hit.url,
            "snippet_html": str(hit.snippet),
            "date": show.when(hit.date),
            "organisation": hit.organisation,
            "tags": hit.tags,
            "language": hit.language,
        }
        for hit in result.hits
    ]
    labels: dict[str, dict[str, str]] = {"type": dict(TYPES)}
    for name, values in result.facets.items():
        for label_values in providers("search.facet_labels"):
            labels.setdefault(name, {}).update(label_values(name, [f.value for f in values]))
    body = page_body(hits, result.total, result.page, SEARCH_PER_PAGE)
    body["pages"] = result.pages
    if result.page >= result.pages:
        body["next"] = None
    body.update(
        q=search_request.q,
        suggestion=result.suggestion,
        facets={
            name: [
                {
                    "value": f.value,
                    "label": labels.get(name, {}).get(f.value, f.value),
                    "count": f.count,
                    "selected": f.selected,
                }
                for f in values
            ]
            for name, values in result.facets.items()
        },
    )
    return json_response(body)


@operation(bp, "/tags", summary="Tags", response="TagPage", tag="Tags", params=paging())
def list_tags(args: dict[str, Any]) -> Response:
    """Every tag (technologies and topics), by name."""
    pager = api_queries.tags_page(args["page"], args["per_page"])
    items = [show.tag(t) for t in pager.items]
    return json_response(page_body(items, pager.total or 0, args["page"], args["per_page"]))
