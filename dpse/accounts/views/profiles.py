"""A person's public profile, at /people/<handle>: who they are, then what they have done.

The lists (case studies, threads, replies, events) come from the "profile.sections" extension
point: accounts sits below those domains and does not import them. Each list shows its first
few items and a count; ?section=<key>&page=N shows one list, paged.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from dpse.accounts import handles, queries
from dpse.accounts.views import bp
from dpse.permissions import can_view_profile
from dpse.web import page_arg, page_size

PROFILE_SECTIONS = "profile.sections"
PREVIEW = 5  # items of each list on the profile itself


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
    only = request.args.get("section") or None
    sections = queries.page_sections(
        PROFILE_SECTIONS, person, only, page_arg(), page_size(), PREVIEW
    )
    showing_one = only is not None and [s.key for s in sections] == [only]
    return render_template(
        "accounts/profile.html", person=person, sections=sections, showing_one=showing_one
    )
