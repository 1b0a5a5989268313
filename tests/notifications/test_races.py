"""A double-clicked notification-preferences form stores one preference, never an error."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from dpse.accounts.models import User
from dpse.extensions import db
from dpse.notifications import queries, service
from dpse.notifications.models import NotificationPreference
from tests.concurrency import DUPLICATES, at_once


def test_a_double_clicked_preference_is_stored_once(app: Flask, users):
    member_id = users["member"].id

    def turn_on() -> None:
        service.set_email_enabled(db.session.get(User, member_id), True)

    _, errors = at_once(app, [turn_on] * DUPLICATES)
    assert errors == []
    rows = select(func.count()).select_from(NotificationPreference)
    assert db.session.scalar(rows) == 1
    assert queries.email_enabled(db.session.get(User, member_id)) is True
