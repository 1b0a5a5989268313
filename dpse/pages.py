"""Site-wide pages composed from several domains: the home page."""

from __future__ import annotations

from flask import Blueprint, render_template

from dpse.accounts.queries import count_active_people, count_organisations
from dpse.casestudies.queries import newest
from dpse.events.queries import upcoming_events
from dpse.forum.queries import active_threads
from dpse.pagecache import shared_when_signed_in

bp = Blueprint("main", __name__)


@bp.route("/")
@shared_when_signed_in()
def home() -> str:
    """What the exchange is: newest case studies, upcoming events, active discussions."""
    return render_template(
        "home.html",
        people=count_active_people(),
        organisations=count_organisations(),
        case_studies=newest(3),
        events=upcoming_events(3),
        threads=active_threads(3),
    )
