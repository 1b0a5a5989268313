"""The sitemap (sitemaps.org protocol): every public page with when it last changed, in pages
of at most PAGE_SIZE addresses, read a batch at a time so memory stays bounded at any size.

Each kind of page is a `Source`: a count and a statement of (address values, last change)
rows in a stable order. A sitemap page is a window over the sources laid end to end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from flask_login import AnonymousUserMixin
from sqlalchemy import Select, func, literal, select

from dpse.accounts.models import Organisation, User
from dpse.accounts.queries import APPROVED, listed_people
from dpse.casestudies.models import CaseStudy, Status
from dpse.events.models import Event
from dpse.extensions import db
from dpse.forum.models import Category, Thread
from dpse.forum.queries import visible_threads
from dpse.sitepages.models import PageKey
from dpse.tags.models import Tag
from dpse.urls import path_for, site_url

PAGE_SIZE = 50_000  # the protocol's limit of addresses per sitemap file (tests lower it)
BATCH = 1_000  # rows read from the database at a time
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
VISITOR = AnonymousUserMixin()
# Pages that are not stored objects: the home page, the lists and the published pages.
FIXED_PAGES: list[tuple[str, dict[str, Any]]] = [
    ("main.home", {}),
    ("casestudies.index", {}),
    ("events.index", {}),
    ("events.past", {}),
    ("forum.index", {}),
    ("accounts.people", {}),
    ("accounts.organisations", {}),
    *((f"sitepages.{key.value}", {}) for key in PageKey),
]


@dataclass(frozen=True)
class Source:
    """One kind of public page: its rows are (sort key, last change, address values...)."""

    name: str
    rows: Select[Any]
    address: Callable[[Any], str]

    def count(self) -> int:
        return db.session.scalar(select(func.count()).select_from(self.rows.subquery())) or 0

    def window(self, offset: int, limit: int) -> Iterator[tuple[str, datetime | None]]:
        """(address, last change) of rows offset … offset+limit, a batch at a time."""
        stmt = self.rows.offset(offset).limit(limit)
        for row in db.session.execute(stmt.execution_options(yield_per=BATCH)):
            yield site_url(self.address(row)), row.changed


def sources() -> list[Source]:
    """Every kind of public page, each a signed-out visitor may open, in a fixed order."""
    published = CaseStudy.status.in_((Status.PUBLISHED, Status.ARCHIVED))
    return [
        Source(
            "case studies",
            select(CaseStudy.slug, CaseStudy.content_updated_at.label("changed"))
            .where(published)
            .order_by(CaseStudy.id),
            lambda r: path_for("casestudies.show", slug=r.slug),
        ),
        Source(
            "events",
            select(Event.slug, Event.updated_at.label("changed")).order_by(Event.id),
            lambda r: path_for("events.show", slug=r.slug),
        ),
        Source(
            "forum categories",
            select(
                Category.slug,
                select(func.max(Thread.last_activity_at))
                .where(Thread.category_id == Category.id, visible_threads(VISITOR))
                .scalar_subquery()
                .label("changed"),
            ).order_by(Category.id),
            lambda r: path_for("forum.category", slug=r.slug),
        ),
        Source(
            "threads",
            select(Thread.id, Thread.slug, Thread.last_activity_at.label("changed"))
            .where(visible_threads(VISITOR))
            .order_by(Thread.id),
            lambda r: path_for("forum.thread", thread_id=r.id, slug=r.slug),
        ),
        Source(
            "tags",
            select(Tag.slug, literal(None).label("changed")).order_by(Tag.id),
            lambda r: path_for("tags.show", slug=r.slug),
        ),
        Source(
            "organisations",
            select(Organisation.slug, Organisation.updated_at.label("changed"))
            .where(APPROVED)
            .order_by(Organisation.id),
            lambda r: path_for("accounts.organisation", slug=r.slug),
        ),
        Source(
            "people",
            select(User.handle, User.updated_at.label("changed"))
            .where(listed_people(), User.deleted_at.is_(None))
            .order_by(User.id),
            lambda r: path_for("accounts.profile", handle=r.handle),
        ),
    ]


@dataclass
class Plan:
    """How many addresses there are, by source, and so how many sitemap pages."""

    counts: list[tuple[Source, int]]
    page_size: int

    @property
    def total(self) -> int:
        return len(FIXED_PAGES) + sum(n for _, n in self.counts)

    @property
    def pages(self) -> int:
        return max((self.total + self.page_size - 1) // self.page_size, 1)


def plan(page_size: int | None = None) -> Plan:
    """Count every source (one statement each)."""
    return Plan([(s, s.count()) for s in sources()], page_size or PAGE_SIZE)


def addresses(the_plan: Plan, page: int) -> Iterator[tuple[str, datetime | None]]:
    """The addresses of one sitemap page (1-based): the fixed pages, then each source's."""
    start = (page - 1) * the_plan.page_size
    end = start + the_plan.page_size
    position = 0
    for endpoint, values in FIXED_PAGES:
        if start <= position < end:
            yield site_url(path_for(endpoint, **values)), None
        position += 1
    for source, count in the_plan.counts:
        first, last = max(start, position), min(end, position + count)
        if first < last:
            yield from source.window(first - position, last - first)
        position += count


def _lastmod(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"<lastmod>{moment.astimezone(UTC).isoformat(timespec='seconds')}</lastmod>"


def urlset(rows: Iterator[tuple[str, datetime | None]]) -> Iterator[str]:
    """A <urlset> document, produced piece by piece."""
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS}">\n'
    for loc, changed in rows:
        yield f"<url><loc>{escape(loc)}</loc>{_lastmod(changed)}</url>\n"
    yield "</urlset>\n"


def sitemap_index(page_urls: list[str]) -> str:
    """A <sitemapindex> naming each sitemap page."""
    items = "".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>\n" for u in page_urls)
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{NS}">\n'
    return f"{head}{items}</sitemapindex>\n"
