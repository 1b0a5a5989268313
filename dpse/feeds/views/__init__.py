"""Feeds, sitemap and robots.txt; registering this blueprint is the only wiring (routes attach
below)."""

from flask import Blueprint

from dpse.urls import absolute_url

bp = Blueprint("feeds", __name__)
# Feed links and link previews in page heads name absolute addresses (DPSE_BASE_URL).
bp.add_app_template_global(absolute_url, "absolute_url")

from dpse.feeds.views import atom_feeds, crawlers  # noqa: E402 - routes attach to bp

__all__ = ["atom_feeds", "bp", "crawlers"]
