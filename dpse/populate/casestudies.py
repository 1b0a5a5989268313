"""Generated case studies: every status and outcome, authors, tags, suppliers, reuse, helpful
marks and the first revision, as the case-study service would have stored them."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from dpse.casestudies.models import (
    BudgetBand,
    CaseStudy,
    CaseStudyAuthor,
    CaseStudyRevision,
    HelpfulMark,
    Outcome,
    Sector,
    Status,
    case_study_adaptation,
    case_study_supplier,
    case_study_tag,
)
from dpse.languages import DEFAULT_LANGUAGE
from dpse.populate import words
from dpse.populate.community import Community
from dpse.populate.sink import Phase, Renderer, Sink, Unique

STATUS_SHARES = (
    ("published", 72),
    ("archived", 5),
    ("draft", 13),
    ("submitted", 6),
    ("returned", 4),
)
OUTCOME_SHARES = (("success", 50), ("mixed", 24), ("failure", 12), ("ongoing", 14))
SECTOR_OF_KIND = {
    "council": Sector.LOCAL_GOVERNMENT,
    "central-government": Sector.CENTRAL_GOVERNMENT,
    "health": Sector.HEALTH,
    "education": Sector.EDUCATION,
    "police-justice": Sector.POLICE_JUSTICE,
    "charity": Sector.CHARITY,
}
SECTIONS = ("challenge", "what_we_built", "results", "lessons_learned")


def case_studies(
    rng: random.Random,
    sink: Sink,
    phase: Phase,
    n: int,
    now: datetime,
    com: Community,
    renderer: Renderer,
) -> list[tuple[int, str]]:
    """``n`` case studies; returns (id, title) of the public ones, for comments and events."""
    statuses, status_cum = words.weighted(STATUS_SHARES)
    outcomes, outcome_cum = words.weighted(OUTCOME_SHARES)
    pools = {
        name: [words.section(rng) for _ in range(max(20, min(600, n // 3)))] for name in SECTIONS
    }
    slugs = Unique(CaseStudy.slug, max_length=120)
    table = CaseStudy.__table__
    rows: list[dict[str, Any]] = []
    links: dict[str, list[dict[str, int]]] = {"author": [], "tag": [], "supplier": []}
    adaptations: list[dict[str, int]] = []
    revisions: list[dict[str, Any]] = []
    helpful: list[dict[str, Any]] = []
    public: list[tuple[int, str]] = []
    reuse: dict[int, int] = {}
    with phase("Writing case studies", n) as progress:
        for i, cs_id in enumerate(sink.ids(table, n)):
            author = com.active_person(rng)
            org_id = com.person_org.get(author)
            status = rng.choices(statuses, cum_weights=status_cum)[0]
            outcome = rng.choices(outcomes, cum_weights=outcome_cum)[0]
            title = (
                f"{rng.choice(words.TITLE_VERBS)} {rng.choice(words.TITLE_THINGS)} for "
                f"{rng.choice(words.TITLE_AUDIENCES)} in {rng.choice(words.PLACES)}"
            )
            started = (now - timedelta(days=rng.randint(60, 2400))).date()
            live = started + timedelta(days=rng.randint(60, 500)) if outcome != "ongoing" else None
            if live is not None and live > now.date():
                live = None
            created = datetime.combine(started, datetime.min.time(), now.tzinfo) + timedelta(
                days=rng.randint(30, 400)
            )
            created = min(created, now - timedelta(days=2))
            submitted = created + timedelta(days=rng.randint(1, 20))
            submitted = min(submitted, now - timedelta(hours=1))
            published = submitted + timedelta(days=rng.randint(0, 10), hours=3)
            published = min(published, now - timedelta(minutes=30))
            is_public = status in ("published", "archived")
            kind = com.org_kind.get(org_id) if org_id else None
            row: dict[str, Any] = {
                "id": cs_id,
                "slug": slugs.take(title),
                "title": title,
                "summary": words.paragraph(rng, 1)[:300],
                "organisation_id": org_id,
                "sector": SECTOR_OF_KIND.get(kind or "", Sector.OTHER),
                "country": com.org_country.get(org_id, "") if org_id else "",
                "region": rng.choice(words.REGIONS),
                "outcome": Outcome(outcome),
                "started_on": started,
                "live_on": live,
                "year": (live or started).year,
                "budget_band": rng.choice(list(BudgetBand)),
                "repository_url": f"https://git.example.org/{cs_id}" if rng.random() < 0.4 else "",
                "live_url": f"https://service{cs_id}.example.org" if rng.random() < 0.5 else "",
                "publiccode_url": "",
                "status": Status(status),
                "return_reason": "Please add what it cost and who ran it."
                if status == "returned"
                else "",
                "submitted_at": submitted if status != "draft" else None,
                "published_at": published if is_public else None,
                "content_updated_at": created,
                "helpful_count": 0,
                "reuse_count": 0,
                "created_at": created,
                "updated_at": published if is_public else created,
                **renderer.version(),
            }
            for name in SECTIONS:
                row.update(renderer.columns(name, rng.choice(pools[name])))
            authors = [author]
            if rng.random() < 0.2 and len(com.people) > 3:
                authors += [p for p in {com.active_person(rng) for _ in range(2)} if p != author]
            for position, user_id in enumerate(sorted(authors, key=authors.index)):
                links["author"].append(
                    {"case_study_id": cs_id, "user_id": user_id, "position": position}
                )
            tag_ids = com.tags(rng, rng.randint(2, 8))
            links["tag"] += [{"case_study_id": cs_id, "tag_id": t} for t in tag_ids]
            suppliers: list[int] = []
            if com.supplier_org_ids and rng.random() < 0.3:
                suppliers = sorted(
                    {rng.choice(com.supplier_org_ids) for _ in range(rng.randint(1, 2))}
                )
                links["supplier"] += [
                    {"case_study_id": cs_id, "organisation_id": s} for s in suppliers
                ]
            if public and rng.random() < 0.06:
                source = rng.choice(public)[0]
                adaptations.append({"case_study_id": cs_id, "adapted_from_id": source})
                if status == "published":
                    reuse[source] = reuse.get(source, 0) + 1
            if is_public:
                marks = {com.active_person(rng) for _ in range(int(rng.paretovariate(1.5)) - 1)}
                row["helpful_count"] = len(marks)
                helpful += [
                    {
                        "case_study_id": cs_id,
                        "user_id": u,
                        "created_at": published + timedelta(days=1),
                    }
                    for u in sorted(marks)
                ]
                public.append((cs_id, title))
            rows.append(row)
            revisions.append(_revision(row, tag_ids, suppliers, com, authors[0], created, sink))
            if i % 500 == 0:
                progress(i, n)
        progress(n, n)
    for row in rows:
        row["reuse_count"] = reuse.get(row["id"], 0)
    sink.write(phase, "Case studies", table, rows)
    sink.write(phase, "Case study authors", CaseStudyAuthor.__table__, links["author"])
    sink.write(phase, "Case study tags", case_study_tag, links["tag"])
    sink.write(phase, "Case study suppliers", case_study_supplier, links["supplier"])
    sink.write(phase, "Reuse links", case_study_adaptation, adaptations)
    sink.write(phase, "Helpful marks", HelpfulMark.__table__, helpful)
    sink.write(phase, "Case study revisions", CaseStudyRevision.__table__, revisions)
    return public


def _revision(
    row: dict[str, Any],
    tag_ids: list[int],
    suppliers: list[int],
    com: Community,
    author: int,
    created: datetime,
    sink: Sink,
) -> dict[str, Any]:
    """The first revision, holding what `casestudies.revisions.snapshot` would."""

    def iso(value: date | None) -> str | None:
        return value.isoformat() if value else None

    content = {
        "title": row["title"],
        "summary": row["summary"],
        "sector": row["sector"].value,
        "outcome": row["outcome"].value,
        "country": row["country"],
        "region": row["region"],
        **{name: row[name] for name in SECTIONS},
        "technologies": sorted(com.tag_name[t] for t in tag_ids if com.tag_is_technology[t]),
        "topics": sorted(com.tag_name[t] for t in tag_ids if not com.tag_is_technology[t]),
        "supplier_slugs": [com.org_slug[s] for s in suppliers],
        "started_on": iso(row["started_on"]),
        "live_on": iso(row["live_on"]),
        "budget_band": row["budget_band"].value,
        "repository_url": row["repository_url"],
        "live_url": row["live_url"],
        "publiccode_url": row["publiccode_url"],
        "adapted_from_slugs": [],
        "co_author_emails": [],
        "slug": row["slug"],
        "language": DEFAULT_LANGUAGE,
    }
    return {
        "id": sink.ids(CaseStudyRevision.__table__, 1)[0],
        "case_study_id": row["id"],
        "number": 1,
        "editor_id": author,
        "created_at": created,
        "note": "Created",
        "content": content,
    }
