"""Your notifications: the list, marking read, and opening one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from dpse.notifications import queries, service
from dpse.notifications.views import bp
from dpse.web import bounded_int_arg, page_arg, page_size, signed_in_user


def is_local_path(path: str) -> bool:
    """A path on this site (never //host or a backslash trick), safe to redirect to."""
    return path.startswith("/") and not path.startswith("//") and "\\" not in path


@bp.route("")
@login_required
def index() -> str:
    """Your notifications, newest first, unread ones marked."""
    pager = queries.notifications_page(signed_in_user(), page_arg(), page_size())
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
    return redirect(notification.url if is_local_path(notification.url) else url_for(".index"))
