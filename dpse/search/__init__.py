"""Search: one Whoosh index over case studies, events and discussions."""

from flask import Blueprint

bp = Blueprint("search", __name__)
