"""Public pages about organisations: the list, and one organisation with its people.

An organisation's other lists (case studies it wrote or supplied, events it ran) come from the
``organisation.sections`` extension point (those domains provide them in create_app): accounts
sits below them and does not import them. Each shows its first few items and a count;
?section=<key>&page=N shows one list, paged (?page=N alone pages the people).
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from dpse.accounts import queries
from dpse.accounts.views import bp
from dpse.web import page_arg, page_size

ORGANISATION_SECTIONS = "organisation.sections"
PREVIEW = 5  # items of each list on the organisation's page itself


@bp.route("/organisations")
def organisations() -> str:
    """The organisations by name, a page at a time, with their number of members."""
    pager = queries.organisations_page(page_arg(), page_size())
    return render_template("accounts/organisations.html", pager=pager)


@bp.route("/organisations/<slug>")
def organisation(slug: str) -> str | Response:
    """An organisation, its verified people, and what it wrote, supplied and organised."""
    org = queries.get_organisation_by_slug(slug)
    if org is None:
        merged = queries.merged_into(slug)
        if merged is None:
            abort(404)  # none, or one still waiting for approval
        return redirect(url_for("accounts.organisation", slug=merged.slug), 301)
    only = request.args.get("section") or None
    sections = queries.page_sections(
        ORGANISATION_SECTIONS, org, only, page_arg(), page_size(), PREVIEW
    )
    showing_one = only is not None and [s.key for s in sections] == [only]
    members = None if showing_one else queries.organisation_people(org, page_arg(), page_size())
    return render_template(
        "accounts/organisation.html",
        organisation=org,
        members=members,
        sections=sections,
        showing_one=showing_one,
    )
