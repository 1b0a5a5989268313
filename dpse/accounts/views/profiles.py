"""A person's public profile."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from dpse.accounts import queries
from dpse.accounts.views import bp
from dpse.permissions import can_view_profile


@bp.route("/people/<int:user_id>")
def profile(user_id: int) -> str:
    """A person's public profile."""
    person = queries.get_user(user_id)
    if person is None or not can_view_profile(current_user, person):
        abort(404)
    return render_template("accounts/profile.html", person=person)
