"""Moderation pages: the blueprint, and (at the bottom) the route modules — the queue and audit
log, members' flags, moderators' actions — so registering the blueprint is the only wiring."""

from __future__ import annotations

from flask import Blueprint, redirect
from werkzeug.wrappers import Response

from dpse.moderation.forms import NextForm

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

Rendered = str | Response | tuple[str, int]


def back(form: NextForm, fallback: str) -> Response:
    """To the page the button was on (same site only), else the fallback."""
    wanted = form.next.data or ""
    local = wanted.startswith("/") and not wanted.startswith("//") and "\\" not in wanted
    return redirect(wanted if local else fallback)


# The route modules attach themselves to bp; importing them here is what routes them.
from dpse.moderation.views import actions, flagging, queue  # noqa: E402

__all__ = ["Rendered", "actions", "back", "bp", "flagging", "queue"]
