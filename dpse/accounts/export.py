"""Download everything held about you (/account/data): a request queues a DataExport row; a job
(`dpse exports build`, also run by `dpse maintenance`) builds the ZIP outside any web request,
emails its owner, and the file is deleted after DATA_EXPORT_DAYS.

The ZIP holds JSON files (one per kind of record) and the Markdown of everything the person
wrote. Accounts sit below the domains that hold most of this, so each domain provides its part
at the "account.export" extension point: ``fn(user) -> Iterable[JsonFile | TextFile]``. Records
are written one at a time, straight into the ZIP on disk, so a heavy account needs no more
memory than a light one; the download is streamed from the file.
"""

from __future__ import annotations

import json
import logging
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import inspect, select

from dpse import mail
from dpse.accounts.models import DataExport, ExportStatus, FormerHandle, User, UserIdentity
from dpse.audit import AuditLog
from dpse.extensions import db
from dpse.jobs import run_alone
from dpse.mixins import utcnow
from dpse.registry import providers
from dpse.rules import RuleError
from dpse.urls import absolute_url

log = logging.getLogger(__name__)
EXPORT = "account.export"  # provide(app, EXPORT, fn(user) -> Iterable[JsonFile | TextFile])
# Never in an export: what would let someone who got hold of the file sign in as the person.
SECRET_COLUMNS = frozenset(
    {"password_hash", "session_token", "totp_secret", "code_hash", "token", "handle_key"}
)


class ExportError(RuleError):
    """A data export cannot be asked for or downloaded (see dpse.rules)."""


@dataclass(frozen=True)
class JsonFile:
    """A JSON file of the export: a list of records, read lazily."""

    name: str
    records: Iterable[dict[str, Any]]


@dataclass(frozen=True)
class TextFile:
    """A text file of the export (the Markdown someone wrote)."""

    name: str
    text: str


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def row_dict(obj: Any, skip: Iterable[str] = ()) -> dict[str, Any]:
    """A model row's columns as JSON-ready values, without secrets, rendered HTML or ``skip``."""
    skipped = SECRET_COLUMNS | set(skip)
    return {
        column.key: _plain(getattr(obj, column.key))
        for column in inspect(type(obj)).column_attrs
        if column.key not in skipped and not column.key.endswith("_html")
    }


def markdown_name(text: str, fallback: str) -> str:
    """A file name for a piece of writing: its slug-like title, or the fallback."""
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in text.lower())[:80]
    return cleaned.strip("-") or fallback


def account_part(user: User) -> Iterator[JsonFile | TextFile]:
    """The accounts domain's own part: profile, settings, organisation, audit entries about them."""
    profile = row_dict(user, skip={"bio_text"})
    profile["organisation"] = user.organisation.name if user.organisation else None
    yield JsonFile("profile.json", [profile])
    former = db.session.scalars(select(FormerHandle).where(FormerHandle.user_id == user.id))
    yield JsonFile("former_handles.json", (row_dict(f) for f in former))
    identities = db.session.scalars(select(UserIdentity).where(UserIdentity.user_id == user.id))
    yield JsonFile("sign_in_identities.json", (row_dict(i) for i in identities))
    yield JsonFile(
        "exports.json",
        (
            row_dict(e)
            for e in db.session.scalars(select(DataExport).where(DataExport.user_id == user.id))
        ),
    )
    about = select(AuditLog).where(
        ((AuditLog.target_type == "user") & (AuditLog.target_id == user.id))
        | (AuditLog.actor_id == user.id)
    )
    yield JsonFile(
        "audit_log.json", (row_dict(a) for a in db.session.scalars(about.order_by(AuditLog.id)))
    )
    if user.bio:
        yield TextFile("writing/profile-bio.md", user.bio)


def export_dir() -> Path:
    """Where built exports are kept: DPSE_DATA_EXPORT_PATH, else the instance folder's
    exports/ (never served as static files; with several hosts, a folder they all share)."""
    configured = current_app.config.get("DATA_EXPORT_PATH") or ""
    path = Path(configured) if configured else Path(current_app.instance_path) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_path(export: DataExport) -> Path:
    """The ZIP file of an export (its name is the unguessable token)."""
    return export_dir() / f"{export.token}.zip"


def latest_export(user: User) -> DataExport | None:
    """The person's most recent export request, whatever its state."""
    return db.session.scalars(
        select(DataExport)
        .where(DataExport.user_id == user.id)
        .order_by(DataExport.id.desc())
        .limit(1)
    ).first()


def request_export(user: User) -> DataExport:
    """Queue a download of everything about this person; one waiting request is enough."""
    if user.is_deleted or not user.active:
        raise ExportError("This account cannot ask for its data")
    waiting = db.session.scalars(
        select(DataExport).where(
            DataExport.user_id == user.id, DataExport.status == ExportStatus.QUEUED
        )
    ).first()
    if waiting is not None:  # a double click, or asking again before the first is ready
        return waiting
    export = DataExport(user_id=user.id)
    db.session.add(export)
    db.session.commit()
    log.info("%r asked for by %r", export, user)
    return export


