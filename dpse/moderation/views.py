"""The moderators' queue."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from dpse.casestudies.listing import review_queue
from dpse.moderation import bp
from dpse.permissions import can_moderate, require


@bp.route("")
@login_required
def index() -> str:
    """Case studies waiting for review, oldest first."""
    require(can_moderate(current_user))
    return render_template("moderation/index.html", reviews=review_queue())
