"""Logging: one line per request with its request id, plain text or JSON lines.

Every request gets an id (a proxy's ``X-Request-Id`` when it looks like one, else a new one),
sent back as ``X-Request-Id`` and carried by every record logged while it runs, so one
request's lines can be found together across workers and hosts. Paths are redacted of emailed
link and feed tokens (dpse.security); bodies, cookies and headers are never logged.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request

from dpse.security import install_log_redaction, redact_secrets

REQUEST_LOG = logging.getLogger("dpse.request")
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
TEXT_FORMAT = "%(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Give every record a ``request_id`` ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = (
                g.get("request_id", "-") if has_request_context() else "-"
            )
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id and the request
    fields a request line carries."""

    FIELDS = ("method", "path", "status", "duration_ms", "remote_addr")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(level: str, fmt: str) -> None:
    """The root logger's level; our handler's format (text or json); on every handler the
    request id and the redaction of link tokens."""
    root = logging.getLogger()
    if not root.handlers:  # as logging.basicConfig: a host that configured logging keeps it
        ours = logging.StreamHandler()
        ours.set_name("dpse")
        root.addHandler(ours)
    root.setLevel(level)
    for handler in root.handlers:
        if handler.get_name() == "dpse":
            json_lines = fmt == "json"
            handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
        if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
            handler.addFilter(RequestIdFilter())
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its plugin chatter is not news
    install_log_redaction()


def _start_request() -> None:
    offered = request.headers.get("X-Request-Id", "")
    g.request_id = offered if _GOOD_ID.fullmatch(offered) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:  # a request refused before the app's hooks ran
        return response
    response.headers["X-Request-Id"] = request_id
    duration_ms = round((time.perf_counter() - g.request_started) * 1000, 1)
    path = redact_secrets(request.full_path.rstrip("?"))
    REQUEST_LOG.info(
        "%s %s %s %.1fms",
        request.method,
        path,
        response.status_code,
        duration_ms,
        extra={
            "method": request.method,
            "path": path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "remote_addr": request.remote_addr,
        },
    )
    return response


def init_request_log(app: Flask) -> None:
    """Configure logging from the app's settings and log every request with its id."""
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    app.before_request(_start_request)
    app.after_request(_log_request)
