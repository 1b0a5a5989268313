"""WSGI entry point for gunicorn: ``gunicorn dpse.wsgi:app``."""

from __future__ import annotations

import sys

from dpse import create_app
from dpse.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    sys.stderr.write(f"dpse: {exc}\n")
    raise SystemExit(1) from None
