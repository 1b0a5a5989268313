"""What a discussion thread can hang under: case studies and events.

Each kind has a resolver giving the title, address and state of one object. Adding a kind is a
resolver and one entry in RESOLVERS; threads already have a column for each kind (THREAD_COLUMNS).

Why a module of its own (not queries.py or service.py): it is the one table of discussion kinds
that queries, service, notifying, the views and the seed loader all read, and the only forum
module that knows the case-study and event models.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from dpse.casestudies.models import CaseStudy, CaseStudyAuthor, Status
from dpse.events.models import Event
from dpse.extensions import db
from dpse.forum.models import Thread
from dpse.notifications.models import TargetType
from dpse.urls import path_for


@dataclass(frozen=True)
class Category:
    """Where a kind's discussion threads live; created on first use."""

    slug: str
    name: str
    description: str


@dataclass
class DiscussionTarget:
    """A case study or event that people comment on."""

    kind: str
    id: int
    title: str
    url: str
    accepts_comments: bool
    # People who follow the discussion from its first comment (e.g. the case study's authors).
    starter_ids: list[int] = field(default_factory=list)

    @property
    def follow_type(self) -> TargetType:
        """What following this target is called in subscriptions."""
        return FOLLOW_TYPES[self.kind]


def _case_study(target_id: int) -> DiscussionTarget | None:
    cs = db.session.get(CaseStudy, target_id)
    if cs is None or cs.status not in (Status.PUBLISHED, Status.ARCHIVED):
        return None
    authors = db.session.scalars(
        select(CaseStudyAuthor.user_id)
        .where(CaseStudyAuthor.case_study_id == cs.id)
        .order_by(CaseStudyAuthor.position)
    )
    return DiscussionTarget(
        kind="case_study",
        id=cs.id,
        title=cs.title,
        url=path_for("casestudies.show", slug=cs.slug),
        accepts_comments=cs.status == Status.PUBLISHED,
        starter_ids=list(authors),
    )


def _event(target_id: int) -> DiscussionTarget | None:
    event = db.session.get(Event, target_id)
    if event is None:
        return None
    return DiscussionTarget(
        kind="event",
        id=event.id,
        title=event.title,
        url=path_for("events.show", slug=event.slug),
        accepts_comments=not event.is_cancelled,
        starter_ids=[event.organiser_id],
    )


# kind -> resolver(id) giving the target if it exists and is public, else None.
RESOLVERS: dict[str, Callable[[int], DiscussionTarget | None]] = {
    "case_study": _case_study,
    "event": _event,
}
THREAD_COLUMNS: dict[str, InstrumentedAttribute[int | None]] = {
    "case_study": Thread.case_study_id,
    "event": Thread.event_id,
}
CATEGORIES = {
    "case_study": Category(
        "case-studies", "Case studies", "Comments on the case studies, one thread per case study."
    ),
    "event": Category("events", "Events", "Comments on the events, one thread per event."),
}
FOLLOW_TYPES = {"case_study": TargetType.CASE_STUDY, "event": TargetType.EVENT}
TITLE_PREFIX = "Comments: "


def resolve(kind: str, target_id: int) -> DiscussionTarget | None:
    """The target if this kind is known and the object is public, else None."""
    resolver = RESOLVERS.get(kind)
    return resolver(target_id) if resolver is not None else None


def thread_kind(thread: Thread) -> tuple[str, int] | None:
    """(kind, id) of what a thread discusses, or None for a forum conversation."""
    for kind, column in THREAD_COLUMNS.items():
        value = getattr(thread, column.key)
        if value is not None:
            return kind, value
    return None


def thread_for(kind: str, target_id: int) -> Thread | None:
    """The discussion thread of a target, if it has one yet."""
    column = THREAD_COLUMNS.get(kind)
    if column is None:
        return None
    return db.session.scalar(select(Thread).where(column == target_id))
