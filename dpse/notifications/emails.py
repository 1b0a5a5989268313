"""Notification emails: batched per person, and never more than one per thread per hour.

Notifications marked ``email_pending`` wait here. Each run gathers, for every person, those
that are due (their thread has not been in an email to them in the last hour) into one email.
The rest wait for a later run: the next post anywhere, or `dpse notifications send` from cron.

Stands beside service.py because it is a job of its own (run after a post and by the CLI),
not a use case of one person; the emails sent at once are service.notify_by_email_now.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from dpse import mail
from dpse.accounts.models import User
from dpse.extensions import db
from dpse.jobs import run_alone
from dpse.mixins import utcnow
from dpse.notifications import queries, service
from dpse.notifications.models import Notification
from dpse.urls import site_url

log = logging.getLogger(__name__)
THREAD_EMAIL_INTERVAL = timedelta(hours=1)
BATCH = 500


def _due(
    pending: list[Notification], now: datetime
) -> tuple[dict[int, list[Notification]], list[Notification]]:
    """Split pending notifications into per-person due lists, and those dropped."""
    last = queries.last_emailed((n.user_id, n.thread_id) for n in pending if n.thread_id)
    wanted = service.emailing(n.user_id for n in pending)
    due: dict[int, list[Notification]] = defaultdict(list)
    dropped = []
    for n in pending:
        if n.user_id not in wanted:
            dropped.append(n)  # email turned off since: nothing will ever send it
            continue
        sent = last.get((n.user_id, n.thread_id)) if n.thread_id else None
        if sent is None or now - sent >= THREAD_EMAIL_INTERVAL:
            due[n.user_id].append(n)
    return due, dropped


def _body(user: User, items: list[Notification]) -> str:
    site = current_app.config["SITE_NAME"]
    lines = [f"Hello {user.display_name},", ""]
    lines.append("Here is what happened on " + site + ":" if len(items) > 1 else site + ":")
    lines.append("")
    for n in items:
        lines += [f"- {n.text}", f"  {site_url(n.url)}"]
    lines += [
        "",
        "You get these emails because you turned them on. To turn them off, open",
        site_url("/notifications/settings"),
        "",
    ]
    return "\n".join(lines)


def send_due_emails(now: datetime | None = None) -> int:
    """Queue one email per person for their due notifications and commit; returns emails.
    Safe to run in several processes and on several hosts at once (dpse.jobs)."""
    with run_alone("notification-emails"):
        return _batch_due(now or utcnow())


def _batch_due(now: datetime) -> int:
    pending = list(
        db.session.scalars(
            select(Notification)
            .where(Notification.email_pending.is_(True))
            .order_by(Notification.user_id, Notification.created_at, Notification.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)  # another host's batch is left to it
        )
    )
    if not pending:
        return 0
    due, dropped = _due(pending, now)
    for n in dropped:
        n.email_pending = False
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(due))))}
    sent = 0
    for user_id, items in due.items():
        user = people.get(user_id)
        for n in items:
            n.email_pending = False
            n.emailed_at = now
        if user is None or not user.active or not user.email_verified:
            continue
        subject = (
            items[0].text
            if len(items) == 1
            else f"{len(items)} new notifications on {current_app.config['SITE_NAME']}"
        )
        mail.queue_email(user.email, subject[:300], _body(user, items))
        sent += 1
    db.session.commit()
    if sent:
        log.info("Queued %s notification email(s)", sent)
    return sent


def send_and_deliver() -> None:
    """After a post: batch what is due, then send the outbox; never fails the request."""
    try:
        send_due_emails()
    except Exception:  # email trouble must not break posting
        db.session.rollback()
        log.exception("Batching notification emails failed; they stay pending")
        return
    mail.deliver_after_commit()
