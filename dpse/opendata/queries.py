"""Reads for the open-data page: the published ZIP, if an export has written one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dpse.opendata.export import export_path


@dataclass(frozen=True)
class PublishedExport:
    """The ZIP on disk: where, how big, and when it was generated."""

    path: Path
    size: int
    generated_at: datetime


def published_export() -> PublishedExport | None:
    """The last export, or None when `dpse open-data export` has not run yet."""
    path = export_path()
    try:
        stat = path.stat()
    except OSError:
        return None
    return PublishedExport(path, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))
