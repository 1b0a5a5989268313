"""The moderators' one queue (flags, held posts, case-study reviews) and the audit log."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from dpse.audit import ACTION_LABELS
from dpse.casestudies.queries import review_queue
from dpse.forum import queries as forum_queries
from dpse.moderation import queries
from dpse.moderation.views import bp
from dpse.permissions import can_moderate, require
from dpse.web import page_arg


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
        "moderation/audit.html", pager=pager, action=action, labels=ACTION_LABELS
    )
