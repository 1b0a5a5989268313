"""Forms that come back with what was typed instead of a bare error page: one posted with an
expired (or missing) CSRF token, and one over the size limit (MAX_CONTENT_LENGTH).

The refused POST is replayed through the view of the same address (one that also answers GET,
so it is a form page), after the before-request hooks the refusal skipped. The view binds its
form to the posted fields and re-renders it. It cannot act: the form's own CSRF check fails in
the replay (the token is stale, or left out), so ``validate_on_submit`` is false; and, as a
second lock, a database commit during a replay raises, and the plain error page is shown.

Only posts from this site's own pages are replayed (Origin, else Referer, names this site):
otherwise another site could fill a signed-in person's form with its own text and ask them to
submit it. Nothing is stored: the typed text goes back only in the answer to the same request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from dpse.extensions import db

EXPIRED_MESSAGE = (
    "Your session had expired, so nothing was saved. Check your text and submit again."
)
# A bounded read: at most this many fields from a too-large body.
MAX_FIELDS = 1000
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_NOT_TYPED = frozenset({"csrf_token", "confirm", "action", "next"})
_SECRET = re.compile("password|code|token|secret", re.IGNORECASE)


class ReplayWrote(Exception):
    """A replayed form view tried to commit: it must only show the form."""


def resubmit_message() -> str:
    """What a form whose token was refused says (templates: the error summary's line)."""
    return g.get("resubmit_message") or EXPIRED_MESSAGE


def limit_in_mb(limit: int | None = None) -> str:
    """The size limit as people say it: "2 MB", "0.5 MB", "4 KB"."""
    limit = current_app.config["MAX_CONTENT_LENGTH"] if limit is None else limit
    mb = limit / (1024 * 1024)
    if mb < 0.1:
        return f"{round(limit / 1024)} KB"
    return f"{mb:.0f} MB" if mb == int(mb) else f"{mb:.1f} MB"


def too_large_message() -> str:
    """The one message for a post over the size limit."""
    return (
        f"What you sent was over the {limit_in_mb()} limit, so nothing was saved. "
        "Anything past the limit could not be kept: shorten your text and submit again."
    )


def _from_this_site() -> bool:
    """Whether the browser says the post came from one of this site's pages."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return origin.rstrip("/") == request.host_url.rstrip("/")
    referrer = urlsplit(request.headers.get("Referer", ""))
    return (referrer.scheme, referrer.netloc) == (request.scheme, request.host)


def _replayable() -> bool:
    rule = request.url_rule
    return (
        request.method == "POST"
        and rule is not None
        and rule.methods is not None
        and "GET" in rule.methods
        and request.mimetype in _FORM_TYPES
        and not request.path.startswith("/api/")
        and _from_this_site()
    )


def _hooks_after(failed: str) -> list[Callable[[], object]]:
    """The before-request hooks Flask would have run after the one named ``failed``, in its
    order (the app's, then the blueprints'), without the CSRF check."""
    app = current_app
    hooks = [
        f
        for name in (None, *reversed(request.blueprints))
        for f in app.before_request_funcs.get(name, ())
    ]
    names = [f.__name__ for f in hooks]
    start = names.index(failed) + 1 if failed in names else len(hooks)
    return [f for f in hooks[start:] if f.__name__ != "csrf_protect"]


def _replay(failed_hook: str, message: str, code: int) -> Response | None:
    """The form page of this address, bound to the posted fields, with ``message``; None when
    that cannot be shown (then the caller shows the plain error page)."""
    app = current_app
    g.resubmit_message = message
    g.resubmit_replaying = True
    try:
        rv = None
        for hook in _hooks_after(failed_hook):
            rv = app.ensure_sync(hook)()
            if rv is not None:
                break
        if rv is None:
            assert request.url_rule is not None
            view = app.view_functions[request.url_rule.endpoint]
            rv = app.ensure_sync(view)(**(request.view_args or {}))
        response = app.make_response(rv)
    except (ReplayWrote, HTTPException):
        db.session.rollback()
        return None
    finally:
        g.resubmit_replaying = False
    if response.status_code != 200 and not 400 <= response.status_code < 500:
        return None  # a redirect: signed out (the sign-in page), or the view acted after all
    response.status_code = code
    return response


def after_expired_token() -> Response | None:
    """The form again, with what was typed and the expired-session message, or None."""
    if not _replayable():
        return None
    return _replay("csrf_protect", EXPIRED_MESSAGE, 400)


def typed_text() -> list[tuple[str, str]]:
    """What was typed into a refused form that cannot come back (the person was signed out
    meanwhile), as (name, text) pairs to copy from; only for posts from this site's pages, and
    never a password, a code or a token."""
    if request.method != "POST" or request.mimetype not in _FORM_TYPES or not _from_this_site():
        return []
    return [
        (name.replace("_", " ").capitalize(), value)
        for name, value in request.form.items(multi=True)
        if value.strip() and name not in _NOT_TYPED and not _SECRET.search(name)
    ]


def _fields_that_fit() -> ImmutableMultiDict[str, str] | None:
    """The fields of an over-long form body that arrived whole, read up to the limit only.

    The token is left out, so the replayed form refuses to act whatever else it holds.
    """
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    length = request.content_length
    if request.mimetype != "application/x-www-form-urlencoded" or not limit or not length:
        return None  # a multipart body or one of unknown length: not worth parsing partly
    stream = request.environ["wsgi.input"]
    raw = b""
    while len(raw) < limit:
        chunk = stream.read(min(64 * 1024, limit - len(raw)))
        if not chunk:
            break
        raw += chunk
    if length > len(raw):  # cut short: the last field is incomplete
        raw = raw.rpartition(b"&")[0]
    try:
        pairs = parse_qsl(
            raw.decode("ascii", "replace"),
            keep_blank_values=True,
            errors="replace",
            max_num_fields=MAX_FIELDS,
        )
    except ValueError:
        return None
    return ImmutableMultiDict([(k, v) for k, v in pairs if k != "csrf_token"])


def after_too_large() -> Response | None:
    """The form again with the fields that fitted and the size message, or None."""
    if not _replayable():
        return None
    fields = _fields_that_fit()
    if fields is None:
        return None
    # Werkzeug caches the parsed body here; the refused parse left nothing in them.
    request.__dict__["form"] = fields
    request.__dict__["files"] = ImmutableMultiDict()
    return _replay("refuse_hostile_requests", too_large_message(), 413)


def _refuse_commit_in_replay(session: Session) -> None:
    if has_request_context() and g.get("resubmit_replaying"):
        raise ReplayWrote()


def init_resubmit(app: Flask) -> None:
    """The template function for the message, and the commit lock for replays."""
    app.jinja_env.globals["resubmit_message"] = resubmit_message
    if not event.contains(Session, "before_commit", _refuse_commit_in_replay):
        event.listen(Session, "before_commit", _refuse_commit_in_replay)
