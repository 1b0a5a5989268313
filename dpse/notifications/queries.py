"""Notification reads: a person's notifications, what they follow, their email setting, the
counts in their header, who the moderators are, and what can be followed. Each domain
provides, in create_app, how to find its followable objects' titles and addresses; this module
imports none of them (dpse.registry).

A resolver takes ids and the reader and returns the followable ones (those the reader may
see); a new kind of thing plugs in with one `register_follow_target` call in create_app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, g
from sqlalchemy import func, select, tuple_

from dpse.accounts.models import User
from dpse.accounts.roles import Role
from dpse.database import read_values
from dpse.extensions import db
from dpse.notifications.models import (
    Notification,
    NotificationPreference,
    Subscription,
    TargetType,
)
from dpse.registry import provide, providers

FOLLOW_TARGETS = "notifications.follow_targets"
DISCUSSIONS = "notifications.discussions"
HEADER_COUNTS = "notifications.header_counts"


@dataclass(frozen=True)
class FollowTarget:
    """Something a person follows, as lists and buttons show it."""

    type: TargetType
    id: int
    title: str
    url: str


Resolver = Callable[[list[int], Any], dict[int, FollowTarget]]
# (target type, target id) -> the id of the thread holding its comments, if it has one yet.
DiscussionLookup = Callable[[TargetType, int], int | None]
# The signed-in person -> {name: a scalar subquery counting what waits for them}.
HeaderCount = Callable[[Any], dict[str, Any]]


def register_follow_target(app: Flask, target_type: TargetType, resolver: Resolver) -> None:
    """Make a type followable (in create_app): the resolver finds its objects."""
    provide(app, f"{FOLLOW_TARGETS}.{target_type.value}", resolver)


def register_discussions(app: Flask, lookup: DiscussionLookup) -> None:
    """Tell notifications where the comments on a case study or event live (in create_app)."""
    provide(app, DISCUSSIONS, lookup)


def _resolver(target_type: TargetType) -> Resolver | None:
    found = providers(f"{FOLLOW_TARGETS}.{target_type.value}")
    return found[0] if found else None


def resolve(target_type: TargetType, target_id: int, user: Any) -> FollowTarget | None:
    """The target if it exists and the person may see it, else None."""
    resolver = _resolver(target_type)
    return resolver([target_id], user).get(target_id) if resolver else None


def discussion_thread_id(target_type: TargetType, target_id: int) -> int | None:
    """The thread of comments on a followed thing, if any (None without a provider)."""
    for lookup in providers(DISCUSSIONS):
        found = lookup(target_type, target_id)
        if found is not None:
            return found
    return None


def describe(subscriptions: list[Subscription], user: Any) -> list[FollowTarget]:
    """Titles and addresses for a person's subscriptions (one query per type)."""
    wanted: dict[TargetType, list[int]] = {}
    for sub in subscriptions:
        wanted.setdefault(sub.target_type, []).append(sub.target_id)
    found: dict[tuple[TargetType, int], FollowTarget] = {}
    for target_type, ids in wanted.items():
        resolver = _resolver(target_type)
        if resolver is not None:
            for target_id, target in resolver(ids, user).items():
                found[(target_type, target_id)] = target
    return [
        found[(s.target_type, s.target_id)]
        for s in subscriptions
        if (s.target_type, s.target_id) in found
    ]


def subscriptions(user: User) -> list[Subscription]:
    """Everything a person follows, newest first."""
    return list(
        db.session.scalars(
            select(Subscription)
            .where(Subscription.user_id == user.id)
            .order_by(Subscription.created_at.desc(), Subscription.id.desc())
        )
    )


def email_enabled(user: User) -> bool:
    """Whether the person asked for notification emails (off unless they turned it on)."""
    pref = db.session.get(NotificationPreference, user.id)
    return bool(pref and pref.email_enabled)


def register_header_count(app: Flask, count: HeaderCount) -> None:
    """Add counts to the signed-in person's header (in create_app): ``count(user)`` gives
    {name: scalar subquery} for that person, or {} when nothing applies to them."""
    provide(app, HEADER_COUNTS, count)


def header_count_columns(user: User | Any) -> dict[str, Any]:
    """The header's counts for this person as {name: scalar subquery}: "notifications"
    (unread) and whatever other domains register (the moderation queue)."""
    counts: dict[str, Any] = {
        "notifications": select(func.count(Notification.id))
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .scalar_subquery()
    }
    for count in providers(HEADER_COUNTS):
        counts.update(count(user))
    return counts


def keep_header_counts(values: dict[str, Any]) -> None:
    """Remember the header's counts for the rest of the request (the shared page cache reads
    them in its own statement: pagecache.READER_READS)."""
    g._dpse_header_counts = {name: int(value or 0) for name, value in values.items()}


def header_counts(user: User | Any) -> dict[str, int]:
    """The numbers in the signed-in person's header, in one statement once per request."""
    if not getattr(user, "is_authenticated", False):
        return {}
    if g.get("_dpse_header_counts") is None:
        keep_header_counts(read_values(header_count_columns(user)))
    return g._dpse_header_counts


def unread_count(user: User | Any) -> int:
    """Unread notifications of the signed-in person, counted once per request."""
    return header_counts(user).get("notifications", 0)


# The roles dpse.permissions.can_moderate lets in (a test keeps the two in step).
MODERATING_ROLES = (Role.MODERATOR, Role.ADMIN)


def moderators() -> list[User]:
    """Active moderators and admins: the people told what waits in the moderation queue."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_(MODERATING_ROLES), User.active.is_(True))
            .order_by(User.id)
        )
    )


def notifications_page(user: User, page: int, per_page: int) -> Any:
    """A page of a person's notifications, newest first (a Flask-SQLAlchemy Pagination)."""
    return db.paginate(
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        page=min(max(page, 1), 100_000),
        per_page=per_page,
        error_out=False,
    )


def last_emailed(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Any]:
    """When each (person, thread) last had an email, for the once-an-hour rule (one query)."""
    pairs = list(set(pairs))
    if not pairs:
        return {}
    rows = db.session.execute(
        select(Notification.user_id, Notification.thread_id, func.max(Notification.emailed_at))
        .where(
            tuple_(Notification.user_id, Notification.thread_id).in_(pairs),
            Notification.emailed_at.is_not(None),
        )
        .group_by(Notification.user_id, Notification.thread_id)
    ).all()
    return {(user_id, thread_id): when for user_id, thread_id, when in rows}
