"""Case-study pages: list, read, write, edit, and the workflow buttons."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from dpse.accounts.models import OrganisationKind, User
from dpse.accounts.service import list_organisations
from dpse.casestudies import bp, listing, service
from dpse.casestudies.forms import CaseStudyForm, ReturnForm
from dpse.casestudies.models import CaseStudy
from dpse.forum.queries import discussion_for
from dpse.limits import PREVIEW_MESSAGE, preview_allowed
from dpse.permissions import (
    can_archive_case_study,
    can_create_case_study,
    can_delete_case_study,
    can_edit_case_study,
    can_mark_helpful,
    can_publish_case_study,
    can_review_case_study,
    can_submit_case_study,
    require,
)
from dpse.rules import show_on_form
from dpse.web import page_arg


def signed_in_user() -> User:
    """The real User behind Flask-Login's proxy, for service calls."""
    return current_user._get_current_object()


def load_visible(slug: str) -> CaseStudy | Response:
    """The case study at this address if the visitor may see it; old addresses redirect."""
    cs, moved_to = service.find_by_slug(slug, current_user)
    if cs is not None:
        return cs
    if moved_to is not None:
        endpoint = request.endpoint or "casestudies.show"
        return redirect(url_for(endpoint, **{**request.view_args, "slug": moved_to}), 301)
    abort(404)


@bp.route("")
def index() -> str:
    """Published case studies, filtered by the facets in the URL."""
    filters = listing.Filters.from_args(request.args)
    sort = request.args.get("sort", "newest")
    sort = sort if sort in listing.SORTS else "newest"
    result = listing.list_case_studies(filters, sort, page_arg())
    return render_template(
        "casestudies/index.html",
        result=result,
        filters=filters,
        sort=sort,
        sorts=listing.SORTS,
        without=listing.without,
    )


@bp.route("/mine")
@login_required
def mine() -> str:
    """Everything I wrote, whatever its status."""
    return render_template(
        "casestudies/mine.html", case_studies=listing.for_author(current_user.id)
    )


def _supplier_choices() -> list[SelectChoice]:
    return [
        SelectChoice(o.slug, o.name)
        for o in list_organisations()
        if o.kind == OrganisationKind.SUPPLIER
    ]


FORM_FIELDS = {"adapted_from_slugs": "adapted_from", "supplier_slugs": "suppliers"}


def _render_form(form: CaseStudyForm, cs: CaseStudy | None, preview: bool = False):
    status = 400 if (form.errors or form.form_errors) else 200
    return render_template(
        "casestudies/form.html", form=form, case_study=cs, preview=preview
    ), status


def _render_preview(form: CaseStudyForm, cs: CaseStudy | None):
    """The form with its sections rendered, if the account's preview allowance has room."""
    if preview_allowed(current_user.id):
        return _render_form(form, cs, preview=True)
    form.form_errors.append(PREVIEW_MESSAGE)
    return _render_form(form, cs)[0], 429


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> str | Response | tuple[str, int]:
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


@bp.route("/<slug>")
def show(slug: str) -> str | Response:
    """One case study, with what it reused, who reused it and related ones."""
    cs = load_visible(slug)
    if isinstance(cs, Response):
        return cs
    return render_template(
        "casestudies/show.html",
        case_study=cs,
        related=listing.related(cs) if cs.status.value == "published" else [],
        marked=current_user.is_authenticated and service.has_marked_helpful(signed_in_user(), cs),
        return_form=ReturnForm(),
        # Published and archived case studies show their comments (archived ones take no more).
        discussion=discussion_for(
            "case_study", cs.id, current_user, accepts_comments=cs.status.value == "published"
        )
        if cs.is_public
        else None,
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str) -> str | Response | tuple[str, int]:
    """Change a case study; every save is kept as a revision."""
    cs = load_visible(slug)
    if isinstance(cs, Response):
        return cs
    require(can_edit_case_study(current_user, cs))
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


def _workflow(slug: str, allowed, action, message: str) -> Response:
    cs = load_visible(slug)
    if isinstance(cs, Response):
        return cs
    require(allowed(current_user, cs))
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


@bp.route("/<slug>/archive", methods=["POST"])
@login_required
def archive(slug: str) -> Response:
    """Take it out of lists and search."""
    return _workflow(slug, can_archive_case_study, service.archive, "Archived.")


@bp.route("/<slug>/helpful", methods=["POST"])
@login_required
def helpful(slug: str) -> Response:
    """Toggle 'this was helpful'."""
    cs = load_visible(slug)
    if isinstance(cs, Response):
        return cs
    require(can_mark_helpful(current_user, cs))
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
    cs = load_visible(slug)
    if isinstance(cs, Response):
        return cs
    require(can_review_case_study(current_user, cs))
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            service.return_for_changes(signed_in_user(), cs, form.reason.data)
        except service.CaseStudyError as exc:
            form.reason.errors = [exc.message]
        else:
            flash("Returned to the authors with your note.", "success")
            return redirect(url_for("casestudies.show", slug=cs.slug))
    status = 400 if form.errors else 200
    return render_template("casestudies/return.html", case_study=cs, form=form), status


@bp.route("/<slug>/delete", methods=["POST"])
@login_required
def delete(slug: str) -> Response:
    """Throw away a case study that was never published."""
    cs = load_visible(slug)
    if isinstance(cs, Response):
        return cs
    require(can_delete_case_study(current_user, cs))
    service.delete_draft(signed_in_user(), cs)
    flash("The draft has been deleted.", "success")
    return redirect(url_for("casestudies.mine"))
