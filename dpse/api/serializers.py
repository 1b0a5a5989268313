"""Objects as the API shows them: only what a signed-out visitor sees on the HTML pages, with
stable snake_case names, times in ISO 8601 with their offset, and every text field as its
Markdown source and its stored, sanitised HTML."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_login import AnonymousUserMixin

from dpse.accounts.models import Organisation, User
from dpse.casestudies.models import CaseStudy
from dpse.events.models import Event
from dpse.forum.models import Category, Post, Thread
from dpse.permissions import can_view_profile
from dpse.tags.models import Tag
from dpse.urls import absolute_url

VISITOR = AnonymousUserMixin()  # the API shows what a signed-out visitor sees, always


def when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def tag(t: Tag) -> dict[str, Any]:
    return {
        "slug": t.slug,
        "name": t.name,
        "kind": t.kind.value,
        "url": absolute_url("tags.show", slug=t.slug),
    }


def organisation_ref(org: Organisation | None) -> dict[str, Any] | None:
    if org is None or not org.is_approved:
        return None  # a pending organisation has no public page
    return {
        "slug": org.slug,
        "name": org.name,
        "url": absolute_url("accounts.organisation", slug=org.slug),
        "api_url": absolute_url("api.get_organisation", slug=org.slug),
    }


def person_ref(person: User) -> dict[str, Any]:
    if not can_view_profile(VISITOR, person):
        return {"handle": None, "display_name": person.display_name, "url": None}
    return {
        "handle": person.handle,
        "display_name": person.display_name,
        "url": absolute_url("accounts.profile", handle=person.handle),
    }


def case_study_ref(cs: CaseStudy) -> dict[str, Any]:
    return {
        "slug": cs.slug,
        "title": cs.title,
        "url": absolute_url("casestudies.show", slug=cs.slug),
        "api_url": absolute_url("api.get_case_study", slug=cs.slug),
    }


def case_study_summary(cs: CaseStudy) -> dict[str, Any]:
    return {
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
        "organisation": organisation_ref(cs.organisation),
        "tags": [tag(t) for t in cs.tags],
        "supplier_written": cs.supplier_written,
        "helpful_count": cs.helpful_count,
        "reuse_count": cs.reuse_count,
        "published_at": when(cs.published_at),
        "updated_at": when(cs.content_updated_at),
        "url": absolute_url("casestudies.show", slug=cs.slug),
        "api_url": absolute_url("api.get_case_study", slug=cs.slug),
    }


def case_study(cs: CaseStudy) -> dict[str, Any]:
    out = case_study_summary(cs)
    for name in ("challenge", "what_we_built", "results", "lessons_learned"):
        out[f"{name}_markdown"] = getattr(cs, name)
        out[f"{name}_html"] = getattr(cs, f"{name}_html")
    out.update(
        started_on=day(cs.started_on),
        live_on=day(cs.live_on),
        budget_band=cs.budget_band.value,
        repository_url=cs.repository_url,
        live_url=cs.live_url,
        publiccode_url=cs.publiccode_url,
        authors=[person_ref(u) for u in cs.author_users],
        suppliers=[o for o in map(organisation_ref, cs.suppliers) if o is not None],
        adapted_from=[case_study_ref(c) for c in cs.adapted_from if c.is_public],
        reused_by=[case_study_ref(c) for c in cs.reused_by if c.is_public],
    )
    return out


def event(e: Event) -> dict[str, Any]:
    # Not the joining link: the event page shows it to people with a place only.
    return {
        "id": e.id,
        "slug": e.slug,
        "title": e.title,
        "language": e.language,
        "description_markdown": e.description,
        "description_html": e.description_html,
        "starts_at": when(e.starts_at),
        "ends_at": when(e.ends_at),
        "timezone": e.timezone,
        "format": e.format.value,
        "status": e.status.value,
        "status_reason": e.status_reason,
        "venue_name": e.venue_name,
        "venue_address": e.venue_address,
        "capacity": e.capacity,
        "seats_left": e.seats_left,
        "registration_opens_at": when(e.registration_opens_at),
        "registration_closes_at": when(e.registration_closes_at),
        "organiser": person_ref(e.organiser),
        "organisation": organisation_ref(e.organisation),
        "tags": [tag(t) for t in e.tags],
        "updated_at": when(e.updated_at),
        "url": absolute_url("events.show", slug=e.slug),
        "api_url": absolute_url("api.get_event", slug=e.slug),
    }


def category_ref(c: Category) -> dict[str, Any]:
    return {"slug": c.slug, "name": c.name, "url": absolute_url("forum.category", slug=c.slug)}


def thread_summary(t: Thread) -> dict[str, Any]:
    return {
        "id": t.id,
        "title": t.title,
        "language": t.language,
        "category": category_ref(t.category),
        "author": person_ref(t.author),
        "created_at": when(t.created_at),
        "last_activity_at": when(t.last_activity_at),
        "reply_count": t.reply_count,
        "pinned": t.pinned,
        "locked": t.locked,
        "tags": [tag(x) for x in t.tags],
        "url": absolute_url("forum.thread", thread_id=t.id, slug=t.slug),
        "api_url": absolute_url("api.get_thread", thread_id=t.id),
    }


def post(p: Post) -> dict[str, Any]:
    return {
        "id": p.id,
        "author": person_ref(p.author),
        "created_at": when(p.created_at),
        "edited_at": when(p.edited_at),
        "body_markdown": p.body,
        "body_html": p.body_html,
        "url": absolute_url("forum.permalink", post_id=p.id),
    }


def organisation_summary(org: Organisation, member_count: int) -> dict[str, Any]:
    ref = organisation_ref(org) or {}
    return {
        **ref,
        "kind": org.kind.value,
        "country": org.country,
        "website": org.website,
        "member_count": member_count,
    }


def person_summary(person: User) -> dict[str, Any]:
    return {
        "handle": person.handle,
        "display_name": person.display_name,
        "job_title": person.job_title,
        "organisation": organisation_ref(person.verified_organisation),
        "member_since": when(person.created_at),
        "url": absolute_url("accounts.profile", handle=person.handle),
        "api_url": absolute_url("api.get_person", handle=person.handle),
    }


def person(p: User) -> dict[str, Any]:
    return {**person_summary(p), "bio_markdown": p.bio, "bio_html": p.bio_html}
