"""Atom feeds under /feeds/: new case studies (all, filtered like the list, or by tag, sector or
outcome), events, a forum category, a thread and a person's public activity."""

from __future__ import annotations

from flask import Response, abort, current_app, request, url_for

from dpse.casestudies.models import Outcome, Sector
from dpse.casestudies.queries import Filters
from dpse.feeds import queries
from dpse.feeds.atom import CONTENT_TYPE, Entry, Feed, render_feed
from dpse.feeds.entries import site_language
from dpse.feeds.views import bp
from dpse.feeds.views.responses import conditional
from dpse.forum.queries import category_by_slug
from dpse.mixins import utcnow
from dpse.tags.queries import tag_by_slug
from dpse.urls import absolute_url, site_url
from dpse.web import found_or_404


def atom(entries: list[Entry], title: str, subtitle: str, page_url: str, feed_id: str) -> Response:
    """The feed document for these entries, answered conditionally."""
    site_name = current_app.config["SITE_NAME"]
    feed = Feed(
        id=site_url(feed_id),
        title=f"{title} – {site_name}",
        subtitle=subtitle,
        self_url=site_url(feed_id),
        page_url=page_url,
        site_url=site_url(""),
        site_name=site_name,
        language=site_language(),
        entries=entries,
        fallback_updated=utcnow().replace(microsecond=0),
    )
    newest = feed.updated if entries else None
    return conditional(render_feed(feed), CONTENT_TYPE, newest)


@bp.route("/feeds/case-studies.atom")
def case_studies() -> Response:
    """New case studies; the list's filters (sector, outcome, technology, topic, country,
    supplier, year) narrow it as they narrow the list."""
    filters = Filters.from_args(request.args)
    active = {k: v for k, v in filters.active().items() if k != "q"}
    return atom(
        queries.case_studies(filters),
        "New case studies" + (" (filtered)" if active else ""),
        "Case studies as they are published.",
        absolute_url("casestudies.index", **active),
        url_for("feeds.case_studies", **active),
    )


@bp.route("/feeds/case-studies/tag/<slug>.atom")
def case_studies_tagged(slug: str) -> Response:
    """New case studies with a tag."""
    tag = found_or_404(tag_by_slug(slug))
    return atom(
        queries.case_studies_tagged(tag),
        f"New case studies tagged {tag.name}",
        f"Case studies tagged {tag.name} as they are published.",
        absolute_url("tags.show", slug=tag.slug),
        url_for("feeds.case_studies_tagged", slug=tag.slug),
    )


@bp.route("/feeds/case-studies/sector/<sector>.atom")
def case_studies_in_sector(sector: str) -> Response:
    """New case studies from one sector."""
    if sector not in {s.value for s in Sector}:
        abort(404)
    label = Sector(sector).label
    return atom(
        queries.case_studies(Filters(sector=sector)),
        f"New case studies: {label}",
        f"Case studies from {label} as they are published.",
        absolute_url("casestudies.index", sector=sector),
        url_for("feeds.case_studies_in_sector", sector=sector),
    )


@bp.route("/feeds/case-studies/outcome/<outcome>.atom")
def case_studies_with_outcome(outcome: str) -> Response:
    """New case studies with one outcome (failures are worth following too)."""
    if outcome not in {o.value for o in Outcome}:
        abort(404)
    label = Outcome(outcome).label
    return atom(
        queries.case_studies(Filters(outcome=outcome)),
        f"New case studies: {label}",
        f"Case studies whose outcome is {label.lower()}, as they are published.",
        absolute_url("casestudies.index", outcome=outcome),
        url_for("feeds.case_studies_with_outcome", outcome=outcome),
    )


@bp.route("/feeds/events.atom")
def upcoming_events() -> Response:
    """Events that have not ended yet, soonest first."""
    return atom(
        queries.upcoming_events(),
        "Upcoming events",
        "Events that have not ended yet, soonest first.",
        absolute_url("events.index"),
        url_for("feeds.upcoming_events"),
    )


@bp.route("/feeds/events/new.atom")
def announced_events() -> Response:
    """Upcoming events, the most recently announced first."""
    return atom(
        queries.announced_events(),
        "Newly announced events",
        "Upcoming events, the most recently announced first.",
        absolute_url("events.index"),
        url_for("feeds.announced_events"),
    )


@bp.route("/feeds/forum/<slug>.atom")
def category(slug: str) -> Response:
    """A forum category's new threads."""
    found = found_or_404(category_by_slug(slug))
    return atom(
        queries.category_threads(found),
        f"New threads in {found.name}",
        found.description,
        absolute_url("forum.category", slug=found.slug),
        url_for("feeds.category", slug=found.slug),
    )


@bp.route("/feeds/forum/t/<int:thread_id>.atom")
def thread(thread_id: int) -> Response:
    """A thread's newest posts."""
    found = found_or_404(queries.visible_thread(thread_id))
    return atom(
        queries.thread_posts(found),
        found.title,
        f"New posts in the thread “{found.title}”.",
        absolute_url("forum.thread", thread_id=found.id, slug=found.slug),
        url_for("feeds.thread", thread_id=found.id),
    )


@bp.route("/feeds/people/<handle>.atom")
def person(handle: str) -> Response:
    """A person's public activity: case studies, threads, replies and events organised."""
    found = found_or_404(queries.public_person(handle))
    name = found.display_name
    return atom(
        queries.person_activity(found),
        f"{name}’s activity",
        f"Case studies, threads, replies and events by {name}.",
        absolute_url("accounts.profile", handle=found.handle),
        url_for("feeds.person", handle=found.handle),
    )
