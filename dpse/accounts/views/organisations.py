"""Public pages about organisations: the list, and one organisation with its people.

An organisation's case studies come from the ``organisation.case_studies`` extension point
(casestudies provides it in create_app): accounts sits below casestudies and does not import it.
"""

from __future__ import annotations

from flask import abort, render_template

from dpse.accounts import queries
from dpse.accounts.views import bp
from dpse.registry import providers
from dpse.web import page_arg, page_size

ORGANISATION_CASE_STUDIES = "organisation.case_studies"


@bp.route("/organisations")
def organisations() -> str:
    """Every organisation with its number of members."""
    return render_template(
        "accounts/organisations.html", rows=queries.organisations_with_member_counts()
    )


@bp.route("/organisations/<slug>")
def organisation(slug: str) -> str:
    """An organisation and its people."""
    org = queries.get_organisation_by_slug(slug)
    if org is None:
        abort(404)
    members = queries.organisation_members(org, page_arg(), page_size())
    case_studies = [
        cs for provide in providers(ORGANISATION_CASE_STUDIES) for cs in provide(org.id)
    ]
    return render_template(
        "accounts/organisation.html",
        organisation=org,
        members=members,
        case_studies=case_studies,
    )
