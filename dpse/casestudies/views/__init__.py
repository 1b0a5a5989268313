"""Case-study pages: the blueprint, the lookup every route shares, and (at the bottom) the
route modules, so registering the blueprint is the only wiring."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from dpse.casestudies import queries
from dpse.casestudies.models import CaseStudy

bp = Blueprint("casestudies", __name__, url_prefix="/case-studies")


def load_visible(slug: str) -> CaseStudy | Response:
    """The case study at this address if the visitor may see it; old addresses redirect."""
    cs, moved_to = queries.find_by_slug(slug, current_user)
    if cs is not None:
        return cs
    if moved_to is not None:
        endpoint = request.endpoint or "casestudies.show"
        return redirect(url_for(endpoint, **{**(request.view_args or {}), "slug": moved_to}), 301)
    abort(404)


# The route modules attach themselves to bp; importing them here is what routes them.
from dpse.casestudies.views import editing, history, pages, workflow  # noqa: E402

__all__ = ["bp", "editing", "history", "load_visible", "pages", "workflow"]
