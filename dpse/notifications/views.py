"""Notifications page, settings, and the follow / unfollow buttons."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from dpse.accounts.models import User
from dpse.forum import discussions
from dpse.notifications import bp, service, targets
from dpse.notifications.forms import FollowForm, SettingsForm
from dpse.notifications.models import TargetType
from dpse.permissions import can_follow, require
from dpse.web import bounded_int, bounded_int_arg, page_arg


def signed_in_user() -> User:
    """The real User behind Flask-Login's proxy, for service calls."""
    return current_user._get_current_object()


def _local(path: str) -> bool:
    return path.startswith("/") and not path.startswith("//") and "\\" not in path


@bp.route("")
@login_required
def index() -> str:
    """Your notifications, newest first, unread ones marked."""
    pager = service.notifications_page(signed_in_user(), page_arg())
    return render_template("notifications/index.html", pager=pager)


@bp.route("/read", methods=["POST"])
@login_required
def mark_all_read() -> Response:
    """Mark the notifications you have seen as read."""
    up_to = bounded_int_arg("up_to", source=request.form)
    count = service.mark_all_read(signed_in_user(), up_to)
    flash(f"Marked {count} notification{'s' if count != 1 else ''} as read.", "success")
    return redirect(url_for("notifications.index"))


@bp.route("/<int:notification_id>")
@login_required
def open_notification(notification_id: int) -> Response:
    """Follow a notification's link, marking it read."""
    notification = service.open_notification(signed_in_user(), notification_id)
    if notification is None:
        abort(404)
    return redirect(notification.url if _local(notification.url) else url_for(".index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> str | Response | tuple[str, int]:
    """Email preference, and everything you follow."""
    user = signed_in_user()
    form = SettingsForm()
    if request.method == "GET":
        form.email_enabled.data = service.email_enabled(user)
    if form.validate_on_submit():
        service.set_email_enabled(user, bool(form.email_enabled.data))
        flash(
            "Your notifications will also arrive by email."
            if form.email_enabled.data
            else "You will not get notification emails.",
            "success",
        )
        return redirect(url_for("notifications.settings"))
    following = targets.describe(service.subscriptions(user), user)
    status = 400 if form.errors else 200
    return render_template("notifications/settings.html", form=form, following=following), status


def _follow_target(form: FollowForm) -> targets.FollowTarget:
    target_id = bounded_int(form.target_id.data)
    if not form.validate_on_submit() or target_id is None:
        abort(400)
    target = targets.resolve(TargetType(form.target_type.data), target_id, current_user)
    if target is None:
        abort(404)
    return target


def _back(form: FollowForm, target: targets.FollowTarget) -> Response:
    # Back to the page the button was on, as long as it is that target's page.
    wanted = form.next.data or ""
    page = wanted.split("?")[0].split("#")[0]
    if _local(wanted) and page in (target.url, url_for("notifications.settings")):
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
    kind = {TargetType.CASE_STUDY: "case_study", TargetType.EVENT: "event"}.get(target_type)
    discussion = discussions.thread_for(kind, target_id) if kind else None
    if discussion is not None:  # its comments too: the button said "Stop following"
        service.unfollow(signed_in_user(), TargetType.THREAD, discussion.id)
    target = targets.resolve(target_type, target_id, current_user)
    if target is None:  # gone or hidden since: still unfollowed
        flash("You no longer follow it.", "success")
        return redirect(url_for("notifications.settings"))
    flash(f"You no longer follow “{target.title}”.", "success")
    return _back(form, target)
