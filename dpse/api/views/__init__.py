"""The API blueprint: read-only JSON under /api/v1/ and the /api page. Importing this package
attaches every route; ``init_api`` is the one call create_app makes."""

from __future__ import annotations

from flask import Blueprint, Flask
from werkzeug.wrappers import Response

from dpse.api.auth import read_token
from dpse.api.params import BadParameter
from dpse.api.responses import check_rate_limit, init_responses, problem

bp = Blueprint("api", __name__)


@bp.before_request
def limit_rate() -> Response | None:
    """A token sent is checked first (401 if it does not work); then each token, or else each
    client address, gets DPSE_API_RATE_LIMIT requests (the /api page included)."""
    return read_token() or check_rate_limit()


@bp.errorhandler(BadParameter)
def bad_parameter(exc: BadParameter) -> Response:
    """A refused parameter: 400, naming it."""
    return problem(400, "Bad parameter", exc.detail, parameter=exc.name)


def init_api(app: Flask) -> None:
    """Register the blueprint (no CSRF: it reads, and its one write is authenticated by a
    token in a header, never by a cookie), its error answers and CORS."""
    from dpse.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
    init_responses(app)


# The route modules attach themselves to bp; importing them here is what routes them.
from dpse.api.views import community, content, docs, writing  # noqa: E402

__all__ = ["bp", "community", "content", "docs", "init_api", "writing"]
