"""Email settings, and the follow / unfollow buttons on every followable page."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from dpse.notifications import queries, service
from dpse.notifications.forms import FollowForm, SettingsForm
from dpse.notifications.models import TargetType
from dpse.notifications.queries import FollowTarget
from dpse.notifications.views import bp
from dpse.notifications.views.inbox import is_local_path
from dpse.permissions import can_follow, require
from dpse.web import bounded_int, form_status, signed_in_user


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> str | Response | tuple[str, int]:
    """Email preference, and everything you follow."""
    user = signed_in_user()
    form = SettingsForm()
    if request.method == "GET":
        form.email_enabled.data = queries.email_enabled(user)
    if form.validate_on_submit():
        service.set_email_enabled(user, bool(form.email_enabled.data))
        flash(
            "Your notifications will also arrive by email."
            if form.email_enabled.data
            else "You will not get notification emails.",
            "success",
        )
        return redirect(url_for("notifications.settings"))
    following = queries.describe(queries.subscriptions(user), user)
    return render_template(
        "notifications/settings.html", form=form, following=following
    ), form_status(form)


def _follow_target(form: FollowForm) -> FollowTarget:
    target_id = bounded_int(form.target_id.data)
    if not form.validate_on_submit() or target_id is None:
        abort(400)
    target = queries.resolve(TargetType(form.target_type.data), target_id, current_user)
    if target is None:
        abort(404)
    return target


def _back(form: FollowForm, target: FollowTarget) -> Response:
    # Back to the page the button was on, as long as it is that target's page.
    wanted = form.next.data or ""
    page = wanted.split("?")[0].split("#")[0]
    if is_local_path(wanted) and page in (target.url, url_for("notifications.settings")):
        return redirect(wanted)
    return redirect(target.url)


@bp.route("/follow", methods=["POST"])
@login_required
def follow() -> Response:
    """Follow a thread, case study, event or tag."""
    require(can_follow(current_user))
    form = FollowForm()
    target = _follow_target(form)
    service.follow(signed_in_user(), target.type, target.id)
    flash(
        f"You are following “{target.title}”. You will get a notification when there is news.",
        "success",
    )
    return _back(form, target)


@bp.route("/unfollow", methods=["POST"])
@login_required
def unfollow() -> Response:
    """Stop following something."""
    form = FollowForm()
    if not form.validate_on_submit() or not str(form.target_id.data).isdigit():
        abort(400)
    target_type, target_id = TargetType(form.target_type.data), int(form.target_id.data)
    service.unfollow(signed_in_user(), target_type, target_id)
    discussion_id = queries.discussion_thread_id(target_type, target_id)
    if discussion_id is not None:  # its comments too: the button said "Stop following"
        service.unfollow(signed_in_user(), TargetType.THREAD, discussion_id)
    target = queries.resolve(target_type, target_id, current_user)
    if target is None:  # gone or hidden since: still unfollowed
        flash("You no longer follow it.", "success")
        return redirect(url_for("notifications.settings"))
    flash(f"You no longer follow “{target.title}”.", "success")
    return _back(form, target)
