"""Notifications: follow threads, case studies, events and tags; in-app notices and emails."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
