"""The search blueprint; importing this package attaches every search route."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from dpse.search.views import search_page  # noqa: E402, F401 - attaches the routes
