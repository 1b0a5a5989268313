"""Admins' pages: edit a page's text, see its revisions, and the accessibility reports queue."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from dpse.permissions import can_edit_site_pages, can_handle_accessibility_reports, require
from dpse.sitepages import queries, service
from dpse.sitepages.forms import HandledForm, PageForm
from dpse.sitepages.models import PageKey
from dpse.sitepages.views import bp
from dpse.web import form_status, form_written, found_or_404, signed_in_user


def _key(raw: str) -> PageKey:
    try:
        return PageKey(raw)
    except ValueError:
        abort(404)


@bp.route("/admin/pages")
@login_required
def pages() -> str:
    """The published pages, whether each is still the shipped text, and links to edit them."""
    require(can_edit_site_pages(current_user))
    texts = [queries.page_text(key) for key in PageKey]
    return render_template("sitepages/pages.html", texts=texts)


@bp.route("/admin/pages/<key>", methods=["GET", "POST"])
@login_required
def edit(key: str) -> ResponseReturnValue:
    """Change a page's text: every save is a new revision, and goes in the audit log."""
    require(can_edit_site_pages(current_user))
    page_key = _key(key)
    form = PageForm()
    text = queries.page_text(page_key)
    if request.method == "GET":
        form.body.data = text.markdown

    def write() -> object:
        return service.save_page(
            signed_in_user(), page_key, form.body.data or "", form.note.data or ""
        )

    if form_written(form, write, service.SitePageError):
        flash(f"The {page_key.title.lower()} has been saved.", "success")
        return redirect(url_for(f"sitepages.{page_key.value}"))
    page = render_template("sitepages/edit.html", form=form, key=page_key, text=text)
    return page, form_status(form)


@bp.route("/admin/pages/<key>/history")
@login_required
def history(key: str) -> str:
    """Every saved version of a page, newest first."""
    require(can_edit_site_pages(current_user))
    page_key = _key(key)
    return render_template(
        "sitepages/history.html", key=page_key, revisions=queries.revisions(page_key)
    )


@bp.route("/admin/pages/<key>/history/<int:number>")
@login_required
def revision(key: str, number: int) -> str:
    """One saved version of a page, as it was shown."""
    require(can_edit_site_pages(current_user))
    page_key = _key(key)
    found = found_or_404(queries.revision(page_key, number))
    return render_template("sitepages/revision.html", key=page_key, revision=found)


@bp.route("/admin/accessibility-reports")
@login_required
def reports() -> str:
    """Open accessibility reports, oldest first, and the latest handled ones."""
    require(can_handle_accessibility_reports(current_user))
    return render_template(
        "sitepages/reports.html",
        open_reports=queries.open_reports(),
        handled=queries.recently_handled(),
    )


@bp.route("/admin/accessibility-reports/<int:report_id>/handled", methods=["POST"])
@login_required
def mark_handled(report_id: int) -> ResponseReturnValue:
    """Close a report, noting what was done."""
    require(can_handle_accessibility_reports(current_user))
    found = found_or_404(queries.report_by_id(report_id))
    form = HandledForm()
    if not form.validate_on_submit():
        for message in [*form.note.errors, *form.form_errors]:
            flash(message, "error")
        if form.csrf_token.errors:
            flash("The form expired. Mark the report handled again.", "error")
        return redirect(url_for("sitepages.reports"))
    try:
        done = service.mark_handled(signed_in_user(), found, form.note.data or "")
    except service.SitePageError as exc:
        flash(exc.message, "error")
        return redirect(url_for("sitepages.reports"))
    if done:
        flash(f"Report {found.id} is marked handled.", "success")
    else:
        flash(f"Report {found.id} had already been marked handled.", "info")
    return redirect(url_for("sitepages.reports"))
