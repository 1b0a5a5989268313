"""Site pages: the blueprint, and (at the bottom) its route modules — the public pages and the
accessibility report form, and the admins' editing and report queue."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sitepages", __name__)

# The route modules attach themselves to bp; importing them here is what routes them.
from dpse.sitepages.views import admin, public  # noqa: E402

__all__ = ["admin", "bp", "public"]
