"""The workflow buttons: submit, publish, return, archive, and 'this was helpful'."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from dpse.accounts.models import User
from dpse.casestudies import service
from dpse.casestudies.forms import ReturnForm
from dpse.casestudies.models import CaseStudy
from dpse.casestudies.views import bp, load_allowed
from dpse.confirmations import Confirmation, ConfirmationForm, confirmed, render_confirmation
from dpse.permissions import (
    can_archive_case_study,
    can_mark_helpful,
    can_publish_case_study,
    can_review_case_study,
    can_submit_case_study,
)
from dpse.web import form_status, signed_in_user

Allowed = Callable[[User, CaseStudy], bool]
Action = Callable[[User, CaseStudy], None]


def _workflow(slug: str, allowed: Allowed, action: Action, message: str) -> Response:
    cs = load_allowed(slug, allowed)
    # CSRFProtect has already checked the token of this POST.
    try:
        action(signed_in_user(), cs)
    except service.CaseStudyError as exc:
        flash(exc.message, "error")
    else:
        flash(message, "success")
    return redirect(url_for("casestudies.show", slug=cs.slug))


@bp.route("/<slug>/submit", methods=["POST"])
@login_required
def submit(slug: str) -> Response:
    """Send a draft for review."""
    return _workflow(
        slug, can_submit_case_study, service.submit, "Sent to the moderators for review."
    )


@bp.route("/<slug>/publish", methods=["POST"])
@login_required
def publish(slug: str) -> Response:
    """Moderators publish."""
    return _workflow(
        slug, can_publish_case_study, service.publish, "Published. The authors have been told."
    )


@bp.route("/<slug>/archive", methods=["GET", "POST"])
@login_required
def archive(slug: str) -> str | Response | tuple[str, int]:
    """Take it out of lists and search, after saying yes on a page that says so."""
    cs = load_allowed(slug, can_archive_case_study)
    form = ConfirmationForm()
    if confirmed(form):
        try:
            service.archive(signed_in_user(), cs)
        except service.CaseStudyError as exc:
            form.form_errors.append(exc.message)
        else:
            flash("Archived.", "success")
            return redirect(url_for("casestudies.show", slug=cs.slug))
    return render_confirmation(
        Confirmation(
            title=f"Archive the case study: {cs.title}",
            heading=f"Archive “{cs.title}”?",
            consequences=[
                "It leaves the case-study lists, the home page and search. Its page stays at "
                "the same address, marked as archived, so links to it keep working.",
                "Only a moderator can publish it again.",
            ],
            button="Archive the case study",
            back_url=url_for("casestudies.show", slug=cs.slug),
        ),
        form,
    )


@bp.route("/<slug>/helpful", methods=["POST"])
@login_required
def helpful(slug: str) -> Response:
    """Toggle 'this was helpful'."""
    cs = load_allowed(slug, can_mark_helpful)
    wanted = request.form.get("helpful")  # the state the button asked for: double clicks agree
    if wanted in ("0", "1"):
        marked = service.set_helpful(signed_in_user(), cs, wanted == "1")
    else:
        marked = service.toggle_helpful(signed_in_user(), cs)
    flash("Marked as helpful. Thank you." if marked else "Removed your helpful mark.", "success")
    return redirect(url_for("casestudies.show", slug=cs.slug) + "#helpful")


@bp.route("/<slug>/return", methods=["GET", "POST"])
@login_required
def return_for_changes(slug: str) -> str | Response | tuple[str, int]:
    """Moderators send it back to the authors with a reason."""
    cs = load_allowed(slug, can_review_case_study)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            service.return_for_changes(signed_in_user(), cs, form.reason.data)
        except service.CaseStudyError as exc:
            form.reason.errors = [exc.message]
        else:
            flash("Returned to the authors with your note.", "success")
            return redirect(url_for("casestudies.show", slug=cs.slug))
    return render_template("casestudies/return.html", case_study=cs, form=form), form_status(form)
