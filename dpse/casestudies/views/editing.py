"""Writing case studies: the new and edit forms (with preview), and deleting a draft."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from dpse.accounts.models import OrganisationKind
from dpse.accounts.queries import list_organisations
from dpse.casestudies import service
from dpse.casestudies.forms import CaseStudyForm
from dpse.casestudies.models import CaseStudy
from dpse.casestudies.views import bp, load_allowed
from dpse.confirmations import Confirmation, ConfirmationForm, confirmed, render_confirmation
from dpse.limits import PREVIEW_MESSAGE, preview_allowed
from dpse.permissions import (
    can_create_case_study,
    can_delete_case_study,
    can_edit_case_study,
    can_submit_case_study,
    require,
)
from dpse.rules import show_on_form
from dpse.web import form_status, signed_in_user

Rendered = str | Response | tuple[str, int]


def _supplier_choices() -> list[SelectChoice]:
    return [
        SelectChoice(o.slug, o.name)
        for o in list_organisations()
        if o.kind == OrganisationKind.SUPPLIER
    ]


FORM_FIELDS = {"adapted_from_slugs": "adapted_from", "supplier_slugs": "suppliers"}


def _render_form(
    form: CaseStudyForm, cs: CaseStudy | None, preview: bool = False
) -> tuple[str, int]:
    return render_template(
        "casestudies/form.html", form=form, case_study=cs, preview=preview
    ), form_status(form)


def _render_preview(form: CaseStudyForm, cs: CaseStudy | None) -> tuple[str, int]:
    """The form with its sections rendered, if the account's preview allowance has room."""
    if preview_allowed(current_user.id):
        return _render_form(form, cs, preview=True)
    form.form_errors.append(PREVIEW_MESSAGE)
    return _render_form(form, cs)[0], 429


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Rendered:
    """Write a case study; it starts as a draft only the authors and moderators see."""
    require(can_create_case_study(current_user))
    form = CaseStudyForm()
    form.suppliers.choices = _supplier_choices()
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            return _render_preview(form, None)
        try:
            cs = service.create_case_study(signed_in_user(), form.to_data())
        except service.CaseStudyError as exc:
            show_on_form(form, exc, FORM_FIELDS)
        else:
            if request.form.get("action") == "submit":
                service.submit(signed_in_user(), cs)
                flash("Your case study has been sent to the moderators for review.", "success")
            else:
                flash(
                    "Your draft has been saved. Only you and the moderators can see it.", "success"
                )
            return redirect(url_for("casestudies.show", slug=cs.slug))
    return _render_form(form, None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> Rendered:
    """Change a case study; every save is kept as a revision."""
    cs = load_allowed(slug, can_edit_case_study)
    form = CaseStudyForm()
    form.suppliers.choices = _supplier_choices()
    if request.method == "GET":
        form.fill(service.data_from(cs))
    if form.validate_on_submit():
        if request.form.get("action") == "preview":
            return _render_preview(form, cs)
        try:
            changed = service.update_case_study(signed_in_user(), cs, form.to_data())
        except service.CaseStudyError as exc:
            show_on_form(form, exc, FORM_FIELDS)
        else:
            flash("Your changes have been saved." if changed else "Nothing had changed.", "success")
            if request.form.get("action") == "submit" and can_submit_case_study(current_user, cs):
                service.submit(signed_in_user(), cs)
                flash("It has been sent to the moderators for review.", "success")
            return redirect(url_for("casestudies.show", slug=cs.slug))
    return _render_form(form, cs)


@bp.route("/<slug>/delete", methods=["GET", "POST"])
@login_required
def delete(slug: str) -> Rendered:
    """Throw away a case study that was never published, after saying yes on a page that
    says what goes with it."""
    cs = load_allowed(slug, can_delete_case_study)
    form = ConfirmationForm()
    if confirmed(form):
        try:
            service.delete_draft(signed_in_user(), cs)
        except service.CaseStudyError as exc:
            form.form_errors.append(exc.message)
        else:
            flash("The draft has been deleted.", "success")
            return redirect(url_for("casestudies.mine"))
    others = [a.display_name for a in cs.author_users if a.id != current_user.id]
    shared = f" It is gone for {', '.join(others)} too." if others else ""
    return render_confirmation(
        Confirmation(
            title=f"Delete the draft: {cs.title}",
            heading=f"Delete the draft “{cs.title}”?",
            consequences=[
                "The draft and every earlier version of it are deleted for good. Nobody, "
                f"not even a moderator, can bring them back.{shared}",
                "If you only want to stop working on it for now, leave it as a draft: "
                "nobody else can see it.",
            ],
            button="Delete the draft",
            back_url=url_for("casestudies.show", slug=cs.slug),
        ),
        form,
    )
