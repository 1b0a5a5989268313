"""`dpse maintenance`: deletes only what is due (unconfirmed accounts, sent emails' bodies,
expired data exports), and says what it did in one line."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dpse.accounts import service
from dpse.accounts.models import User
from dpse.accounts.retention import CLEARED, run_maintenance
from dpse.cli import cli
from dpse.extensions import db
from dpse.mail import OutboxEmail
from dpse.mixins import utcnow
from tests.conftest import PASSWORD


def _aged(user: User, days: int) -> None:
    user.created_at = utcnow() - timedelta(days=days)
    db.session.commit()


def test_only_accounts_never_confirmed_for_30_days_are_deleted(users):
    old = service.create_user("old@testshire.gov.uk", "Old Unconfirmed", PASSWORD)
    recent = service.create_user("recent@testshire.gov.uk", "Recent Unconfirmed", PASSWORD)
    confirmed = users["member"]
    _aged(old, 31)
    _aged(recent, 29)
    _aged(confirmed, 400)
    report = run_maintenance()
    assert report.accounts_deleted == 1
    assert db.session.get(User, old.id).is_deleted
    assert not db.session.get(User, recent.id).is_deleted
    assert not db.session.get(User, confirmed.id).is_deleted
    assert run_maintenance().accounts_deleted == 0  # already done


def test_only_bodies_of_emails_sent_over_30_days_ago_are_cleared(app):
    now = utcnow()
    old = OutboxEmail(
        recipient="a@x.example", subject="Old", body="secret link", sent_at=now - timedelta(days=31)
    )
    new = OutboxEmail(
        recipient="b@x.example", subject="New", body="fresh link", sent_at=now - timedelta(days=1)
    )
    waiting = OutboxEmail(recipient="c@x.example", subject="Waiting", body="not sent", attempts=5)
    db.session.add_all([old, new, waiting])
    db.session.commit()
    assert run_maintenance().email_bodies_cleared == 1
    bodies = dict(db.session.execute(select(OutboxEmail.subject, OutboxEmail.body)).all())
    assert bodies == {"Old": CLEARED, "New": "fresh link", "Waiting": "not sent"}


def test_the_periods_are_configuration(app):
    app.config["SENT_EMAIL_DAYS"] = 2
    db.session.add(
        OutboxEmail(
            recipient="a@x.example", subject="S", body="b", sent_at=utcnow() - timedelta(days=3)
        )
    )
    db.session.commit()
    assert run_maintenance().email_bodies_cleared == 1


def test_the_command_says_what_it_did_in_one_line(app, users):
    result = app.test_cli_runner().invoke(cli, ["maintenance"])
    assert result.exit_code == 0, result.output
    retention = result.output.splitlines()[0]  # one line for what retention did
    assert retention.startswith("Built 0 data export(s), expired 0;")
    assert "deleted 0 unconfirmed account(s)" in retention
