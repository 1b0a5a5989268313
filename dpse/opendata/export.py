"""Writing the open-data ZIP: every table as CSV and JSON Lines plus a data dictionary, into a
temporary file beside the published one, swapped in with os.replace when complete (a download
running meanwhile keeps reading the old file, and a failed export leaves it in place)."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app

from dpse.opendata.table import Table
from dpse.opendata.tables import TABLES

log = logging.getLogger(__name__)

FILENAME = "dpse-open-data.zip"
DICTIONARY = "README.md"
Progress = Callable[[int, int], None]


class ExportFolderError(RuntimeError):
    """The instance folder cannot take the export (missing or not writable)."""


def export_path() -> Path:
    """Where the published ZIP lives: the instance folder."""
    return Path(current_app.instance_path) / FILENAME


def licence() -> tuple[str, str]:
    """The licence's name and its URL, as configured."""
    return current_app.config["OPEN_DATA_LICENCE"], current_app.config["OPEN_DATA_LICENCE_URL"]


def attribution() -> str:
    """The line reusers are asked to credit the data with."""
    name, _url = licence()
    config = current_app.config
    return (
        f"Contains data from {config['SITE_NAME']}, operated by {config['OPERATOR_NAME']}, {name}."
    )


def count_rows() -> int:
    """How many rows the export will write (the progress bar's length)."""
    return sum(table.count() for table in TABLES)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def _entry(name: str, generated_at: datetime) -> zipfile.ZipInfo:
    """A compressed entry dated with the export (not 1980, zipfile's default)."""
    info = zipfile.ZipInfo(name, date_time=generated_at.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _write_table(
    archive: zipfile.ZipFile,
    table: Table,
    folder: Path,
    generated_at: datetime,
    tick: Callable[[], None],
) -> int:
    """Both files of one table from one read of its rows (so they agree), nothing held whole:
    the CSV goes straight into the archive, which takes one entry at a time, while the JSON
    Lines wait in a temporary file on disk, copied in after."""
    names = [c.name for c in table.columns]
    count = 0
    with tempfile.TemporaryFile(dir=folder) as jsonl_spool:
        with archive.open(
            _entry(f"{table.name}.csv", generated_at), "w", force_zip64=True
        ) as csv_raw:
            csv_text = io.TextIOWrapper(csv_raw, encoding="utf-8", newline="")
            jsonl_text = io.TextIOWrapper(jsonl_spool, encoding="utf-8", newline="\n")
            writer = csv.writer(csv_text)
            writer.writerow(names)
            for row in table.rows():
                writer.writerow([_csv_cell(row[name]) for name in names])
                jsonl_text.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
                tick()
            csv_text.flush()
            csv_text.detach()  # the archive's entry closes with the block, not the wrapper
            jsonl_text.flush()
            jsonl_text.detach()
        jsonl_spool.seek(0)
        with archive.open(
            _entry(f"{table.name}.jsonl", generated_at), "w", force_zip64=True
        ) as jsonl_raw:
            shutil.copyfileobj(jsonl_spool, jsonl_raw)
    return count


def data_dictionary(generated_at: datetime, counts: dict[str, int]) -> str:
    """The README inside the ZIP: licence, attribution, time, and every file and column."""
    name, url = licence()
    config = current_app.config
    lines = [
        f"# {config['SITE_NAME']}: open data",
        "",
        f"Generated at {generated_at.replace(microsecond=0).isoformat()}.",
        "",
        f"Licence: {name} ({url}).",
        f"Attribution: {attribution()}",
        "",
        "Everything here is what a signed-out visitor can read on the site: no drafts, no",
        "hidden posts or posts waiting for a moderator, no organisations waiting for approval,",
        "and no email addresses or account settings.",
        "",
        "Each type of content comes twice, with the same rows and columns: as CSV (UTF-8, a",
        "header row; lists separated by ';', true/false for yes/no, empty for none) and as",
        "JSON Lines (one JSON object per line; lists as arrays, null for none). Text written",
        "on the site comes both as its Markdown source and as the sanitised HTML the site",
        "shows. Times are ISO 8601 with their offset (UTC).",
        "",
    ]
    for table in TABLES:
        lines += [
            f"## {table.name}.csv, {table.name}.jsonl",
            "",
            f"{table.description} {counts.get(table.name, 0)} row(s).",
            "",
            "| column | type | meaning |",
            "| --- | --- | --- |",
            *(f"| {c.name} | {c.type} | {c.meaning} |" for c in table.columns),
            "",
        ]
    return "\n".join(lines)


def check_folder() -> Path:
    """The instance folder, if the export can be written there; else ExportFolderError."""
    folder = export_path().parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise ExportFolderError(f"cannot write the open-data export: {folder} is not writable")
    return folder


def write_export(
    progress: Progress | None = None, total: int | None = None
) -> tuple[Path, dict[str, int]]:
    """Write the ZIP into the instance folder and swap it in; the rows written per table."""
    target = export_path()
    folder = check_folder()
    total = count_rows() if total is None else total
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    generated_at = datetime.now(UTC)
    counts: dict[str, int] = {}
    try:
        handle, temp_name = tempfile.mkstemp(prefix=".open-data-", suffix=".zip", dir=folder)
    except OSError as exc:
        raise ExportFolderError(f"cannot write the open-data export: {exc}") from exc
    try:
        with (
            os.fdopen(handle, "wb") as raw,
            zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive,
        ):
            for table in TABLES:
                counts[table.name] = _write_table(archive, table, folder, generated_at, tick)
            archive.writestr(
                _entry(DICTIONARY, generated_at), data_dictionary(generated_at, counts)
            )
        os.chmod(temp_name, 0o644)  # mkstemp's 0600 would hide it from a separate web user
        # The page's date and Last-Modified match the README's; the microseconds kept in the
        # file's time make two exports in one second differ in their ETag.
        stamp = generated_at.timestamp()
        os.utime(temp_name, (stamp, stamp))
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    log.info("open-data export written to %s (%d rows)", target, done)
    return target, counts
