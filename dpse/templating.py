"""Small Jinja filters for presentation (dates)."""

from __future__ import annotations

from datetime import datetime


def format_datetime(value: datetime | None, fmt: str = "%-d %B %Y") -> str:
    """'25 November 2026' (UTC); empty for None."""
    return value.strftime(fmt) if value else ""
