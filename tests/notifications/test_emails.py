"""Notification emails: only by choice, batched, at most one per thread per hour."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select

from dpse.cli import cli
from dpse.extensions import db
from dpse.forum import service as forum
from dpse.mail import OutboxEmail
from dpse.mixins import utcnow
from dpse.notifications import queries, service
from dpse.notifications.emails import send_due_emails
from dpse.notifications.models import Notification
from tests.forum.factories import make_thread


def _emails(to: str) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.recipient == to).order_by(OutboxEmail.id)
        )
    )


def test_no_emails_unless_the_person_asks(users):
    thread = make_thread(users["member"])
    forum.reply(users["supplier"], thread, "Hello")
    assert _emails("member@testshire.gov.uk") == []
    assert db.session.scalars(select(Notification)).one().email_pending is False


def test_one_email_per_thread_per_hour_and_the_rest_batched_later(users, smtp_server):
    member, supplier = users["member"], users["supplier"]
    service.set_email_enabled(member, True)
    thread = make_thread(member, title="Solr synonyms")
    other = make_thread(member, title="Matomo sizing")

    forum.reply(supplier, thread, "First reply")
    (first,) = _emails(member.email)
    assert first.sent_at is not None  # delivered after the commit, over real SMTP
    assert first.subject == "Supplier Person replied in “Solr synonyms”"
    assert "/forum/p/" in first.body and "/notifications/settings" in first.body
    assert len(smtp_server.messages) == 1

    forum.reply(supplier, thread, "Second reply")
    forum.reply(supplier, thread, "Third reply")
    assert len(_emails(member.email)) == 1  # the thread was emailed less than an hour ago
    forum.reply(supplier, other, "Another thread")
    assert len(_emails(member.email)) == 2  # a different thread is not held back

    assert send_due_emails(utcnow() + timedelta(minutes=59)) == 0
    assert send_due_emails(utcnow() + timedelta(minutes=61)) == 1
    batch = _emails(member.email)[-1]
    assert batch.subject.startswith("2 new notifications")
    assert batch.body.count("replied in “Solr synonyms”") == 2
    pending = db.session.scalars(select(Notification).where(Notification.email_pending)).all()
    assert pending == []


def test_turning_emails_off_drops_what_was_waiting(users):
    member, supplier = users["member"], users["supplier"]
    service.set_email_enabled(member, True)
    thread = make_thread(member)
    forum.reply(supplier, thread, "One")
    forum.reply(supplier, thread, "Two")
    assert len(_emails(member.email)) == 1
    service.set_email_enabled(member, False)
    assert send_due_emails(utcnow() + timedelta(hours=2)) == 0
    assert len(_emails(member.email)) == 1


def test_unverified_addresses_get_no_email(users):
    member = users["member"]
    member.email_verified_at = None
    service.set_email_enabled(member, True)
    forum.reply(users["supplier"], make_thread(member), "Hello")
    assert _emails(member.email) == []


def test_cli_sends_what_is_due(app, users):
    member, supplier = users["member"], users["supplier"]
    service.set_email_enabled(member, True)
    thread = make_thread(member)
    forum.reply(supplier, thread, "One")
    forum.reply(supplier, thread, "Two")
    waiting = db.session.scalars(select(Notification).where(Notification.email_pending)).one()
    emailed = db.session.scalars(select(Notification).where(Notification.emailed_at.is_not(None)))
    for n in emailed:  # as if the first email went out over an hour ago
        n.emailed_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    result = CliRunner().invoke(cli, ["notifications", "send"])
    assert result.exit_code == 0, result.output
    assert "Batched 1 notification email(s)" in result.output
    assert waiting.email_pending is False and len(_emails(member.email)) == 2


def test_news_that_must_arrive_is_emailed_at_once_and_never_batched_again(users):
    """notify_by_email_now: in-app plus an email now, whatever the setting (off by default)."""
    member = users["member"]
    assert not queries.email_enabled(member)
    notification = service.notify_by_email_now(
        member, "event", "Cancelled: Forms clinic", "/events/forms-clinic", "It is off."
    )
    db.session.commit()
    assert notification is not None and notification.unread
    assert notification.emailed_at is not None and not notification.email_pending
    (email,) = _emails(member.email)
    assert email.subject == "Cancelled: Forms clinic"
    assert email.body == f"Hello {member.display_name},\n\nIt is off.\n"
    service.set_email_enabled(member, True)
    assert send_due_emails() == 0  # already emailed: the batch does not repeat it
    assert len(_emails(member.email)) == 1


def test_nobody_inactive_is_told(users):
    member = users["member"]
    member.active = False
    db.session.commit()
    assert service.notify_by_email_now(member, "event", "Subject", "/events/x", "Body") is None
    db.session.commit()
    assert _emails(member.email) == []
