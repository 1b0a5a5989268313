"""A person's follows, notifications and email preference in their data export; deleted with
their account (the "account.export" and "account.erase" extension points of dpse.accounts)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import delete, select

from dpse.accounts.export import JsonFile, row_dict
from dpse.accounts.models import User
from dpse.extensions import db
from dpse.notifications.models import Notification, NotificationPreference, Subscription

MODELS = (Subscription, Notification, NotificationPreference)


def export_notifications(user: User) -> Iterator[JsonFile]:
    """What the person follows, the notifications they were sent, their email preference."""
    for model, name in zip(
        MODELS, ("follows", "notifications", "notification_preferences"), strict=True
    ):
        rows = db.session.scalars(select(model).where(model.user_id == user.id))
        yield JsonFile(f"{name}.json", (row_dict(r) for r in rows))


def erase_notifications(user: User, _remove: bool) -> None:
    """Follows, notifications and the preference always go."""
    for model in MODELS:
        db.session.execute(delete(model).where(model.user_id == user.id))
