"""What can be followed: each type knows how to find its objects' titles and addresses.

A resolver takes ids and the reader and returns the followable ones (those the reader may
see); a new kind of thing plugs in with one resolver and one entry in RESOLVERS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from dpse.casestudies.models import CaseStudy, Status
from dpse.events.models import Event
from dpse.extensions import db
from dpse.forum import queries as forum_queries
from dpse.forum.models import Thread
from dpse.notifications.models import Subscription, TargetType
from dpse.tags.models import Tag
from dpse.urls import path_for


@dataclass(frozen=True)
class FollowTarget:
    """Something a person follows, as lists and buttons show it."""

    type: TargetType
    id: int
    title: str
    url: str


def _threads(ids: list[int], user: Any) -> dict[int, FollowTarget]:
    rows = db.session.scalars(
        select(Thread).where(Thread.id.in_(ids), forum_queries.visible_threads(user))
    )
    return {
        t.id: FollowTarget(
            TargetType.THREAD, t.id, t.title, path_for("forum.thread", thread_id=t.id, slug=t.slug)
        )
        for t in rows
    }


def _case_studies(ids: list[int], user: Any) -> dict[int, FollowTarget]:
    rows = db.session.scalars(
        select(CaseStudy).where(
            CaseStudy.id.in_(ids), CaseStudy.status.in_((Status.PUBLISHED, Status.ARCHIVED))
        )
    )
    return {
        cs.id: FollowTarget(
            TargetType.CASE_STUDY, cs.id, cs.title, path_for("casestudies.show", slug=cs.slug)
        )
        for cs in rows
    }


def _tags(ids: list[int], user: Any) -> dict[int, FollowTarget]:
    rows = db.session.scalars(select(Tag).where(Tag.id.in_(ids)))
    return {
        t.id: FollowTarget(TargetType.TAG, t.id, t.name, path_for("tags.show", slug=t.slug))
        for t in rows
    }


def _events(ids: list[int], user: Any) -> dict[int, FollowTarget]:
    rows = db.session.scalars(select(Event).where(Event.id.in_(ids)))
    return {
        e.id: FollowTarget(TargetType.EVENT, e.id, e.title, path_for("events.show", slug=e.slug))
        for e in rows
    }


RESOLVERS: dict[TargetType, Callable[[list[int], Any], dict[int, FollowTarget]]] = {
    TargetType.THREAD: _threads,
    TargetType.CASE_STUDY: _case_studies,
    TargetType.EVENT: _events,
    TargetType.TAG: _tags,
}


def resolve(target_type: TargetType, target_id: int, user: Any) -> FollowTarget | None:
    """The target if it exists and the person may see it, else None."""
    resolver = RESOLVERS.get(target_type)
    return resolver([target_id], user).get(target_id) if resolver else None


def describe(subscriptions: list[Subscription], user: Any) -> list[FollowTarget]:
    """Titles and addresses for a person's subscriptions (one query per type)."""
    wanted: dict[TargetType, list[int]] = {}
    for sub in subscriptions:
        wanted.setdefault(sub.target_type, []).append(sub.target_id)
    found: dict[tuple[TargetType, int], FollowTarget] = {}
    for target_type, ids in wanted.items():
        resolver = RESOLVERS.get(target_type)
        if resolver is not None:
            for target_id, target in resolver(ids, user).items():
                found[(target_type, target_id)] = target
    return [
        found[(s.target_type, s.target_id)]
        for s in subscriptions
        if (s.target_type, s.target_id) in found
    ]
