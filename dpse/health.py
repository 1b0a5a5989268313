"""``/healthz`` for load balancers and monitoring: is this host able to serve?

200 when the database answers, the search index is present and its indexer is less than
HEALTH_MAX_INDEX_LAG_SECONDS behind the change log; 503 otherwise. JSON either way, never cached.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from dpse.extensions import db
from dpse.search import positions
from dpse.search.engine import current_engine
from dpse.search.models import SearchChange

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    """The database, the index and the indexer's lag, with 200 (healthy) or 503."""
    engine = current_engine()
    index_present = engine.path.is_dir() and engine.storage().index_exists()
    body: dict[str, object] = {"index": "present" if index_present else "missing"}
    healthy = index_present
    try:
        db.session.execute(text("SELECT 1"))
        lag_changes, lag_seconds = positions.lag(engine)
        log_length = db.session.scalar(select(func.count(SearchChange.id))) or 0
        db.session.rollback()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("Health check: the database did not answer")
        body["database"] = "unreachable"
        healthy = False
    else:
        body["database"] = "ok"
        body["indexer"] = {
            "lag_changes": lag_changes,
            "lag_seconds": round(lag_seconds, 1),
            "log_length": log_length,
        }
        if lag_seconds > current_app.config["HEALTH_MAX_INDEX_LAG_SECONDS"]:
            healthy = False
    body["status"] = "ok" if healthy else "unhealthy"
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
