"""The demo events: Open Councils and friends, dated relative to today, loaded once."""

from __future__ import annotations

from sqlalchemy import func, select

from dpse.events.models import Event, EventFormat, EventStatus, Registration, RegistrationStatus
from dpse.extensions import db
from dpse.mixins import utcnow
from dpse.seed import load_seed


def test_seed_loads_realistic_events_once(app):
    messages: list[str] = []
    load_seed(progress=messages.append)
    events = {e.slug: e for e in db.session.scalars(select(Event)).unique()}
    assert len(events) >= 8
    assert "Open Councils" in {e.title for e in events.values()}
    now = utcnow()
    assert any(e.ends_at < now for e in events.values())
    assert any(e.starts_at > now for e in events.values())
    assert {EventFormat.ONLINE, EventFormat.IN_PERSON} <= {e.format for e in events.values()}
    zones = {e.timezone for e in events.values()}
    assert {"Europe/London", "Europe/Amsterdam", "America/Toronto", "Australia/Sydney"} <= zones
    assert any(e.status == EventStatus.CANCELLED and e.status_reason for e in events.values())
    full = [e for e in events.values() if e.is_full and e.starts_at > now]
    assert full, "one upcoming event should be full"
    waiting = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == full[0].id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
    )
    assert waiting >= 1
    assert events["open-councils"].capacity == 30
    assert "Events: " in "\n".join(messages)

    load_seed(progress=messages.append)
    assert db.session.scalar(select(func.count(Event.id))) == len(events)
    assert messages[-1] == f"Events: 0 added, {len(events)} already there"
