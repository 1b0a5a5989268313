"""The search page (results arrive with the search issue)."""

from __future__ import annotations

from flask import render_template, request

from dpse.search import bp

MAX_QUERY_LENGTH = 200


@bp.route("/search")
def search() -> str:
    """Search everything; until the index lands, says what is coming and keeps the query."""
    query = request.args.get("q", "")[:MAX_QUERY_LENGTH]
    return render_template(
        "coming_soon.html",
        title="Search",
        query=query,
        what="One search over case studies, events and discussions, with filters by sector, "
        "country, outcome, technology and year.",
    )
