"""Events: meetups and conferences, registration, waitlists and calendars."""

from flask import Blueprint

# No url_prefix: the routes spell out /events…, because /events.ics sits beside /events/<slug>.
bp = Blueprint("events", __name__)
