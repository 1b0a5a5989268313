"""The notifications blueprint; importing this package attaches every notifications route."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

# Route modules attach to bp, so they come after it.
from dpse.notifications.views import following, inbox  # noqa: E402

__all__ = ["bp", "following", "inbox"]
