"""Forum: categories, threads and posts, also serving as comments on case studies and events."""

from flask import Blueprint

bp = Blueprint("forum", __name__, url_prefix="/forum")
