"""Answering a machine: the body with its type, a validator, and 304 when it has not changed."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Response, request

CACHE_SECONDS = 300  # feed readers and crawlers poll; five minutes old is fresh enough


def conditional(body: bytes, mimetype: str, last_modified: datetime | None = None) -> Response:
    """A public, cacheable response with an ETag (and Last-Modified when known); a request
    whose If-None-Match or If-Modified-Since still holds gets 304 without the body."""
    response = Response(body, mimetype=mimetype)
    if mimetype.startswith(("application/", "text/")) and "charset" not in mimetype:
        response.charset = "utf-8"
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    if last_modified is not None:
        response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response.make_conditional(request)
