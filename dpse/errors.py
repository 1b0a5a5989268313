"""Error pages in the site design."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge
from werkzeug.wrappers import Response

from dpse import resubmit

PAGES = (400, 403, 404, 405, 413, 429, 500)


def _render(code: int, title: str, description: str) -> tuple[str, int]:
    template = f"errors/{code}.html" if code in PAGES else "errors/generic.html"
    return render_template(template, code=code, title=title, description=description), code


def handle_http_error(exc: HTTPException) -> tuple[str, int] | HTTPException:
    """Any 4xx/5xx raised with abort() or by Werkzeug."""
    if exc.code is None or exc.code < 400:
        return exc
    return _render(exc.code, exc.name, exc.description or "")


def handle_csrf_error(exc: CSRFError) -> tuple[str, int] | Response:
    """A form posted without a valid token (expired session, or a forged request): posted from
    one of our form pages, that page again with what was typed (dpse.resubmit)."""
    replayed = resubmit.after_expired_token()
    if replayed is not None:
        return replayed
    typed = resubmit.typed_text()
    if typed:  # signed out meanwhile: the form cannot come back, so show the text to copy
        page = render_template(
            "errors/expired.html",
            title="Form expired",
            message=resubmit.EXPIRED_MESSAGE,
            typed=typed,
        )
        return page, 400
    return _render(
        400,
        "Form expired",
        "This form was open too long or came from another site. Go back, reload the page "
        "and submit it again.",
    )


def handle_too_large(exc: RequestEntityTooLarge) -> tuple[str, int] | Response:
    """A body over MAX_CONTENT_LENGTH: the form page with what fitted, or a page that says the
    limit and that nothing was saved."""
    replayed = resubmit.after_too_large()
    if replayed is not None:
        return replayed
    return _render(413, "Too large", resubmit.too_large_message())


def handle_unexpected(exc: InternalServerError) -> tuple[str, int]:
    """A bug: Flask has logged the traceback already; show a calm page."""
    return _render(500, InternalServerError.name, "Something went wrong on our side.")


def register_error_handlers(app: Flask) -> None:
    """Wire the handlers into the app."""
    resubmit.init_resubmit(app)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    app.register_error_handler(HTTPException, handle_http_error)
    # 500 only (not Exception): Flask logs the original error first, and tests still see it raise.
    app.register_error_handler(InternalServerError, handle_unexpected)
