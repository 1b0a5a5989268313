"""Site-wide pages: the home page."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from dpse.accounts.models import Organisation, User
from dpse.casestudies.queries import newest
from dpse.events.service import upcoming_events
from dpse.extensions import db
from dpse.forum.queries import active_threads

bp = Blueprint("main", __name__)


@bp.route("/")
def home() -> str:
    """What the exchange is: newest case studies, upcoming events, active discussions."""
    people = db.session.scalar(select(func.count(User.id)).where(User.active.is_(True)))
    organisations = db.session.scalar(select(func.count(Organisation.id)))
    return render_template(
        "home.html",
        people=people,
        organisations=organisations,
        case_studies=newest(3),
        events=upcoming_events(3),
        threads=active_threads(3),
    )
