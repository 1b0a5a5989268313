"""Case-study pages: the blueprint, the lookup every route shares, and (at the bottom) the
route modules, so registering the blueprint is the only wiring."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from dpse.casestudies import queries, service
from dpse.casestudies.models import CaseStudy
from dpse.permissions import require

bp = Blueprint("casestudies", __name__, url_prefix="/case-studies")


def load_visible(slug: str) -> CaseStudy:
    """The case study at this address if the visitor may see it; old addresses redirect (the
    same route at the new address), others are 404."""
    cs, moved_to = queries.find_by_slug(slug, current_user)
    if cs is not None:
        return cs
    if moved_to is not None:
        endpoint = request.endpoint or "casestudies.show"
        abort(redirect(url_for(endpoint, **{**(request.view_args or {}), "slug": moved_to}), 301))
    abort(404)


def load_allowed(slug: str, allowed: Callable[[Any, CaseStudy], bool]) -> CaseStudy:
    """``load_visible``, then 403 unless the visitor passes ``allowed`` (a permission)."""
    cs = load_visible(slug)
    require(allowed(current_user, cs))
    return cs


@bp.errorhandler(service.NotAllowed)
def refused(exc: service.NotAllowed) -> Response | tuple[str, int]:
    """A service refused what the view's predicate allowed: the same 403 page."""
    return current_app.handle_http_exception(Forbidden())  # type: ignore[return-value]


# The route modules attach themselves to bp; importing them here is what routes them.
from dpse.casestudies.views import editing, history, importing, pages, workflow  # noqa: E402

__all__ = [
    "bp",
    "editing",
    "history",
    "importing",
    "load_allowed",
    "load_visible",
    "pages",
    "workflow",
]
