"""How events appear in search: scheduled and postponed ones (cancelled events leave it)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from dpse.content import shorten
from dpse.events.models import Event, EventStatus
from dpse.extensions import db
from dpse.search.engine import Source, in_batches
from dpse.search.schema import SearchDocument
from dpse.urls import path_for

LISTED = (EventStatus.SCHEDULED, EventStatus.POSTPONED)


def to_doc(event: Event) -> SearchDocument:
    """The search document for one event (dated by when it starts)."""
    place = event.venue_name or event.format.label
    return SearchDocument(
        type="event",
        id=event.id,
        title=event.title,
        summary=f"{place}. {shorten(event.description_text, 220)}",
        body=" ".join([event.description_text, event.venue_name, event.venue_address]),
        url=path_for("events.show", slug=event.slug),
        date=event.starts_at,
        added=event.created_at,
        tags=[(t.slug, t.name) for t in event.tags],
        organisation=event.organisation.name if event.organisation else "",
        language=event.language,
    )


def _listed():
    return select(Event).where(Event.status.in_(LISTED)).options(selectinload(Event.tags))


def load(ids: list[int]) -> dict[int, SearchDocument]:
    """Documents for the listed events among ids (the rest leave the index)."""
    return {e.id: to_doc(e) for e in db.session.scalars(_listed().where(Event.id.in_(ids)))}


def iter_all(batch: int = 200) -> Iterator[SearchDocument]:
    """Every listed event, in id order, a batch at a time."""
    for rows in in_batches(_listed(), Event.id, batch):
        yield from (to_doc(e) for e in rows)


def count_public() -> int:
    """How many event documents the index should hold."""
    return db.session.scalar(select(func.count(Event.id)).where(Event.status.in_(LISTED))) or 0


SOURCE = Source("event", load, iter_all, count_public)
