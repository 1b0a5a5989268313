"""Moderation: one queue for case-study reviews (and, with the forum, flags and an audit log)."""

from flask import Blueprint

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
