"""Security headers on every response, request parameters without NUL characters, and
secret tokens kept out of logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Request, Response, current_app
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import SecurityError

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


# Paths whose segment is a secret: emailed verification and reset links (itsdangerous tokens)
# and private calendar feeds. Matched plain or percent-encoded (a path inside ?next=…).
_SLASH = r"(?:/|%2[fF])"
_SECRET_PATHS = (
    re.compile(rf"({_SLASH}(?:reset-password|verify-email){_SLASH})[^/?#&\s\"'%]+"),
    re.compile(rf"({_SLASH}events{_SLASH}feed{_SLASH})[^/?#&\s\"'%.]+"),
)
REDACTED = "[redacted]"


def redact_secrets(text: str) -> str:
    """The text with every emailed-link or feed token in a URL path replaced by [redacted]."""
    for pattern in _SECRET_PATHS:
        text = pattern.sub(rf"\g<1>{REDACTED}", text)
    return text


class RedactSecretsFilter(logging.Filter):
    """A handler filter that redacts link tokens from every record's message.

    A record logged with ``extra={"keep_secrets": True}`` is left alone (the development
    mail log, whose links the developer has to open)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "keep_secrets", False):
            return True
        message = record.getMessage()
        redacted = redact_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install_log_redaction() -> None:
    """Put the redacting filter on the root logger's handlers (once each): app, Werkzeug and
    library records all propagate there."""
    for handler in [*logging.getLogger().handlers, *logging.getLogger("werkzeug").handlers]:
        if not any(isinstance(f, RedactSecretsFilter) for f in handler.filters):
            handler.addFilter(RedactSecretsFilter())


def no_referrer(response: Response) -> Response:
    """A page whose address holds a secret sends no Referer (its assets' requests would log it)."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def refuse_untrusted_host(exc: SecurityError) -> tuple[str, int, dict[str, str]]:
    """A request naming a host outside TRUSTED_HOSTS: a plain 400 (the site's pages build
    links, and no link may be built on a host the client chose)."""
    return "Bad request: unknown host.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}


def init_security(app: Flask) -> None:
    """Register the header hook, the request class and the refusal of untrusted hosts; keep
    link tokens out of logs."""
    app.request_class = DPSERequest
    app.after_request(set_security_headers)
    app.register_error_handler(SecurityError, refuse_untrusted_host)
    install_log_redaction()
