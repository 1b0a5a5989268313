"""Tag pages: everything carrying one tag."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from dpse.tags import queries
from dpse.tags.views import bp


@bp.route("/<slug>")
def show(slug: str) -> str:
    """One tag and what carries it (each domain adds its section; see queries.tag_sections)."""
    tag = queries.tag_by_slug(slug)
    if tag is None:
        abort(404)
    return render_template("tags/show.html", tag=tag, **queries.tag_sections(tag, current_user))
