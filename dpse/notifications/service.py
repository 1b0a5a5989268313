"""Following and notifying: subscriptions, in-app notifications and email preferences.

`notify`, `notify_moderators`, `notify_by_email_now`, `add_subscription` and `withdraw` work
inside the caller's transaction (the caller commits, then calls `send_emails_now`); `follow`,
`unfollow`, `mark_read` and `set_email_enabled` are use cases of their own and commit. This
is the one way any domain tells someone something: no other domain sends email itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from dpse import mail
from dpse.accounts.models import User
from dpse.extensions import db
from dpse.locking import lock_row
from dpse.mixins import utcnow
from dpse.notifications import queries
from dpse.notifications.models import (
    Notification,
    NotificationPreference,
    Subscription,
    TargetType,
)

log = logging.getLogger(__name__)


def is_following(user: User | Any, target_type: TargetType, target_id: int) -> bool:
    """Whether this person follows the target (False for visitors)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        db.session.scalar(
            select(Subscription.id).where(
                Subscription.user_id == user.id,
                Subscription.target_type == target_type,
                Subscription.target_id == target_id,
            )
        )
        is not None
    )


def add_subscription(user_id: int, target_type: TargetType, target_id: int) -> bool:
    """Follow within the caller's transaction; False if already following."""
    exists = db.session.scalar(
        select(Subscription.id).where(
            Subscription.user_id == user_id,
            Subscription.target_type == target_type,
            Subscription.target_id == target_id,
        )
    )
    if exists is not None:
        return False
    db.session.add(Subscription(user_id=user_id, target_type=target_type, target_id=target_id))
    return True


def follow(user: User, target_type: TargetType, target_id: int) -> bool:
    """Follow a thread, case study, event or tag; False if already following."""
    added = add_subscription(user.id, target_type, target_id)
    try:
        db.session.commit()
    except IntegrityError:  # the same follow from two tabs at once
        db.session.rollback()
        return False
    if added:
        log.info("%r follows %s %s", user, target_type.value, target_id)
    return added


def unfollow(user: User, target_type: TargetType, target_id: int) -> bool:
    """Stop following; False if the person was not following."""
    result = db.session.execute(
        delete(Subscription).where(
            Subscription.user_id == user.id,
            Subscription.target_type == target_type,
            Subscription.target_id == target_id,
        )
    )
    db.session.commit()
    removed = bool(getattr(result, "rowcount", 0))
    if removed:
        log.info("%r unfollowed %s %s", user, target_type.value, target_id)
    return removed


def followers_of(*targets: tuple[TargetType, int]) -> list[User]:
    """Active people following any of the targets, each once."""
    if not targets:
        return []
    following = select(Subscription.user_id).where(
        or_(
            *(
                (Subscription.target_type == target_type) & (Subscription.target_id == target_id)
                for target_type, target_id in targets
            )
        )
    )
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(following), User.active.is_(True)).order_by(User.id)
        )
    )


def set_email_enabled(user: User, enabled: bool) -> None:
    """Turn notification emails on or off; turning them off drops what was waiting."""
    lock_row(User.id, user.id)  # a double click must not insert the preference twice
    pref = db.session.get(NotificationPreference, user.id, populate_existing=True)
    if pref is None:
        pref = NotificationPreference(user_id=user.id)
        db.session.add(pref)
    pref.email_enabled = enabled
    if not enabled:
        db.session.execute(
            update(Notification)
            .where(Notification.user_id == user.id, Notification.email_pending.is_(True))
            .values(email_pending=False)
        )
    db.session.commit()
    log.info("%r turned notification emails %s", user, "on" if enabled else "off")


def emailing(user_ids: Iterable[int]) -> set[int]:
    """Which of these people want notification emails (one query)."""
    ids = list(set(user_ids))
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(NotificationPreference.user_id).where(
                NotificationPreference.user_id.in_(ids),
                NotificationPreference.email_enabled.is_(True),
            )
        )
    )


def already_notified(source: str) -> set[int]:
    """People who already have a notification from this source."""
    return set(
        db.session.scalars(select(Notification.user_id).where(Notification.source == source))
    )


def notify(
    user: User,
    kind: str,
    text: str,
    url: str,
    *,
    source: str | None = None,
    thread_id: int | None = None,
    email: bool | None = None,
    when: datetime | None = None,
) -> Notification | None:
    """Add one notification in the caller's transaction; None if the person is inactive.

    ``source`` (e.g. "post:42") makes it one per person per source; ``email`` (looked up when
    None) marks it for the next batch of notification emails; ``when`` dates imported content.
    """
    if not user.active:
        return None
    if email is None:
        email = queries.email_enabled(user)
    notification = Notification(
        user_id=user.id,
        kind=kind,
        text=text[: Notification.TEXT_MAX],
        url=url[: Notification.URL_MAX],
        source=source,
        thread_id=thread_id,
        email_pending=bool(email and user.email_verified),
        created_at=when or utcnow(),
    )
    db.session.add(notification)
    return notification


def notify_moderators(kind: str, text: str, url: str, source: str, actor: User) -> int:
    """Tell every active moderator and admin but the actor that something waits for them (no
    commit): once each per ``source``, by email too in the batches of those who want emails.
    Returns how many were told."""
    told = already_notified(source)
    people = [p for p in queries.moderators() if p.id != actor.id and p.id not in told]
    wanting_email = emailing(p.id for p in people)
    for person in people:
        notify(person, kind, text, url, source=source, email=person.id in wanting_email)
    return len(people)


def notify_by_email_now(
    user: User, kind: str, subject: str, url: str, body: str, *, footer: str = ""
) -> Notification | None:
    """Notify in-app and email the person now, whatever their email setting; None if inactive.

    For news that must arrive (a place from the waitlist, a cancelled event, a case study
    returned): the email is queued in the caller's transaction and goes out after its commit
    (`send_emails_now`), and the notification is marked emailed so no batch repeats it.
    """
    notification = notify(user, kind, subject, url, email=False)
    if notification is None:
        return None
    notification.emailed_at = notification.created_at
    text = f"Hello {user.display_name},\n\n{body}\n" + (f"\n{footer}\n" if footer else "")
    mail.queue_email(user.email, subject[:300], text)
    return notification


def send_emails_now() -> None:
    """After the caller's commit: send what `notify_by_email_now` queued (never raises)."""
    mail.deliver_after_commit()


def withdraw(source: str, *, prefix: bool = False) -> int:
    """Delete the notifications a source caused (e.g. a post now hidden, a flag handled: the
    moderators' "waiting" notes go once nothing waits); with ``prefix``, every source starting
    with it. Returns how many."""
    if prefix:
        escaped = source.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        condition = Notification.source.like(escaped + "%", escape="\\")
    else:
        condition = Notification.source == source
    result = db.session.execute(delete(Notification).where(condition))
    return int(getattr(result, "rowcount", 0) or 0)


def open_notification(user: User, notification_id: int) -> Notification | None:
    """Mark one of the person's notifications read and return it (None if not theirs)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        return None
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def mark_all_read(user: User, up_to_id: int | None = None) -> int:
    """Mark the person's unread notifications read (those shown: up to ``up_to_id``)."""
    stmt = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if up_to_id is not None:
        stmt = stmt.where(Notification.id <= up_to_id)
    result = db.session.execute(stmt.values(read_at=utcnow()))
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
