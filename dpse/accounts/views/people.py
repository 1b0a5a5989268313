"""The people directory, at /people: search by name or handle, filter by organisation, its
kind, and verified public sector."""

from __future__ import annotations

from flask import render_template, request

from dpse.accounts import queries
from dpse.accounts.models import OrganisationKind
from dpse.accounts.views import bp
from dpse.web import page_arg, page_size


@bp.route("/people")
def people() -> str:
    """Active people with a verified email, by name, one page at a time."""
    filters = queries.PeopleFilters.from_args(request.args)
    return render_template(
        "accounts/people.html",
        filters=filters,
        pager=queries.find_people(filters, page_arg(), page_size()),
        organisations=queries.organisations_for_people_filter(filters.organisation),
        listed=queries.PEOPLE_FILTER_ORGANISATIONS,
        kinds=list(OrganisationKind),
    )
