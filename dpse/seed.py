"""Load the demo content in seed_data/ idempotently (never in production)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from dpse import _resource_dir
from dpse.accounts import service as accounts
from dpse.accounts.models import Organisation, OrganisationKind, User
from dpse.accounts.roles import Role
from dpse.casestudies.seed import load_case_studies
from dpse.events.seed import load_events
from dpse.extensions import db
from dpse.forum.seed import load_forum
from dpse.moderation.seed import load_moderation

DEMO_PASSWORD = "demo-password"  # noqa: S105 - published demo credential
DEMO_ACCOUNTS = (
    ("admin@dpse.example", "admin"),
    ("moderator@dpse.example", "moderator"),
    ("organiser@dpse.example", "organiser"),
    ("member@dpse.example", "member"),
    ("supplier@dpse.example", "supplier"),
)


def _read(name: str, folder: Path) -> list[dict[str, Any]]:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    return list(data or [])


def load_seed(progress: Callable[[str], None] = print, folder: Path | None = None) -> None:
    """Create what is missing from seed_data/; existing rows (by slug or email) are left alone."""
    folder = folder or _resource_dir("seed_data")
    orgs = _read("organisations.yaml", folder)
    by_slug = {o.slug: o for o in db.session.scalars(select(Organisation))}
    added = 0
    for row in orgs:
        if row["slug"] in by_slug:
            continue
        by_slug[row["slug"]] = accounts.create_organisation(
            row["name"],
            OrganisationKind(row["kind"]),
            country=row.get("country", ""),
            website=row.get("website", ""),
            slug=row["slug"],
        )
        added += 1
    db.session.commit()
    progress(f"Organisations: {added} added, {len(orgs) - added} already there")

    people = _read("users.yaml", folder)
    existing = set(db.session.scalars(select(User.email)))
    added = 0
    for i, row in enumerate(people, 1):
        if row["email"] in existing:
            continue
        accounts.create_user(
            row["email"],
            row["display_name"],
            DEMO_PASSWORD,
            Role(row.get("role", "member")),
            by_slug.get(row.get("organisation", "")),
            verified=True,
            job_title=row.get("job_title", ""),
            bio=row.get("bio", ""),
        )
        added += 1
        progress(f"  [{i}/{len(people)}] {row['email']}")
    progress(f"People: {added} added, {len(people) - added} already there")
    load_case_studies(folder, progress)
    load_forum(folder, progress)
    load_moderation(folder, progress)  # flags, pins and locks on the demo forum
    load_events(folder, progress)
