"""The OpenAPI document, and /api: the page that explains the API to people."""

from __future__ import annotations

import json

from flask import render_template
from werkzeug.wrappers import Response

from dpse.api.openapi import OPERATIONS, build_document
from dpse.api.responses import PREFIX, json_response
from dpse.api.views import bp
from dpse.urls import site_url


@bp.route(PREFIX + "/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI 3.1 document of every endpoint, parameter and answer."""
    return json_response(build_document(site_url(PREFIX)))


@bp.route("/api")
def index() -> str:
    """What the API offers, how to call it, and what it answers, with examples."""
    document = build_document(site_url(PREFIX))
    return render_template(
        "api/index.html",
        operations=OPERATIONS,
        base=site_url(PREFIX),
        openapi_url=site_url(PREFIX + "/openapi.json"),
        sample_list=json.dumps(SAMPLE_LIST, indent=2),
        sample_problem=json.dumps(SAMPLE_PROBLEM, indent=2),
        document=document,
    )


SAMPLE_LIST = {
    "items": [
        {
            "slug": "open-data-portal-on-ckan",
            "title": "An open-data portal on CKAN",
            "outcome": "success",
            "sector": "local-government",
            "published_at": "2026-03-02T10:15:00+00:00",
            "url": "https://exchange.example/case-studies/open-data-portal-on-ckan",
            "api_url": "https://exchange.example/api/v1/case-studies/open-data-portal-on-ckan",
            "…": "…",
        }
    ],
    "total": 42,
    "page": 1,
    "per_page": 20,
    "pages": 3,
    "next": "https://exchange.example/api/v1/case-studies?technology=ckan&page=2",
    "prev": None,
}
SAMPLE_PROBLEM = {
    "type": "/api#problem-bad-parameter",
    "title": "Bad parameter",
    "status": 400,
    "detail": "'per_page' must be a whole number from 1 to 100.",
    "parameter": "per_page",
}
