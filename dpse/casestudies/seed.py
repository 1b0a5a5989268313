"""Load demo case studies from seed_data/case_studies.yaml through the normal write path."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path

import yaml
from sqlalchemy import select

from dpse.accounts.service import get_user_by_email
from dpse.casestudies import service
from dpse.casestudies.models import BudgetBand, CaseStudy, Outcome, Sector
from dpse.extensions import db
from dpse.permissions import can_moderate

Progress = Callable[[str], None]


def _date(value: object) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _data(row: dict) -> service.CaseStudyData:
    links = row.get("links") or {}
    return service.CaseStudyData(
        title=row["title"],
        summary=row["summary"],
        sector=Sector(row["sector"]),
        outcome=Outcome(row["outcome"]),
        country=row.get("country", ""),
        region=row.get("region", ""),
        challenge=row.get("challenge", ""),
        what_we_built=row.get("what_we_built", ""),
        results=row.get("results", ""),
        lessons_learned=row.get("lessons_learned", ""),
        technologies=list(row.get("technologies") or []),
        topics=list(row.get("topics") or []),
        supplier_slugs=list(row.get("suppliers") or []),
        started_on=_date(row.get("started_on")),
        live_on=_date(row.get("live_on")),
        budget_band=BudgetBand(row.get("budget_band", "unknown")),
        repository_url=links.get("repository", ""),
        live_url=links.get("live", ""),
        publiccode_url=links.get("publiccode", ""),
        adapted_from_slugs=list(row.get("adapted_from") or []),
        co_author_emails=list(row.get("authors", [])[1:]),
        slug=row["slug"],
    )


def load_case_studies(folder: Path, progress: Progress) -> None:
    """Create the case studies that are not there yet (matched by slug)."""
    path = folder / "case_studies.yaml"
    rows = (yaml.safe_load(path.read_text(encoding="utf-8")) or []) if path.exists() else []
    existing = set(db.session.scalars(select(CaseStudy.slug)))
    moderator = get_user_by_email("moderator@dpse.example")
    added = 0
    for i, row in enumerate(rows, 1):
        if row["slug"] in existing:
            continue
        author = get_user_by_email(row["authors"][0])
        if author is None:
            progress(f"  skipped {row['slug']}: no account {row['authors'][0]}")
            continue
        cs = service.create_case_study(author, _data(row))
        status = row.get("status", "published")
        if status in ("submitted", "published"):
            service.submit(author, cs)
        if status == "published" and moderator is not None and can_moderate(moderator):
            day = cs.live_on or cs.started_on or date.today()
            service.publish(
                moderator, cs, notify=False, when=datetime.combine(day, time(9), tzinfo=UTC)
            )
            for email in row.get("helpful_by") or []:
                user = get_user_by_email(email)
                if user is not None:
                    service.toggle_helpful(user, cs)
        added += 1
        progress(f"  [{i}/{len(rows)}] {cs.title}")
    progress(f"Case studies: {added} added, {len(rows) - added} already there")
