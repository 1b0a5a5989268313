"""Error pages in the site design."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

PAGES = (400, 403, 404, 405, 413, 429, 500)


def _render(code: int, title: str, description: str) -> tuple[str, int]:
    template = f"errors/{code}.html" if code in PAGES else "errors/generic.html"
    return render_template(template, code=code, title=title, description=description), code


def handle_http_error(exc: HTTPException) -> tuple[str, int] | HTTPException:
    """Any 4xx/5xx raised with abort() or by Werkzeug."""
    if exc.code is None or exc.code < 400:
        return exc
    return _render(exc.code, exc.name, exc.description or "")


def handle_csrf_error(exc: CSRFError) -> tuple[str, int]:
    """A form posted without a valid token (expired session, or a forged request)."""
    return _render(
        400,
        "Form expired",
        "This form was open too long or came from another site. Go back, reload the page "
        "and submit it again.",
    )


def handle_unexpected(exc: InternalServerError) -> tuple[str, int]:
    """A bug: Flask has logged the traceback already; show a calm page."""
    return _render(500, InternalServerError.name, "Something went wrong on our side.")


def register_error_handlers(app: Flask) -> None:
    """Wire the handlers into the app."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    # 500 only (not Exception): Flask logs the original error first, and tests still see it raise.
    app.register_error_handler(InternalServerError, handle_unexpected)
