"""Saved-search pages; registering this blueprint is the only wiring (routes attach below)."""

from flask import Blueprint

bp = Blueprint("saved_searches", __name__)

from dpse.saved_searches.views import searches  # noqa: E402 - routes attach to bp

__all__ = ["bp", "searches"]
