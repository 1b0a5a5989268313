"""Personal API tokens on API requests: ``Authorization: Bearer dpse_…``. Reading needs none (a
token only gives the request its own rate-limit key); writing needs one with the right scope."""

from __future__ import annotations

from flask import g, request
from werkzeug.wrappers import Response

from dpse.accounts.tokens import ApiToken, Scope, authenticate
from dpse.api.responses import problem

REALM = 'Bearer realm="DPSE API"'


def unauthorised(detail: str, invalid: bool = True) -> Response:
    """401 with the challenge RFC 6750 asks for (``invalid_token`` when one was sent)."""
    response = problem(401, "Unauthorized", detail)
    challenge = REALM + (', error="invalid_token"' if invalid else "")
    response.headers["WWW-Authenticate"] = challenge
    return response


def read_token() -> Response | None:
    """Put the request's token, if any, in ``g.api_token``; a 401 when one is sent but does not
    work (malformed, unknown, expired, revoked, or its account closed)."""
    g.api_token = None
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return unauthorised("Send a personal API token as 'Authorization: Bearer dpse_…'.")
    token = authenticate(secret.strip())
    if token is None:
        return unauthorised(
            "This API token does not work: it is unknown, expired or revoked. Make a new one "
            "on your account page."
        )
    g.api_token = token
    return None


def current_token() -> ApiToken | None:
    """The token this request was sent with (checked by read_token), if any."""
    return g.get("api_token")


def require_scope(scope: Scope) -> tuple[ApiToken | None, Response | None]:
    """The request's token if it may do ``scope``; else the 401 or 403 answer to give."""
    token = current_token()
    if token is None:
        return None, unauthorised(
            f"This needs a personal API token with the '{scope.value}' scope, sent as "
            "'Authorization: Bearer dpse_…'. Make one on your account page.",
            invalid=False,
        )
    if not token.allows(scope):
        return None, problem(
            403,
            "Forbidden",
            f"This token may not do this: it needs the '{scope.value}' scope. Make a token "
            "with it on your account page.",
        )
    return token, None
