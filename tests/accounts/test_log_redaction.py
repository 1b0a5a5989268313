"""Reset, verification and calendar-feed tokens never reach the access log or the app's logs."""

from __future__ import annotations

import io
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from dpse import create_app
from dpse.access_log import RedactingLogger
from dpse.security import RedactSecretsFilter, redact_secrets

TOKEN = "WzEsImFiYzEyMyJd.Z1xYzw.s3cr3t-SIGNATURE_x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"GET /reset-password/{TOKEN} HTTP/1.1", "GET /reset-password/[redacted] HTTP/1.1"),
        (
            f"https://x.example/verify-email/{TOKEN}?a=1",
            "https://x.example/verify-email/[redacted]?a=1",
        ),
        ("/events/feed/AbC_-123xyz.ics", "/events/feed/[redacted].ics"),
        (f"/login?next=%2Freset-password%2F{TOKEN}", "/login?next=%2Freset-password%2F[redacted]"),
        ("/case-studies/reset-password-tips", "/case-studies/reset-password-tips"),
    ],
)
def test_redact_secrets(text, expected):
    assert redact_secrets(text) == expected


def _access_line(environ: dict[str, str]) -> str:
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = RedactingLogger(cfg)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.access_log.handlers = [handler]
    environ = {"REQUEST_METHOD": "GET", "SERVER_PROTOCOL": "HTTP/1.1", **environ}
    response = SimpleNamespace(status="200 OK", sent=123, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ.get("HTTP_REFERER", "-"))])
    logger.access(response, request, environ, timedelta(milliseconds=5))
    return stream.getvalue()


def test_gunicorn_access_log_redacts_tokens_in_paths_and_referrers():
    line = _access_line(
        {
            "RAW_URI": f"/reset-password/{TOKEN}",
            "PATH_INFO": f"/reset-password/{TOKEN}",
            "QUERY_STRING": "",
            "REMOTE_ADDR": "203.0.113.9",
            "HTTP_REFERER": f"https://exchange.example.org/verify-email/{TOKEN}",
        }
    )
    assert '"GET /reset-password/[redacted] HTTP/1.1" 200 123' in line
    assert "/verify-email/[redacted]" in line  # the Referer of a page's own assets
    assert TOKEN not in line


def test_the_app_log_filter_redacts_a_request_line():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", f"GET /verify-email/{TOKEN} HTTP/1.1", "302"),
        None,
    )
    assert RedactSecretsFilter().filter(record)
    assert record.getMessage() == '127.0.0.1 - - "GET /verify-email/[redacted] HTTP/1.1" 302'


def test_the_app_installs_the_filter_on_its_log_handlers(database_url, tmp_path):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path)})
        logging.getLogger("werkzeug").warning("GET /reset-password/%s HTTP/1.1", TOKEN)
        logging.getLogger("dpse.mail").warning(
            "kept for the developer: /verify-email/%s", TOKEN, extra={"keep_secrets": True}
        )
    finally:
        root.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines == [
        "GET /reset-password/[redacted] HTTP/1.1",
        f"kept for the developer: /verify-email/{TOKEN}",
    ]
