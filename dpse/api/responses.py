"""How the API answers: JSON with an ETag (and Last-Modified when a time is known), 304 to a
conditional request, CORS for everyone, public caching; and RFC 9457 problem details for every
error under /api/v1/, rate limits included."""

from __future__ import annotations

import hashlib
import json
import math
import time
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, g, request
from limits import parse_many
from werkzeug.exceptions import HTTPException

from dpse.extensions import limiter

PREFIX = "/api/v1"
PROBLEM = "application/problem+json"
CACHE_CONTROL = "public, max-age=60"
RATE_SCOPE = "api"
# Problem types: a page explaining each, on the /api page.
PROBLEM_TYPES = {
    400: "bad-parameter",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    415: "unsupported-media-type",
    422: "invalid-fields",
    429: "rate-limited",
}


def json_response(body: Any, last_modified: datetime | None = None) -> Response:
    """A JSON answer with an ETag (a hash of the body) and, when known, Last-Modified; a
    matching If-None-Match or If-Modified-Since gets 304 without the body."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    response = Response(data, mimetype="application/json")
    response.set_etag(hashlib.sha256(data.encode()).hexdigest()[:32])
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response.make_conditional(request)


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """An application/problem+json answer (RFC 9457)."""
    body = {
        "type": f"/api#problem-{PROBLEM_TYPES.get(status, 'error')}",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM)
    response.headers["Cache-Control"] = "no-store"
    return response


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def http_problem(exc: HTTPException) -> Response:
    """Werkzeug's 404, 405 (and any other HTTP error) under /api/v1/ as a problem."""
    status = exc.code or 500
    detail = {
        404: "Nothing public exists at this address. The API's endpoints are listed in "
        f"{PREFIX}/openapi.json.",
        405: "This address only reads: use GET (or HEAD, or OPTIONS for a CORS preflight).",
    }.get(status, exc.description or "")
    response = problem(status, exc.name, detail)
    if status == 405 and exc.get_response().headers.get("Allow"):
        response.headers["Allow"] = exc.get_response().headers["Allow"]
    return response


def _client_key() -> str:
    # Per token when one was sent (dpse.api.auth checked it), else per client address (behind
    # a proxy ProxyFix has set it from X-Forwarded-For).
    token = g.get("api_token")
    if token is not None:
        return f"token:{token.id}"
    return request.remote_addr or "unknown"


def check_rate_limit(setting: str = "API_RATE_LIMIT", scope: str = RATE_SCOPE) -> Response | None:
    """Count this request against the limit in ``setting`` (DPSE_API_RATE_LIMIT: every request;
    DPSE_API_WRITE_RATE_LIMIT: writes too); a 429 problem when it is used up."""
    if not limiter.enabled or not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    key = _client_key()
    items = parse_many(current_app.config[setting])
    allowed = all([limiter.limiter.hit(item, scope, key) for item in items])
    if allowed:
        return None
    wait = 1
    for item in items:
        reset_at, remaining = limiter.limiter.get_window_stats(item, RATE_SCOPE, key)
        if remaining <= 0:
            wait = max(wait, math.ceil(reset_at - time.time()))
    response = problem(
        429,
        "Too many requests",
        f"This {'token' if g.get('api_token') else 'address'} has made more API requests than "
        f"the limit ({current_app.config[setting]}). Try again in {wait} seconds.",
    )
    response.headers["Retry-After"] = str(wait)
    return response


def add_cors(response: Response) -> Response:
    """Anyone may read the API from a browser on another site (it holds public data only)."""
    if is_api_request():
        headers = response.headers
        headers["Access-Control-Allow-Origin"] = "*"
        headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        # Authorization: a page elsewhere may send a personal token (never a cookie) to read.
        headers["Access-Control-Allow-Headers"] = "Authorization, If-None-Match, If-Modified-Since"
        headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Retry-After"
        headers["Access-Control-Max-Age"] = "86400"
        headers.setdefault("Cache-Control", CACHE_CONTROL)
    return response


def init_responses(app: Flask) -> None:
    """Problem answers for errors under /api/v1/ (the site's HTML pages elsewhere), and CORS."""
    from dpse.errors import handle_http_error

    def answer(exc: HTTPException) -> Any:
        return http_problem(exc) if is_api_request() else handle_http_error(exc)

    # Registered by status, so they are chosen before the site's HTTPException handler.
    for status in (400, 404, 405):
        app.register_error_handler(status, answer)
    app.after_request(add_cors)
