"""gunicorn's access log with emailed-link and feed tokens redacted (``--logger-class``)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from dpse.security import redact_secrets


class RedactingLogger(Logger):
    """gunicorn's logger whose access-log fields (request line, path, referrer, headers) never
    carry a reset, verification or calendar-feed token."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact_secrets(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }
