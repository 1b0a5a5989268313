"""Attendee lists as CSV, safe to open in a spreadsheet.

Stands alone: a file format (like ical.py), kept out of the views so it is tested on its own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from dpse.events.models import Registration

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HEADER = ("Name", "Organisation", "Status", "Registered (UTC)")


def neutralise(value: str) -> str:
    """Prefix a would-be formula with an apostrophe so it is shown as text, never run."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def attendees_csv(registrations: Iterable[Registration]) -> str:
    """Name, organisation, status and registration time of each registration, one per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for registration in registrations:
        person = registration.user
        organisation = person.verified_organisation.name if person.verified_organisation else ""
        writer.writerow(
            [
                neutralise(person.display_name),
                neutralise(organisation),
                registration.status.label,
                registration.created_at.strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return out.getvalue()
