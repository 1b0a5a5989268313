"""Public pages about people and organisations."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from dpse.accounts import bp
from dpse.accounts.models import Organisation, User
from dpse.casestudies import listing
from dpse.extensions import db
from dpse.permissions import can_view_profile
from dpse.web import page_arg


@bp.route("/people/<int:user_id>")
def profile(user_id: int) -> str:
    """A person's public profile."""
    person = db.session.get(User, user_id)
    if person is None or not can_view_profile(current_user, person):
        abort(404)
    return render_template("accounts/profile.html", person=person)


@bp.route("/organisations")
def organisations() -> str:
    """Every organisation with its number of members."""
    counts = (
        select(User.organisation_id, func.count(User.id).label("members"))
        .where(User.active.is_(True))
        .group_by(User.organisation_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Organisation, func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.organisation_id == Organisation.id)
        .order_by(func.lower(Organisation.name))
    ).all()
    return render_template("accounts/organisations.html", rows=rows)


@bp.route("/organisations/<slug>")
def organisation(slug: str) -> str:
    """An organisation and its people."""
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None:
        abort(404)
    page = page_arg()
    members = db.paginate(
        select(User)
        .where(User.organisation_id == org.id, User.active.is_(True))
        .options(selectinload(User.organisation))
        .order_by(func.lower(User.display_name)),
        page=page,
        per_page=50,
        error_out=False,
    )
    return render_template(
        "accounts/organisation.html",
        organisation=org,
        members=members,
        case_studies=listing.for_organisation(org.id),
    )
