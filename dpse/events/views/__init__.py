"""The events blueprint; importing this package attaches every events route to it."""

from flask import Blueprint

# No url_prefix: the routes spell out /events…, because /events.ics sits beside /events/<slug>.
bp = Blueprint("events", __name__)

# Route modules attach to bp, so they come after it.
from dpse.events.views import calendars, organiser, public  # noqa: E402

__all__ = ["bp", "calendars", "organiser", "public"]