def export_for_download(user: User, token: str) -> tuple[DataExport, Path]:
    """The ready export with this token, if it is this person's; ExportError otherwise (the
    view answers 404: another person's export does not exist for them)."""
    export = db.session.scalars(select(DataExport).where(DataExport.token == token)).first()
    if export is None or export.user_id != user.id or not export.is_ready:
        raise ExportError("There is no download at this address")
    if export.expires_at is not None and export.expires_at <= utcnow():
        raise ExportError("This download has expired: ask for a new one")
    path = export_path(export)
    if not path.is_file():
        raise ExportError("There is no download at this address")
    return export, path


def write_zip(user: User, path: Path) -> int:
    """Write the export of ``user`` to ``path`` one record at a time; returns its size."""
    partial = path.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        names: set[str] = set()
        parts: list[Iterable[JsonFile | TextFile]] = [account_part(user)]
        parts += [provide(user) for provide in providers(EXPORT)]
        for part in parts:
            for item in part:
                name = _unique(item.name, names)
                if isinstance(item, TextFile):
                    archive.writestr(name, item.text)
                    continue
                with archive.open(name, "w") as handle:
                    handle.write(b"[")
                    for index, record in enumerate(item.records):
                        if index:
                            handle.write(b",")
                        handle.write(b"\n")
                        handle.write(json.dumps(record, ensure_ascii=False, default=str).encode())
                    handle.write(b"\n]\n")
        archive.writestr("README.txt", _readme(user))
    partial.replace(path)
    return path.stat().st_size


def _unique(name: str, names: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    candidate, n = name, 1
    while candidate in names:
        n += 1
        candidate = f"{stem}-{n}{dot}{ext}" if dot else f"{name}-{n}"
    names.add(candidate)
    return candidate


def _readme(user: User) -> str:
    site = current_app.config["SITE_NAME"]
    return (
        f"Everything {site} holds about account {user.id}, made {utcnow():%-d %B %Y %H:%M} UTC.\n\n"
        "Each .json file is a list of records of one kind (profile.json is your account; "
        "case_studies.json, posts.json, registrations.json and the others what you did). "
        "The writing/ folder holds the Markdown of everything you wrote, one file each.\n"
        "Passwords, two-factor secrets and sign-in tokens are never included.\n"
    )


def build_pending(limit: int = 10) -> int:
    """Build queued exports (safe on several hosts at once: dpse.jobs); returns how many."""
    built = 0
    with run_alone("exports"):
        while built < limit:
            export = db.session.scalars(
                select(DataExport)
                .where(DataExport.status == ExportStatus.QUEUED)
                .order_by(DataExport.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if export is None:
                db.session.rollback()
                break
            _build(export)
            built += 1
    return built


def _build(export: DataExport) -> None:
    user = db.session.get(User, export.user_id)
    assert user is not None  # the row cascades away with its account
    try:
        export.size = write_zip(user, export_path(export))
    except (OSError, zipfile.BadZipFile) as exc:
        export.status = ExportStatus.FAILED
        db.session.commit()
        log.warning("%r could not be built: %s", export, exc)
        return
    export.status = ExportStatus.READY
    export.ready_at = utcnow()
    days = current_app.config["DATA_EXPORT_DAYS"]
    export.expires_at = export.ready_at + timedelta(days=days)
    site = current_app.config["SITE_NAME"]
    mail.queue_email(
        user.email,
        f"Your data from {site} is ready to download",
        f"Hello {user.display_name},\n\nThe download of everything {site} holds about you is "
        f"ready. Sign in and open this page to download it:\n\n"
        f"{absolute_url('accounts.data')}\n\nIt will be deleted after {days} days. "
        "If you did not ask for it, change your password.\n",
    )
    db.session.commit()
    mail.deliver_after_response()
    log.info("%r built (%s bytes)", export, export.size)


def expire_exports(now: datetime | None = None) -> int:
    """Delete the files of exports past their time; their rows stay as 'expired'."""
    now = now or utcnow()
    due = db.session.scalars(
        select(DataExport).where(
            DataExport.status == ExportStatus.READY, DataExport.expires_at <= now
        )
    ).all()
    for export in due:
        export_path(export).unlink(missing_ok=True)
        export.status = ExportStatus.EXPIRED
    db.session.commit()
    return len(due)


def remove_files(user: User) -> None:
    """Delete every export file of a person (their account is being deleted)."""
    for token in db.session.scalars(select(DataExport.token).where(DataExport.user_id == user.id)):
        (export_dir() / f"{token}.zip").unlink(missing_ok=True)
