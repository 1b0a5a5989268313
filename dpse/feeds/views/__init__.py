"""Feeds, sitemap and robots.txt; registering this blueprint is the only wiring (routes attach
below)."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)

from dpse.feeds.views import atom_feeds, crawlers  # noqa: E402 - routes attach to bp

__all__ = ["atom_feeds", "bp", "crawlers"]
