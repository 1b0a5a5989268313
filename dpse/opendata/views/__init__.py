"""The /open-data page and its download; registering this blueprint is the only wiring."""

from flask import Blueprint

bp = Blueprint("opendata", __name__)

from dpse.opendata.views import pages  # noqa: E402 - routes attach to bp

__all__ = ["bp", "pages"]
