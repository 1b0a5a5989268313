"""Event pages, split by who uses them; importing this package attaches their routes."""

from dpse.events.views import calendars, organiser, public

__all__ = ["calendars", "organiser", "public"]
