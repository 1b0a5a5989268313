"""Security headers on every response, and request parameters without NUL characters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Request, Response, current_app
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

# No inline script or style anywhere: templates load /static files only.
# Images may come from https (user Markdown allows https images only).
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def set_security_headers(response: Response) -> Response:
    """Add CSP and the other headers; never overwrite a header a view chose deliberately."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if response.mimetype == "text/html":
        # Pages can show private data (drafts, account pages): never cache them in shared caches.
        headers.setdefault("Cache-Control", "private, no-cache")
    return response


class NulFreeMultiDict(ImmutableMultiDict):
    """Query-string and form values with NUL characters removed.

    PostgreSQL refuses NUL in text, so one in a form field or a filter argument turned into a
    database error (a 500). Nobody types one; removing it keeps everything else they sent.
    """

    def __init__(self, mapping: Any = None) -> None:
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, MultiDict):
            pairs: Iterable[tuple[Any, Any]] = mapping.items(multi=True)
        elif isinstance(mapping, Mapping):
            pairs = [
                (key, item)
                for key, value in mapping.items()
                for item in (value if isinstance(value, list | tuple) else [value])
            ]
        else:
            pairs = mapping
        super().__init__([(_no_nul(key), _no_nul(value)) for key, value in pairs])


def _no_nul(value: Any) -> Any:
    return value.replace("\x00", "") if isinstance(value, str) else value


class DPSERequest(Request):
    """Flask's request, with NUL-free query-string and form parameters."""

    parameter_storage_class = NulFreeMultiDict


def init_security(app: Flask) -> None:
    """Register the header hook and the request class."""
    app.request_class = DPSERequest
    app.after_request(set_security_headers)
