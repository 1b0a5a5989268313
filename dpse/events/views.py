"""Event pages (the list arrives with the events issue)."""

from __future__ import annotations

from flask import render_template

from dpse.events import bp


@bp.route("")
def index() -> str:
    """Upcoming events; until they land, says what is coming."""
    return render_template(
        "coming_soon.html",
        title="Events",
        what="Meetups and conferences such as Open Councils: register, join the waitlist "
        "and add them to your calendar.",
    )
