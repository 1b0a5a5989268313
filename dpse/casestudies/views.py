"""Case-study pages (the list arrives with the case-studies issue)."""

from __future__ import annotations

from flask import render_template

from dpse.casestudies import bp


@bp.route("")
def index() -> str:
    """The case-study list; until it lands, says what is coming."""
    return render_template(
        "coming_soon.html",
        title="Case studies",
        what="Case studies from councils, agencies, health bodies and universities: "
        "what they built with Drupal, LocalGov Drupal and other open-source tools, "
        "what worked, and what they would do differently.",
    )
