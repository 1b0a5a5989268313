"""`dpse demo populate`: a deterministic, realistic community of any size, for trying the site
out at the size of a real one and for measuring it (bench/pages.py).

Scale 1 (S1) is about 2,000 case studies, 500 events, 20,000 posts and 350 tags; scale 10 (S10)
about 20,000 case studies, 5,000 events, 200,000 posts, 3,000 tags and 1,500 organisations.
The same seed and day give the same data. Rows go in with bulk INSERTs, a transaction per
batch, with the values the services would have stored (rendered Markdown, handle keys, reply
counts, registration positions); the search index is rebuilt once at the end by the caller.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select

from dpse import database
from dpse.accounts.service import hash_password
from dpse.casestudies.models import CaseStudy
from dpse.events.models import Event
from dpse.extensions import db
from dpse.forum.models import Post
from dpse.populate import casestudies, community, events, forum
from dpse.populate.sink import Phase, Renderer, Sink, quiet_phase

DEMO_PASSWORD = "demo-password"  # noqa: S105 - published demo credential, refused in production


class PopulateError(Exception):
    """Why the community cannot be generated here (shown as one line)."""


@dataclass(frozen=True)
class Shape:
    """How many of each thing a scale means."""

    organisations: int
    people: int
    tags: int
    case_studies: int
    events: int
    posts: int


def shape_for(scale: float) -> Shape:
    """Counts for a scale: linear in it, except tags, which grow more slowly (350 → 3,000)."""
    if not 0 < scale <= 100:
        raise PopulateError("the scale must be above 0 and at most 100")
    return Shape(
        organisations=max(8, round(150 * scale)),
        people=max(20, round(2500 * scale)),
        tags=max(10, round(350 * scale ** math.log10(3000 / 350))),
        case_studies=max(10, round(2000 * scale)),
        events=max(5, round(500 * scale)),
        posts=max(50, round(20000 * scale)),
    )


def has_content() -> bool:
    """Whether the database already holds case studies, events or posts."""
    found = any(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (CaseStudy, Event, Post)
    )
    db.session.rollback()
    return found


def populate(
    scale: float,
    seed: int = 1,
    today: date | None = None,
    phase: Phase = quiet_phase,
    force: bool = False,
) -> dict[str, int]:
    """Generate the community for ``scale`` (see the module docstring); returns rows per table.

    Refuses a database that already holds content unless ``force``: then the new community is
    added beside what is there (slugs, handles and emails made unique against it).
    """
    if not force and has_content():
        raise PopulateError(
            "the database already holds content: use --force to add a generated community to it"
        )
    shape = shape_for(scale)
    rng = random.Random(seed)
    # Dated from the start of the day, so two runs on one day give the same rows.
    now = datetime.combine(today or date.today(), time(0), UTC)
    sink, renderer, com = Sink(), Renderer(), community.Community()
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for all: hashing is slow on purpose
    community.organisations(rng, sink, phase, shape.organisations, now, com)
    community.people(rng, sink, phase, shape.people, now, com, password_hash, renderer)
    community.tags(rng, sink, phase, shape.tags, com)
    com.zipf()
    public = casestudies.case_studies(rng, sink, phase, shape.case_studies, now, com, renderer)
    public_events = events.events(rng, sink, phase, shape.events, now, com, renderer, public)
    forum.forum(rng, sink, phase, shape.posts, now, com, renderer, public, public_events)
    sink.fix_sequences()
    # Planner statistics for the bulk load at once (as after migrations), not at the first
    # `dpse maintenance`: without them SQLite can choose a poor index.
    database.optimize()
    return dict(sink.counts)
