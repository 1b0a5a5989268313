"""A person's public profile, at /people/<handle>."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from dpse.accounts import handles, queries
from dpse.accounts.views import bp
from dpse.permissions import can_view_profile


@bp.route("/people/<int:user_id>")
def profile_by_id(user_id: int) -> Response:
    """The address profiles had before handles: it redirects (handles always hold a letter)."""
    person = queries.get_user(user_id)
    if person is None or not can_view_profile(current_user, person):
        abort(404)
    return redirect(url_for("accounts.profile", handle=person.handle), 301)


@bp.route("/people/<handle>")
def profile(handle: str) -> str | Response:
    """A person's public profile; a former handle, or one typed in capitals, redirects."""
    person, former = handles.by_handle(handle)
    if person is None or not can_view_profile(current_user, person):
        abort(404)
    if former or handle != person.handle:
        return redirect(url_for("accounts.profile", handle=person.handle), 301)
    return render_template("accounts/profile.html", person=person)
