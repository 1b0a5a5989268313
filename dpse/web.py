"""View plumbing: the signed-in account, a look-up's 404, a form's (or a button's) write and
its status code, ids and numbers read from the URL, the page argument and size, and the guard
that answers hostile requests with a 4xx before any view runs."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

from flask import Flask, abort, current_app, flash, request
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map

from dpse.rules import RuleError, show_on_form

if TYPE_CHECKING:
    from dpse.accounts.models import User

# Every id column is an INTEGER: PostgreSQL's holds up to 2^31-1 and SQLite's to 2^63-1.
# A number past that is no row's id; handed to the database it is an error, not "not found".
MAX_ID = 2**31 - 1
# Past this a list page is empty anyway; the bound keeps OFFSET a small number.
MAX_PAGE = 10_000

# C0 controls, DEL and C1 controls: no address on the site contains one.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., object])


class NotAForm(BadRequest):
    """A POST whose body is not a browser's form (the error page shows this title and text)."""

    name = "Not a form"  # shadows Werkzeug's "Bad Request", which the 400 page words vaguely
    description = (
        "This address takes a form sent from its page, and nothing else. "
        "Go back, reload the page and submit it again."
    )


class IdConverter(IntegerConverter):
    """Flask's ``int`` converter bounded to 1..MAX_ID, ASCII digits only.

    A larger number (or 0, or a digit from another script) matches no route, so every
    ``<int:…>`` in the URL map answers 404 for it without each view checking.
    """

    regex = r"[0-9]+"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = 1,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def bounded_int(
    raw: object, default: int | None = None, *, minimum: int = 1, maximum: int = MAX_ID
) -> int | None:
    """``raw`` as a whole number in minimum..maximum, else ``default``.

    Anything else — missing, blank, signs, other scripts' digits, out of range — is
    ``default``: callers treat that as "not given", the way the page would anyway.
    """
    text = raw.strip() if isinstance(raw, str) else ""
    digits = text.lstrip("0") or text[-1:]
    if not (text.isascii() and text.isdigit()) or len(digits) > len(str(maximum)):
        return default  # the length test comes first: int() of 100,000 digits is an error
    value = int(digits)
    return value if minimum <= value <= maximum else default


def bounded_int_arg(
    name: str,
    default: int | None = None,
    *,
    minimum: int = 1,
    maximum: int = MAX_ID,
    source: Mapping[str, str] | None = None,
) -> int | None:
    """A whole number from the query string (or ``source``, e.g. ``request.form``); see
    bounded_int for what counts."""
    raw = (request.args if source is None else source).get(name)
    return bounded_int(raw, default, minimum=minimum, maximum=maximum)


def page_arg() -> int:
    """``?page=N`` for a list: 1 when missing or junk, at most MAX_PAGE."""
    page = bounded_int_arg("page", 1, maximum=MAX_ID)
    return min(page or 1, MAX_PAGE)


def page_size() -> int:
    """How many items a list page shows (one setting for every list)."""
    return current_app.config["PAGE_SIZE"]


def signed_in_user() -> User:
    """The real account behind Flask-Login's proxy, for service calls (views require sign-in)."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


def found_or_404(found: T | None, visible: Callable[[T], bool] | None = None) -> T:
    """What a look-up found; 404 when it found nothing, or when ``visible`` says the visitor may
    not see it (its existence stays private)."""
    if found is None or (visible is not None and not visible(found)):
        abort(404)
    return found


def form_written(form: FlaskForm, write: Callable[[], object], refused: type[RuleError]) -> bool:
    """Whether the form was submitted, valid, and its write went through. When the service
    refuses with ``refused`` (its domain's rule error), the message goes on the form instead."""
    if not form.validate_on_submit():
        return False
    try:
        write()
    except refused as exc:
        show_on_form(form, exc)
        return False
    return True


def flash_outcome(write: Callable[[], object], done: str, refused: type[RuleError]) -> bool:
    """Make a button's write and flash what came of it: ``done``, or the service's refusal
    (``refused``: its domain's rule error) as an error. Whether the write went through."""
    try:
        write()
    except refused as exc:
        flash(exc.message, "error")
        return False
    flash(done, "success")
    return True


def form_status(form: FlaskForm) -> int:
    """400 when a submitted form has errors (its page shows them), else 200."""
    return 400 if (form.errors or form.form_errors) else 200


def refuse_hostile_requests() -> None:
    """Before any other hook: a control character in the path is 404, and a body that is not
    a form (JSON, text, files) sent to a form endpoint is 400.

    Forms read JSON bodies too (Flask-WTF), where a list or a nested value reached the
    validators as a TypeError; no HTML endpoint takes anything but a browser's form.
    """
    if _CONTROL.search(request.path):
        abort(404)
    if request.method not in _BODY_METHODS or request.path.startswith("/api/"):
        return
    if request.mimetype not in _FORM_TYPES:
        if request.mimetype or request.content_length:
            raise NotAForm()
        return
    if request.files and not getattr(
        current_app.view_functions.get(request.endpoint or ""), "dpse_takes_files", False
    ):
        raise NotAForm("This form takes no files. Go back and fill in its fields instead.")


def takes_files(view: F) -> F:
    """Mark a view whose form uploads a file (the request guard refuses files elsewhere)."""
    view.dpse_takes_files = True  # type: ignore[attr-defined]
    return view


def init_web(app: Flask) -> None:
    """Bounded ids in every route, and the request guard first among the before-request hooks.

    Call before the blueprints register: a rule binds its converter when it is added.
    """
    app.url_map.converters["int"] = IdConverter
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_hostile_requests)
