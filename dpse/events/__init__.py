"""Events: meetups and conferences, registration, waitlists and calendars."""

from flask import Blueprint

bp = Blueprint("events", __name__, url_prefix="/events")
