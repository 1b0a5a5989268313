"""The moderators' one queue (flags, held posts, case-study reviews) and the audit log."""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from dpse.audit import ACTION_LABELS, AuditLog
from dpse.casestudies.queries import review_queue
from dpse.forum import queries as forum_queries
from dpse.moderation import queries
from dpse.moderation.views import bp
from dpse.permissions import can_moderate, require
from dpse.web import page_arg

# Audit entries name their target by kind and id; these kinds have a page to link to.
_TARGET_PAGES: dict[str, Callable[[int], str]] = {
    "post": lambda target_id: url_for("forum.permalink", post_id=target_id),
    "thread": lambda target_id: url_for("forum.thread", thread_id=target_id),
}


def target_url(entry: AuditLog) -> str | None:
    """The page of an audit entry's target, when its kind has one."""
    page = _TARGET_PAGES.get(entry.target_type)
    return page(entry.target_id) if page else None


@bp.route("")
@login_required
def index() -> str:
    """Open flags, posts held for review and case studies waiting for review, oldest first."""
    require(can_moderate(current_user))
    return render_template(
        "moderation/index.html",
        flags=queries.open_flags(),
        held=forum_queries.held_posts(),
        reviews=review_queue(),
    )


@bp.route("/audit")
@login_required
def audit() -> str:
    """Every moderation action, newest first; ?action= narrows it to one kind."""
    require(can_moderate(current_user))
    action = request.args.get("action", "")
    action = action if action in ACTION_LABELS else ""
    pager = queries.audit_page(page_arg(), action)
    return render_template(
        "moderation/audit.html",
        pager=pager,
        action=action,
        labels=ACTION_LABELS,
        target_url=target_url,
    )
