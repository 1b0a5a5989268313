"""Event test helpers: event details relative to now, accounts and queued emails."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from dpse.accounts import service as accounts
from dpse.accounts.models import User
from dpse.accounts.roles import Role
from dpse.events import service
from dpse.events.models import EventFormat
from dpse.events.times import is_timezone, local_date_plus
from dpse.extensions import db
from dpse.mail import OutboxEmail
from tests.conftest import PASSWORD


def details(**overrides: Any) -> service.EventDetails:
    """A valid in-person event in 30 days, 10:00–16:00 London time, unless overridden."""
    tz = overrides.pop("timezone", "Europe/London")
    days = overrides.pop("days", 30)
    starts = local_date_plus(days, time(10, 0), tz if is_timezone(tz) else "Europe/London")
    values: dict[str, Any] = {
        "title": "Open Councils",
        "description": "Council web teams **show and tell**.",
        "starts_local": starts,
        "ends_local": starts.replace(hour=16),
        "timezone": tz,
        "format": EventFormat.IN_PERSON,
        "venue_name": "Northvale Civic Centre",
        "venue_address": "1 Market Square\nNorthvale",
        "capacity": 30,
        "tags": ["LocalGov Drupal", "Accessibility"],
    }
    values.update(overrides)
    return service.EventDetails(**values)


def emails_to(address: str) -> list[OutboxEmail]:
    """Everything queued for one recipient, oldest first."""
    return list(
        db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.recipient == address).order_by(OutboxEmail.id)
        )
    )


def new_user(email: str, role: Role = Role.MEMBER) -> User:
    """One more verified account through the real service."""
    return accounts.create_user(email, email.split("@")[0].title(), PASSWORD, role, verified=True)


def soon(hours: float) -> datetime:
    """Now plus some hours, in UTC."""
    return datetime.now(UTC) + timedelta(hours=hours)
