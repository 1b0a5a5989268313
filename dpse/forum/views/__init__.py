"""Forum pages: reading (browse), writing (posting), and the admins' categories page.

Registering this blueprint is the only wiring: every route module is imported below.
"""

from flask import Blueprint

bp = Blueprint("forum", __name__, url_prefix="/forum")

from dpse.forum.views import browse, categories, posting  # noqa: E402 - routes attach to bp

__all__ = ["bp", "browse", "categories", "posting"]
