"""Retention, run by `dpse maintenance` (cron): accounts never confirmed are deleted after
UNCONFIRMED_ACCOUNT_DAYS, the bodies of sent emails cleared after SENT_EMAIL_DAYS (their
recipient, subject and time stay, the record that something was sent), and data exports past
their DATA_EXPORT_DAYS deleted."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from dpse.accounts import deletion, export
from dpse.accounts.models import User
from dpse.extensions import db
from dpse.jobs import run_alone
from dpse.locking import lock_row
from dpse.mail import OutboxEmail
from dpse.mixins import utcnow

log = logging.getLogger(__name__)
CLEARED = "(Body deleted after the retention period.)"


@dataclass(frozen=True)
class MaintenanceReport:
    """What one maintenance run did."""

    exports_built: int
    exports_expired: int
    accounts_deleted: int
    email_bodies_cleared: int

    def summary(self) -> str:
        return (
            f"Built {self.exports_built} data export(s), expired {self.exports_expired}; "
            f"deleted {self.accounts_deleted} unconfirmed account(s); "
            f"cleared {self.email_bodies_cleared} sent email body(ies)"
        )


def delete_unconfirmed_accounts(now: datetime | None = None) -> int:
    """Delete accounts whose address was never confirmed within the period; returns how many."""
    days = current_app.config["UNCONFIRMED_ACCOUNT_DAYS"]
    cutoff = (now or utcnow()) - timedelta(days=days)
    due = db.session.scalars(
        select(User.id).where(
            User.email_verified_at.is_(None),
            User.deleted_at.is_(None),
            User.created_at < cutoff,
        )
    ).all()
    deleted = 0
    for user_id in due:
        lock_row(User.id, user_id)  # another host's run, or the owner confirming, waits
        user = db.session.get(User, user_id, populate_existing=True)
        if user is None or user.email_verified or user.is_deleted:
            db.session.rollback()  # confirmed (or deleted elsewhere) since we looked
            continue
        deletion.delete_unconfirmed(user)
        db.session.commit()
        deleted += 1
    if deleted:
        log.info("%s unconfirmed account(s) deleted after %s days", deleted, days)
    return deleted


def clear_sent_email_bodies(now: datetime | None = None) -> int:
    """Empty the bodies of emails sent before the period; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["SENT_EMAIL_DAYS"])
    result = db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.sent_at < cutoff, OutboxEmail.body != CLEARED)
        .values(body=CLEARED)
    )
    db.session.commit()
    return result.rowcount or 0  # type: ignore[attr-defined]


def run_maintenance(now: datetime | None = None) -> MaintenanceReport:
    """Everything retention asks for, once (safe to run on several hosts: dpse.jobs)."""
    built = export.build_pending(limit=1000)
    with run_alone("maintenance"):
        return MaintenanceReport(
            exports_built=built,
            exports_expired=export.expire_exports(now),
            accounts_deleted=delete_unconfirmed_accounts(now),
            email_bodies_cleared=clear_sent_email_bodies(now),
        )
