"""Saving a search from the search page, and the list of saved searches."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from dpse.confirmations import Confirmation, ConfirmationForm, confirmed, render_confirmation
from dpse.saved_searches import queries, service
from dpse.saved_searches.views import bp
from dpse.search.search_request import SearchRequest
from dpse.web import found_or_404, signed_in_user


@bp.route("/search/saved", methods=["GET"])
@login_required
def index() -> str:
    """The person's saved searches."""
    return render_template(
        "saved_searches/index.html", saved=queries.saved_searches(signed_in_user())
    )


@bp.route("/search/save", methods=["POST"])
@login_required
def save() -> Response:
    """Keep the search in the form's hidden fields (CSRF checked by CSRFProtect)."""
    search_request = SearchRequest.from_args(request.form)
    try:
        saved = service.save_search(signed_in_user(), search_request)
    except service.SavedSearchError as exc:
        flash(exc.message, "error")
    else:
        flash(
            f"Saved: {saved.label}. We will tell you about new matches, at most once a day.",
            "success",
        )
    return redirect(url_for("search.search", **search_request.args()))


@bp.route("/search/saved/<int:saved_id>/delete", methods=["GET", "POST"])
@login_required
def delete(saved_id: int) -> str | Response | tuple[str, int]:
    """Stop following a saved search, after saying yes on a page that says what stops."""
    form = ConfirmationForm()
    if confirmed(form):  # someone else's id deletes nothing; a double click deletes once
        if service.delete_saved_search(signed_in_user(), saved_id):
            flash("The saved search has been deleted.", "success")
        return redirect(url_for("saved_searches.index"))
    saved = found_or_404(queries.saved_search_of(signed_in_user(), saved_id))
    return render_confirmation(
        Confirmation(
            title=f"Delete the saved search: {saved.label}",
            heading=f"Delete the saved search “{saved.label}”?",
            consequences=[
                "You will no longer be told about new case studies, events or discussions "
                "that match it.",
                "To follow it again, search again and choose “Save this search”.",
            ],
            button="Delete the saved search",
            back_url=url_for("saved_searches.index"),
        ),
        form,
    )
