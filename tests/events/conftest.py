"""Event test helpers: event details relative to now, and a factory calling the service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dpse.accounts import service as accounts
from dpse.accounts.models import User
from dpse.accounts.roles import Role
from dpse.events import service
from dpse.events.models import Event, EventFormat
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


@pytest.fixture
def make_event(users: dict[str, User]) -> Callable[..., Event]:
    """make_event(organiser=None, slug=None, **details) -> a saved event (organiser by default)."""

    def make(organiser: User | None = None, slug: str | None = None, **overrides: Any) -> Event:
        past = overrides.pop("allow_past", False)
        return service.create_event(
            organiser or users["organiser"], details(**overrides), slug=slug, allow_past=past
        )

    return make


@pytest.fixture
def make_people(organisations: dict) -> Callable[..., list[User]]:
    """make_people(n) -> n verified members, inserted in one go (fast)."""

    def make(n: int, prefix: str = "person") -> list[User]:
        people = [
            User(
                email=f"{prefix}{i}@testshire.gov.uk",
                display_name=f"Person {i:02d}",
                password_hash="x",
                role=Role.MEMBER,
                organisation=organisations["council"],
                email_verified_at=datetime.now(UTC),
            )
            for i in range(n)
        ]
        db.session.add_all(people)
        db.session.commit()
        return people

    return make


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
