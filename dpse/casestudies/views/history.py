"""Revision history pages: the list, one revision, a comparison, and restoring."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from dpse.casestudies import queries, revisions, service
from dpse.casestudies.views import bp, load_allowed
from dpse.permissions import can_restore_case_study_revision, can_view_case_study_history
from dpse.web import bounded_int_arg, signed_in_user


@bp.route("/<slug>/history")
@login_required
def history(slug: str) -> str:
    """Every saved version, newest first, with a form to compare two."""
    cs = load_allowed(slug, can_view_case_study_history)
    return render_template(
        "casestudies/history.html", case_study=cs, revisions=queries.revisions(cs)
    )


@bp.route("/<slug>/history/compare")
@login_required
def compare(slug: str) -> str:
    """What changed between two revisions (``?from=1&to=3``)."""
    cs = load_allowed(slug, can_view_case_study_history)
    old_number, new_number = bounded_int_arg("from"), bounded_int_arg("to")
    if old_number is None or new_number is None:
        abort(400)
    old, new = queries.get_revision(cs, old_number), queries.get_revision(cs, new_number)
    if old is None or new is None:
        abort(404)
    if old.number > new.number:
        old, new = new, old
    return render_template(
        "casestudies/compare.html",
        case_study=cs,
        old=old,
        new=new,
        changes=revisions.compare(old.content, new.content),
    )


@bp.route("/<slug>/history/<int:number>/restore", methods=["POST"])
@login_required
def restore(slug: str, number: int) -> Response:
    """Moderators bring back an earlier version (recorded as a new revision)."""
    cs = load_allowed(slug, can_restore_case_study_revision)
    try:
        service.restore_revision(signed_in_user(), cs, number)
    except service.CaseStudyError as exc:
        flash(exc.message, "error")
        return redirect(url_for("casestudies.history", slug=cs.slug))
    flash(f"Revision {number} has been restored as a new revision.", "success")
    return redirect(url_for("casestudies.show", slug=cs.slug))
