"""Forum pages (the discussions arrive with the forum issue)."""

from __future__ import annotations

from flask import render_template

from dpse.forum import bp


@bp.route("")
def index() -> str:
    """Forum categories; until they land, says what is coming."""
    return render_template(
        "coming_soon.html",
        title="Forum",
        what="Discussion threads: questions, 'has anyone migrated this?', post-mortems, "
        "and the comments under case studies and events.",
    )
