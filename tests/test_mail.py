"""The email outbox against a real SMTP server on loopback."""

from __future__ import annotations

from sqlalchemy import select

from dpse import mail
from dpse.extensions import db
from tests.conftest import free_port


def test_queued_mail_is_delivered_by_smtp(smtp_server):
    mail.queue_email("ann@testshire.gov.uk", "Hello", "Body text\nwith two lines")
    db.session.commit()
    assert mail.deliver_pending() == 1
    (received,) = smtp_server.messages
    assert received["to"] == ["ann@testshire.gov.uk"]
    assert "Subject: Hello" in received["data"]
    assert "Body text" in received["data"]
    row = db.session.scalars(select(mail.OutboxEmail)).one()
    assert row.sent_at is not None and row.attempts == 1 and row.last_error == ""
    assert mail.deliver_pending() == 0  # nothing is sent twice
    assert len(smtp_server.messages) == 1


def test_unreachable_server_keeps_the_message_for_a_retry(app, smtp_server):
    working = app.config["SMTP_URL"]
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}?timeout=2"
    mail.queue_email("ann@testshire.gov.uk", "Later", "body")
    db.session.commit()
    assert mail.deliver_pending() == 0
    row = db.session.scalars(select(mail.OutboxEmail)).one()
    assert row.sent_at is None and row.attempts == 1 and row.last_error
    app.config["SMTP_URL"] = working
    assert mail.deliver_pending() == 1
    assert [m["to"] for m in smtp_server.messages] == [["ann@testshire.gov.uk"]]


def test_gives_up_after_max_attempts(app):
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}?timeout=1"
    try:
        mail.queue_email("ann@testshire.gov.uk", "Never", "body")
        db.session.commit()
        for _ in range(mail.MAX_ATTEMPTS + 2):
            mail.deliver_pending()
    finally:
        app.config["SMTP_URL"] = ""
    row = db.session.scalars(select(mail.OutboxEmail)).one()
    assert row.attempts == mail.MAX_ATTEMPTS


def test_without_smtp_url_mail_is_logged(app, caplog):
    caplog.set_level("INFO", logger="dpse.mail")
    mail.queue_email("ann@testshire.gov.uk", "Logged", "the body")
    db.session.commit()
    assert mail.deliver_pending() == 1
    assert "Subject: Logged" in caplog.text and "the body" in caplog.text


def test_registration_sends_the_verification_email_by_smtp(client, smtp_server):
    from tests.conftest import post_form

    response = post_form(
        client,
        "/register",
        {
            "email": "new@testshire.gov.uk",
            "display_name": "New Person",
            "new_organisation": "Testshire Council",
            "new_organisation_kind": "council",
            "password": "long enough password",
            "confirm": "long enough password",
        },
    )
    assert response.status_code == 200
    response.close()  # sending waits until the response has been sent
    (received,) = smtp_server.messages
    assert received["to"] == ["new@testshire.gov.uk"]
    assert "/verify-email/" in received["data"]


def test_smtp_url_parsing():
    s = mail.SMTPSettings("smtps://user%40x:p%2Fw@mail.example:2465?timeout=3")
    assert (s.host, s.port, s.ssl, s.username, s.password, s.timeout) == (
        "mail.example",
        2465,
        True,
        "user@x",
        "p/w",
        3.0,
    )
    assert mail.SMTPSettings("smtp://mail.example?starttls=1").starttls
