"""Tag pages; registering this blueprint is the only wiring (routes attach below)."""

from flask import Blueprint

bp = Blueprint("tags", __name__, url_prefix="/tags")

from dpse.tags.views import tag_page  # noqa: E402 - routes attach to bp

__all__ = ["bp", "tag_page"]
