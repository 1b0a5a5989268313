"""What the open-data download holds: one table per type of public content, each with its
columns described for the data dictionary and its rows (read in batches: opendata.table).

Which rows: exactly what a signed-out visitor may see on the HTML pages, through the same
SQL predicates the pages and the JSON API use (dpse.api.serializers.VISITOR asks them).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload, selectinload

from dpse.accounts import queries as accounts
from dpse.accounts.models import Organisation, OrganisationKind, User
from dpse.api.serializers import VISITOR, day, when
from dpse.casestudies import queries as case_studies
from dpse.casestudies.models import BudgetBand, CaseStudy, CaseStudyAuthor, Outcome, Sector
from dpse.events.models import Event, EventFormat, EventStatus
from dpse.forum import queries as forum
from dpse.forum.models import Category, Post, Thread
from dpse.opendata.table import (
    BOOL,
    DATE,
    HTML,
    INT,
    MD,
    SLUGS,
    TEXT,
    TIME,
    URL,
    Column,
    Table,
    one_of,
)
from dpse.permissions import can_view_profile
from dpse.tags.models import Tag, TagKind
from dpse.urls import absolute_url


def _slugs(items: list[Any]) -> list[str]:
    return [item.slug for item in items]


def _public_handle(person: User | None) -> str | None:
    """The handle when the person's profile page is public, as the API's person_ref."""
    if person is None or not can_view_profile(VISITOR, person):
        return None
    return person.handle


def _approved_slug(org: Organisation | None) -> str | None:
    return org.slug if org is not None and org.is_approved else None


def _case_studies() -> Select[Any]:
    return (
        select(CaseStudy)
        .where(case_studies.visible_to(VISITOR))
        .options(
            joinedload(CaseStudy.organisation),
            selectinload(CaseStudy.tags),
            selectinload(CaseStudy.suppliers),
            selectinload(CaseStudy.adapted_from),
            selectinload(CaseStudy.authors).joinedload(CaseStudyAuthor.user),
        )
    )


SECTIONS = ("challenge", "what_we_built", "results", "lessons_learned")


def _case_study_row(cs: CaseStudy) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": cs.id,
        "slug": cs.slug,
        "title": cs.title,
        "summary": cs.summary,
        "language": cs.language,
        "status": cs.status.value,
        "outcome": cs.outcome.value,
        "sector": cs.sector.value,
        "country": cs.country,
        "region": cs.region,
        "year": cs.year,
        "started_on": day(cs.started_on),
        "live_on": day(cs.live_on),
        "budget_band": cs.budget_band.value,
        "organisation": _approved_slug(cs.organisation),
        "tags": _slugs(cs.tags),
        "suppliers": [o.slug for o in cs.suppliers if o.is_approved],
        "authors": [h for h in map(_public_handle, cs.author_users) if h],
        "adapted_from": [c.slug for c in cs.adapted_from if c.is_public],
        "repository_url": cs.repository_url,
        "live_url": cs.live_url,
        "publiccode_url": cs.publiccode_url,
        "supplier_written": cs.supplier_written,
        "helpful_count": cs.helpful_count,
        "reuse_count": cs.reuse_count,
        "published_at": when(cs.published_at),
        "updated_at": when(cs.content_updated_at),
        "url": absolute_url("casestudies.show", slug=cs.slug),
    }
    for name in SECTIONS:
        row[f"{name}_markdown"] = getattr(cs, name)
        row[f"{name}_html"] = getattr(cs, f"{name}_html")
    return row


CASE_STUDY_COLUMNS = (
    Column("id", INT, "Stable number of the case study."),
    Column("slug", TEXT, "Its current address name (/case-studies/<slug>)."),
    Column("title", TEXT, "Title."),
    Column("summary", TEXT, "One-paragraph summary (plain text)."),
    Column("language", TEXT, "Language it is written in (BCP 47 tag)."),
    Column("status", one_of(["published", "archived"]), "Archived: public, no longer updated."),
    Column("outcome", one_of(Outcome), "How it turned out."),
    Column("sector", one_of(Sector), "Public sector it belongs to."),
    Column("country", TEXT, "Country, as written by its authors."),
    Column("region", TEXT, "Region or city, as written by its authors."),
    Column("year", INT, "Year it went live (or started); empty when unknown."),
    Column("started_on", DATE, "When the work started; empty when unknown."),
    Column("live_on", DATE, "When it went live; empty when unknown."),
    Column("budget_band", one_of(BudgetBand), "Budget range, in the site's currency."),
    Column("organisation", TEXT, "Slug of the organisation that did it (organisations file)."),
    Column("tags", SLUGS, "Technology and topic tags (tags file)."),
    Column("suppliers", SLUGS, "Supplier organisations (organisations file)."),
    Column("authors", SLUGS, "Handles of its authors with a public profile (people file)."),
    Column("adapted_from", SLUGS, "Case studies it reused (this file)."),
    Column("repository_url", URL, "Source code repository; empty when none."),
    Column("live_url", URL, "The live service; empty when none."),
    Column("publiccode_url", URL, "Its publiccode.yml; empty when none."),
    Column("supplier_written", BOOL, "Written by a supplier rather than the public body."),
    Column("helpful_count", INT, "How many people marked it helpful."),
    Column("reuse_count", INT, "How many published case studies say they adapted it."),
    Column("published_at", TIME, "When it was first published."),
    Column("updated_at", TIME, "When its content last changed."),
    Column("url", URL, "Its page on the site."),
    *(
        column
        for name in SECTIONS
        for column in (
            Column(f"{name}_markdown", MD, f"Section '{name.replace('_', ' ')}'."),
            Column(f"{name}_html", HTML, f"Section '{name.replace('_', ' ')}'."),
        )
    ),
)


def _event_row(e: Event) -> dict[str, Any]:
    # Not the joining link: the event page shows it to people with a place only.
    return {
        "id": e.id,
        "slug": e.slug,
        "title": e.title,
        "language": e.language,
        "starts_at": when(e.starts_at),
        "ends_at": when(e.ends_at),
        "timezone": e.timezone,
        "format": e.format.value,
        "status": e.status.value,
        "status_reason": e.status_reason,
        "venue_name": e.venue_name,
        "venue_address": e.venue_address,
        "capacity": e.capacity,
        "organiser": _public_handle(e.organiser),
        "organisation": _approved_slug(e.organisation),
        "tags": _slugs(e.tags),
        "description_markdown": e.description,
        "description_html": e.description_html,
        "updated_at": when(e.updated_at),
        "url": absolute_url("events.show", slug=e.slug),
    }


EVENT_COLUMNS = (
    Column("id", INT, "Stable number of the event."),
    Column("slug", TEXT, "Its address name (/events/<slug>)."),
    Column("title", TEXT, "Title."),
    Column("language", TEXT, "Language it is held in (BCP 47 tag)."),
    Column("starts_at", TIME, "When it starts."),
    Column("ends_at", TIME, "When it ends."),
    Column("timezone", TEXT, "Its time zone (IANA name), for showing local times."),
    Column("format", one_of(EventFormat), "How it takes place."),
    Column("status", one_of(EventStatus), "Whether it goes ahead."),
    Column("status_reason", TEXT, "Why it was postponed or cancelled."),
    Column("venue_name", TEXT, "Venue; empty for online events."),
    Column("venue_address", TEXT, "Venue's address; empty for online events."),
    Column("capacity", INT, "Places; empty when unlimited."),
    Column("organiser", TEXT, "Handle of the organiser (people file); empty if not public."),
    Column("organisation", TEXT, "Slug of the organising organisation; empty when none."),
    Column("tags", SLUGS, "Tags (tags file)."),
    Column("description_markdown", MD, "Description."),
    Column("description_html", HTML, "Description."),
    Column("updated_at", TIME, "When it last changed."),
    Column("url", URL, "Its page on the site."),
)


def _public_threads() -> Any:
    """SQL condition: threads a visitor may open, outside case studies nobody may see."""
    public_case_studies = select(CaseStudy.id).where(case_studies.visible_to(VISITOR))
    return forum.visible_threads(VISITOR) & or_(
        Thread.case_study_id.is_(None), Thread.case_study_id.in_(public_case_studies)
    )


def _thread_row(t: Thread) -> dict[str, Any]:
    return {
        "id": t.id,
        "title": t.title,
        "language": t.language,
        "category": t.category.slug,
        "author": _public_handle(t.author),
        "case_study": t.case_study.slug if t.case_study is not None else None,
        "created_at": when(t.created_at),
        "last_activity_at": when(t.last_activity_at),
        "reply_count": t.reply_count,
        "pinned": t.pinned,
        "locked": t.locked,
        "tags": _slugs(t.tags),
        "url": absolute_url("forum.thread", thread_id=t.id, slug=t.slug),
    }


THREAD_COLUMNS = (
    Column("id", INT, "Stable number of the thread."),
    Column("title", TEXT, "Title."),
    Column("language", TEXT, "Language (BCP 47 tag)."),
    Column("category", TEXT, "Slug of its category (forum_categories file)."),
    Column("author", TEXT, "Handle of who started it (people file); empty if not public."),
    Column("case_study", TEXT, "Slug of the case study it discusses; empty when none."),
    Column("created_at", TIME, "When it was started."),
    Column("last_activity_at", TIME, "When it was last replied to."),
    Column("reply_count", INT, "Number of replies."),
    Column("pinned", BOOL, "Shown first in its category."),
    Column("locked", BOOL, "Closed to new replies."),
    Column("tags", SLUGS, "Tags (tags file)."),
    Column("url", URL, "Its page on the site."),
)


def _post_row(p: Post) -> dict[str, Any]:
    return {
        "id": p.id,
        "thread_id": p.thread_id,
        "author": _public_handle(p.author),
        "created_at": when(p.created_at),
        "edited_at": when(p.edited_at),
        "body_markdown": p.body,
        "body_html": p.body_html,
        "url": absolute_url("forum.permalink", post_id=p.id),
    }


POST_COLUMNS = (
    Column("id", INT, "Stable number of the post."),
    Column("thread_id", INT, "The thread it belongs to (forum_threads file)."),
    Column("author", TEXT, "Handle of its author (people file); empty if not public."),
    Column("created_at", TIME, "When it was written."),
    Column("edited_at", TIME, "When it was last edited; empty when never."),
    Column("body_markdown", MD, "The post."),
    Column("body_html", HTML, "The post."),
    Column("url", URL, "Its place on the site."),
)


def _person_row(p: User) -> dict[str, Any]:
    # Public profile fields only: never an email address or an account setting.
    return {
        "handle": p.handle,
        "display_name": p.display_name,
        "job_title": p.job_title,
        "organisation": _approved_slug(p.verified_organisation),
        "member_since": when(p.created_at),
        "bio_markdown": p.bio,
        "bio_html": p.bio_html,
        "url": absolute_url("accounts.profile", handle=p.handle),
    }


PERSON_COLUMNS = (
    Column("handle", TEXT, "Their public name on the site (/people/<handle>)."),
    Column("display_name", TEXT, "Name as they chose to show it."),
    Column("job_title", TEXT, "Job title, as they wrote it."),
    Column("organisation", TEXT, "Slug of the organisation they are a verified member of."),
    Column("member_since", TIME, "When they joined."),
    Column("bio_markdown", MD, "About them."),
    Column("bio_html", HTML, "About them."),
    Column("url", URL, "Their profile page."),
)

TABLES: tuple[Table, ...] = (
    Table(
        "case_studies",
        "Published and archived case studies, with their tags, suppliers and links.",
        CASE_STUDY_COLUMNS,
        _case_studies,
        _case_study_row,
    ),
    Table(
        "events",
        "Events, past and upcoming (without joining links, which are for attendees).",
        EVENT_COLUMNS,
        lambda: select(Event).options(selectinload(Event.tags)),
        _event_row,
    ),
    Table(
        "forum_categories",
        "Forum categories.",
        (
            Column("id", INT, "Stable number of the category."),
            Column("slug", TEXT, "Its address name."),
            Column("name", TEXT, "Name."),
            Column("description", TEXT, "What belongs there (plain text)."),
            Column("position", INT, "Its place in the forum's order."),
            Column("url", URL, "Its page on the site."),
        ),
        lambda: select(Category),
        lambda c: {
            "id": c.id,
            "slug": c.slug,
            "name": c.name,
            "description": c.description,
            "position": c.position,
            "url": absolute_url("forum.category", slug=c.slug),
        },
    ),
    Table(
        "forum_threads",
        "Forum threads anyone may read.",
        THREAD_COLUMNS,
        lambda: (
            select(Thread)
            .where(_public_threads())
            .options(
                joinedload(Thread.category),
                joinedload(Thread.author),
                joinedload(Thread.case_study),
                selectinload(Thread.tags),
            )
        ),
        _thread_row,
    ),
    Table(
        "forum_posts",
        "Posts anyone may read (never hidden posts or posts waiting for a moderator).",
        POST_COLUMNS,
        lambda: (
            select(Post)
            .where(
                forum.visible_posts(VISITOR),
                Post.thread_id.in_(select(Thread.id).where(_public_threads())),
            )
            .options(joinedload(Post.author))
        ),
        _post_row,
    ),
    Table(
        "tags",
        "Technology and topic tags.",
        (
            Column("id", INT, "Stable number of the tag."),
            Column("slug", TEXT, "Its address name, used in the other files."),
            Column("name", TEXT, "Name."),
            Column("kind", one_of(TagKind), "What the tag names."),
            Column("url", URL, "Its page on the site."),
        ),
        lambda: select(Tag),
        lambda t: {
            "id": t.id,
            "slug": t.slug,
            "name": t.name,
            "kind": t.kind.value,
            "url": absolute_url("tags.show", slug=t.slug),
        },
    ),
    Table(
        "organisations",
        "Approved organisations (public bodies and suppliers).",
        (
            Column("id", INT, "Stable number of the organisation."),
            Column("slug", TEXT, "Its address name, used in the other files."),
            Column("name", TEXT, "Name."),
            Column("kind", one_of(OrganisationKind), "What kind of organisation it is."),
            Column("country", TEXT, "Country."),
            Column("website", URL, "Its website; empty when none."),
            Column("url", URL, "Its page on the site."),
        ),
        lambda: select(Organisation).where(accounts.APPROVED),
        lambda o: {
            "id": o.id,
            "slug": o.slug,
            "name": o.name,
            "kind": o.kind.value,
            "country": o.country,
            "website": o.website,
            "url": absolute_url("accounts.organisation", slug=o.slug),
        },
    ),
    Table(
        "people",
        "People listed in the directory: public profile fields only, never an email address.",
        PERSON_COLUMNS,
        lambda: (
            select(User)
            .where(accounts.listed_people(), User.deleted_at.is_(None))
            .options(joinedload(User.organisation))
        ),
        _person_row,
    ),
)
