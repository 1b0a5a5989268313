"""Demo events from seed_data/events.yaml, dated relative to today (idempotent by slug)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from dpse.accounts.models import Organisation
from dpse.accounts.service import get_user_by_email
from dpse.events import registrations, service
from dpse.events.models import Event, EventFormat, EventStatus
from dpse.events.times import local_date_plus
from dpse.extensions import db
from dpse.mixins import utcnow

Progress = Callable[[str], None]


def _details(row: dict[str, Any], organisation: Organisation | None) -> service.EventDetails:
    tz = row["timezone"]
    starts = local_date_plus(int(row["days"]), time.fromisoformat(row["start"]), tz)
    ends = datetime.combine(
        starts.date() + timedelta(days=int(row.get("end_days", 0))), time.fromisoformat(row["end"])
    )
    return service.EventDetails(
        title=row["title"],
        description=row.get("description", ""),
        starts_local=starts,
        ends_local=ends,
        timezone=tz,
        format=EventFormat(row["format"]),
        venue_name=row.get("venue_name", ""),
        venue_address=row.get("venue_address", ""),
        online_url=row.get("online_url", ""),
        capacity=row.get("capacity"),
        organisation_id=organisation.id if organisation else None,
        tags=list(row.get("tags", [])),
    )


def load_events(folder: Path, progress: Progress) -> None:
    """Create the demo events that are not there yet, with their registrations and status."""
    path = folder / "events.yaml"
    rows = (yaml.safe_load(path.read_text(encoding="utf-8")) or []) if path.exists() else []
    existing = set(db.session.scalars(select(Event.slug)))
    added = 0
    for row in rows:
        if row["slug"] in existing:
            continue
        organiser = get_user_by_email(row["organiser"])
        if organiser is None:
            progress(f"  skipped event {row['slug']}: no account {row['organiser']}")
            continue
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.slug == row.get("organisation", ""))
        )
        event = service.create_event(
            organiser, _details(row, organisation), slug=row["slug"], allow_past=True
        )
        # Past events took their registrations before they happened.
        when = min(utcnow(), event.starts_at - timedelta(days=7))
        for email in row.get("registrations", []):
            person = get_user_by_email(email)
            if person is not None:
                registrations.register_for_event(event, person, now=when)
        if row.get("status"):
            service.change_status(event, organiser, EventStatus(row["status"]), row["reason"])
        added += 1
    progress(f"Events: {added} added, {len(rows) - added} already there")
