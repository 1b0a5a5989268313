"""Email outbox: messages are queued in the same transaction as the change that causes them,
then delivered after commit by SMTP (``DPSE_SMTP_URL``) or written to the log in development."""

from __future__ import annotations

import contextlib
import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from functools import partial
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask, after_this_request, current_app, g, has_request_context
from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.wrappers import Response

from dpse.extensions import db
from dpse.jobs import run_alone
from dpse.mixins import TimestampMixin, UTCDateTime, utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


class OutboxEmail(TimestampMixin, db.Model):
    """One email waiting to be sent (or sent, kept for the record)."""

    __tablename__ = "email_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<OutboxEmail {self.id} to {self.recipient}>"


def queue_email(recipient: str, subject: str, body: str) -> OutboxEmail:
    """Add a message to the outbox in the caller's transaction (the caller commits)."""
    message = OutboxEmail(recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    return message


class SMTPSettings:
    """Parsed ``smtp://user:pass@host:port?starttls=1`` or ``smtps://…``."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("DPSE_SMTP_URL must look like smtp://host:port or smtps://host:port")
        self.ssl = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.ssl else 25)
        self.username = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        query = parse_qs(parts.query)
        self.starttls = query.get("starttls", ["0"])[0] in ("1", "true", "yes")
        self.timeout = float(query.get("timeout", ["10"])[0])

    def connect(self) -> smtplib.SMTP:
        cls = smtplib.SMTP_SSL if self.ssl else smtplib.SMTP
        conn = cls(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            conn.starttls()
        if self.username:
            conn.login(self.username, self.password)
        return conn


def _as_email(message: OutboxEmail, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    return email


def deliver_pending(limit: int = 100) -> int:
    """Send what is waiting in the outbox; failures stay queued for a later retry. Returns sent.

    Safe to run in several processes and on several hosts at once (dpse.jobs)."""
    with run_alone("mail"):
        return _deliver_batch(limit)


def _deliver_batch(limit: int) -> int:
    stmt = (
        select(OutboxEmail)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS)
        .order_by(OutboxEmail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # another worker's batch is left to it (PostgreSQL)
    )
    pending = db.session.scalars(stmt).all()
    if not pending:
        db.session.rollback()
        return 0
    url = current_app.config["SMTP_URL"]
    sender = current_app.config["MAIL_FROM"]
    sent = 0
    conn: smtplib.SMTP | None = None
    try:
        for message in pending:
            message.attempts += 1
            try:
                if url:
                    if conn is None:
                        conn = SMTPSettings(url).connect()
                    conn.send_message(_as_email(message, sender))
                else:
                    log.info(
                        "Email (not sent, no DPSE_SMTP_URL) to %s\nSubject: %s\n\n%s",
                        message.recipient,
                        message.subject,
                        message.body,
                        # Outside production the developer opens the links from this log;
                        # in production their tokens are redacted like everywhere else.
                        extra={"keep_secrets": current_app.config["DPSE_ENV"] != "production"},
                    )
            except (OSError, smtplib.SMTPException, ValueError) as exc:
                message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
                log.warning("Email %s to %s not sent: %s", message.id, message.recipient, exc)
                conn = None
                continue
            message.sent_at = utcnow()
            message.last_error = ""
            sent += 1
    finally:
        if conn is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                conn.quit()
        db.session.commit()
    return sent


def deliver_after_commit() -> None:
    """Best-effort delivery right after a request's commit; never fails the request."""
    try:
        deliver_pending()
    except Exception:  # a broken mail setup must not break registering or resetting
        db.session.rollback()
        log.exception("Delivering the email outbox failed; messages stay queued")


def deliver_after_response() -> None:
    """Deliver what the committed transaction queued once the response has been sent, so the
    time a request takes does not depend on whether it emailed anyone (say, whether an address
    has an account); at once when there is no request (CLI, tests of services)."""
    if not has_request_context():
        deliver_after_commit()
        return
    if g.get("dpse_mail_after_response"):
        return
    g.dpse_mail_after_response = True
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    @after_this_request
    def schedule(response: Response) -> Response:
        response.call_on_close(partial(_deliver_in_app, app))
        return response


def _deliver_in_app(app: Flask) -> None:
    with app.app_context():
        deliver_after_commit()
