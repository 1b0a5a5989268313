"""Reading case studies: the faceted list, my case studies, and one case study."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement

from dpse.casestudies import queries
from dpse.casestudies.views import bp, load_visible
from dpse.pagecache import shared_when_signed_in
from dpse.registry import provider
from dpse.web import page_arg, page_size, signed_in_user


@bp.route("")
@shared_when_signed_in()
def index() -> str:
    """Published case studies, filtered by the facets in the URL."""
    filters = queries.Filters.from_args(request.args)
    sort = request.args.get("sort", "newest")
    sort = sort if sort in queries.SORTS else "newest"
    result = queries.list_case_studies(filters, sort, page_arg(), page_size())
    return render_template(
        "casestudies/index.html",
        result=result,
        filters=filters,
        sort=sort,
        sorts=queries.SORTS,
        without=queries.without,
    )


@bp.route("/mine")
@login_required
def mine() -> str:
    """Everything I wrote, whatever its status."""
    return render_template(
        "casestudies/mine.html", case_studies=queries.for_author(current_user.id)
    )


def _reader_involved(user_id: int, slug: str) -> ColumnElement[bool]:
    return queries.reader_involved(user_id, slug, provider("discussion_involvement"))


@bp.route("/<slug>")
@shared_when_signed_in(involved=_reader_involved)
def show(slug: str) -> str:
    """One case study, with what it reused, who reused it and related ones."""
    cs = load_visible(slug)
    # The forum provides the discussion (registered in create_app): casestudies sits below it.
    discussion_for = provider("discussion")
    return render_template(
        "casestudies/show.html",
        case_study=cs,
        related=queries.related(cs) if cs.is_published else [],
        marked=current_user.is_authenticated and queries.has_marked_helpful(signed_in_user(), cs),
        # Published and archived case studies show their comments (archived ones take no more).
        discussion=discussion_for(
            "case_study", cs.id, current_user, accepts_comments=cs.is_published
        )
        if cs.is_public
        else None,
    )
