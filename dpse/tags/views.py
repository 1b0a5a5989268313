"""Tag pages: everything carrying one tag."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from dpse.casestudies import listing
from dpse.events import service as events
from dpse.extensions import db
from dpse.forum.queries import threads_for_tag
from dpse.notifications.models import TargetType
from dpse.notifications.service import is_following
from dpse.tags import bp, service


@bp.route("/<slug>")
def show(slug: str) -> str:
    """One tag and what carries it."""
    tag = service.tag_by_slug(slug)
    if tag is None:
        abort(404)
    upcoming = events.events_query(events.EventFilters(tag=tag.slug), past=False).limit(20)
    return render_template(
        "tags/show.html",
        tag=tag,
        case_studies=listing.for_tag(tag.id),
        events=list(db.session.scalars(upcoming).unique()),
        registrations={},
        past=False,
        threads=threads_for_tag(tag.id),
        following=is_following(current_user, TargetType.TAG, tag.id),
    )
