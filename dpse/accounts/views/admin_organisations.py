"""Admin pages for organisations: the list (pending first), create, edit with verified email
domains, approve, verify pending members, merge one into another, delete an empty one."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from dpse.accounts import organisations as admin_writes
from dpse.accounts import queries
from dpse.accounts.forms import ConfirmForm, MergeOrganisationForm, OrganisationForm
from dpse.accounts.models import Organisation, OrganisationKind
from dpse.accounts.service import AccountError
from dpse.accounts.views import bp
from dpse.permissions import is_admin, require
from dpse.web import flash_outcome, form_status, form_written, found_or_404, signed_in_user


def _organisation(organisation_id: int) -> Organisation:
    require(is_admin(current_user))
    return found_or_404(queries.get_organisation(organisation_id))


@bp.route("/admin/organisations")
@login_required
def admin_organisations() -> str:
    """Every organisation, pending ones first, with members and pending members."""
    require(is_admin(current_user))
    return render_template(
        "accounts/admin_organisations.html", rows=queries.organisations_for_admin()
    )


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@login_required
def admin_new_organisation() -> ResponseReturnValue:
    """Add an organisation (approved at once)."""
    require(is_admin(current_user))
    form = OrganisationForm()
    saved: list[Organisation] = []

    def save() -> None:
        saved.append(admin_writes.save_organisation(signed_in_user(), None, **_fields(form)))

    if form_written(form, save, AccountError):
        flash(f"Added {saved[0].name}.", "success")
        return redirect(url_for("accounts.admin_organisation", organisation_id=saved[0].id))
    page = render_template("accounts/admin_organisation.html", form=form, organisation=None)
    return page, form_status(form)


@bp.route("/admin/organisations/<int:organisation_id>", methods=["GET", "POST"])
@login_required
def admin_organisation(organisation_id: int) -> ResponseReturnValue:
    """Edit one organisation; approve it, its pending members; merge or delete it."""
    organisation = _organisation(organisation_id)
    form = OrganisationForm(obj=organisation)
    merge = MergeOrganisationForm(prefix="merge")
    merge.target.choices = [
        (o.id, o.name) for o in queries.list_organisations() if o.id != organisation.id
    ]
    if form_written(
        form,
        lambda: admin_writes.save_organisation(signed_in_user(), organisation, **_fields(form)),
        AccountError,
    ):
        flash(f"Saved {organisation.name}.", "success")
        return redirect(url_for("accounts.admin_organisation", organisation_id=organisation.id))
    page = render_template(
        "accounts/admin_organisation.html",
        form=form,
        merge=merge,
        confirm=ConfirmForm(),
        organisation=organisation,
        pending=queries.pending_members(organisation),
        uses=admin_writes.in_use(organisation),
    )
    return page, form_status(form)


@bp.route("/admin/organisations/<int:organisation_id>/approve", methods=["POST"])
@login_required
def admin_approve_organisation(organisation_id: int) -> Response:
    """Make a pending organisation public."""
    organisation = _organisation(organisation_id)
    if ConfirmForm().validate_on_submit():
        flash_outcome(
            lambda: admin_writes.approve_organisation(signed_in_user(), organisation),
            f"{organisation.name} is approved and has its public page.",
            AccountError,
        )
    return redirect(url_for("accounts.admin_organisation", organisation_id=organisation.id))


@bp.route("/admin/organisations/<int:organisation_id>/members/<int:user_id>", methods=["POST"])
@login_required
def admin_verify_member(organisation_id: int, user_id: int) -> Response:
    """Verify one pending member."""
    organisation = _organisation(organisation_id)
    member = found_or_404(queries.get_user(user_id), lambda u: u.organisation_id == organisation.id)
    if ConfirmForm().validate_on_submit():
        flash_outcome(
            lambda: admin_writes.verify_member(signed_in_user(), member),
            f"{member.display_name} is now shown as a member of {organisation.name}.",
            AccountError,
        )
    return redirect(url_for("accounts.admin_organisation", organisation_id=organisation.id))


@bp.route("/admin/organisations/<int:organisation_id>/merge", methods=["POST"])
@login_required
def admin_merge_organisation(organisation_id: int) -> Response:
    """Merge this organisation into another: everything moves, the address redirects."""
    source = _organisation(organisation_id)
    form = MergeOrganisationForm(prefix="merge")
    form.target.choices = [(o.id, o.name) for o in queries.list_organisations()]
    if form.validate_on_submit():
        target = found_or_404(queries.get_organisation(form.target.data))
        name = source.name
        if flash_outcome(
            lambda: admin_writes.merge_organisations(signed_in_user(), source, target),
            f"{name} is merged into {target.name}; its address leads there.",
            AccountError,
        ):
            return redirect(url_for("accounts.admin_organisation", organisation_id=target.id))
    else:
        flash("Choose the organisation to merge into.", "error")
    return redirect(url_for("accounts.admin_organisation", organisation_id=organisation_id))


@bp.route("/admin/organisations/<int:organisation_id>/delete", methods=["POST"])
@login_required
def admin_delete_organisation(organisation_id: int) -> Response:
    """Delete an organisation nothing names."""
    organisation = _organisation(organisation_id)
    name = organisation.name
    if ConfirmForm().validate_on_submit() and flash_outcome(
        lambda: admin_writes.delete_organisation(signed_in_user(), organisation),
        f"{name} is deleted.",
        AccountError,
    ):
        return redirect(url_for("accounts.admin_organisations"))
    return redirect(url_for("accounts.admin_organisation", organisation_id=organisation_id))


def _fields(form: OrganisationForm) -> dict[str, object]:
    return {
        "name": form.name.data or "",
        "kind": OrganisationKind(form.kind.data),
        "country": form.country.data or "",
        "website": form.website.data or "",
        "domains": form.domains.data or "",
    }
