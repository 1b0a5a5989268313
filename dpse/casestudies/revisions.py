"""What a revision holds and how two revisions differ: the editable content of a case study
as plain data (what forms fill, the service saves and each revision stores as JSON), and a
readable word-level difference between two stored snapshots.

Its own module, not service.py or queries.py: it touches no database, and the service, the
forms and the history pages all use it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from dpse.casestudies.models import BudgetBand, CaseStudy, Outcome, Sector


@dataclass
class CaseStudyData:
    """Everything an author can edit, as plain values."""

    title: str
    summary: str
    sector: Sector
    outcome: Outcome
    country: str = ""
    region: str = ""
    challenge: str = ""
    what_we_built: str = ""
    results: str = ""
    lessons_learned: str = ""
    technologies: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    supplier_slugs: list[str] = field(default_factory=list)
    started_on: date | None = None
    live_on: date | None = None
    budget_band: BudgetBand = BudgetBand.UNKNOWN
    repository_url: str = ""
    live_url: str = ""
    publiccode_url: str = ""
    adapted_from_slugs: list[str] = field(default_factory=list)
    co_author_emails: list[str] = field(default_factory=list)
    slug: str = ""  # empty: keep (or, before first publication, follow the title)
    language: str = ""  # BCP 47 tag; empty: the site's language


def snapshot(cs: CaseStudy) -> dict[str, Any]:
    """JSON-able copy of the editable content, stored in each revision."""
    return {
        "title": cs.title,
        "summary": cs.summary,
        "sector": cs.sector.value,
        "outcome": cs.outcome.value,
        "country": cs.country,
        "region": cs.region,
        "challenge": cs.challenge,
        "what_we_built": cs.what_we_built,
        "results": cs.results,
        "lessons_learned": cs.lessons_learned,
        "technologies": [t.name for t in cs.technologies],
        "topics": [t.name for t in cs.topics],
        "supplier_slugs": [o.slug for o in cs.suppliers],
        "started_on": cs.started_on.isoformat() if cs.started_on else None,
        "live_on": cs.live_on.isoformat() if cs.live_on else None,
        "budget_band": cs.budget_band.value,
        "repository_url": cs.repository_url,
        "live_url": cs.live_url,
        "publiccode_url": cs.publiccode_url,
        "adapted_from_slugs": [c.slug for c in cs.adapted_from],
        "co_author_emails": [a.user.email for a in cs.authors[1:]],
        "slug": cs.slug,
        "language": cs.language,
    }


def data_from_snapshot(content: dict[str, Any]) -> CaseStudyData:
    """Turn a stored revision back into editable data (for restoring it)."""
    known = {f.name for f in fields(CaseStudyData)}
    values = {k: v for k, v in content.items() if k in known}
    values["sector"] = Sector(values["sector"])
    values["outcome"] = Outcome(values["outcome"])
    values["budget_band"] = BudgetBand(values.get("budget_band") or "unknown")
    for key in ("started_on", "live_on"):
        values[key] = date.fromisoformat(values[key]) if values.get(key) else None
    return CaseStudyData(**values)


FIELD_LABELS = {
    "title": "title",
    "summary": "summary",
    "sector": "sector",
    "outcome": "outcome",
    "country": "country",
    "region": "region",
    "challenge": "the challenge",
    "what_we_built": "what we built",
    "results": "results",
    "lessons_learned": "lessons learned",
    "technologies": "technologies",
    "topics": "topics",
    "supplier_slugs": "suppliers",
    "started_on": "start date",
    "live_on": "go-live date",
    "budget_band": "budget",
    "repository_url": "repository link",
    "live_url": "live site link",
    "publiccode_url": "publiccode.yml link",
    "adapted_from_slugs": "adapted from",
    "co_author_emails": "co-authors",
    "slug": "web address",
    "language": "language",
}


def field_labels(names: list[str]) -> list[str]:
    """What people call these fields, in this order."""
    return [FIELD_LABELS.get(n, n) for n in names]


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The fields (not the address) whose values differ between two snapshots."""
    # A key missing from an older snapshot (e.g. language) was not changed by the edit.
    return [k for k in after if k != "slug" and before.get(k, after[k]) != after[k]]


_TOKEN = re.compile(r"\s+|[^\s]+")


@dataclass
class Change:
    """One run of text: kept ('equal'), removed ('delete') or added ('insert')."""

    kind: str
    text: str


@dataclass
class FieldDiff:
    """The changes to one field."""

    name: str
    label: str
    changes: list[Change]


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


# SequenceMatcher's time grows faster than the product of its inputs' lengths when they share
# many short pieces: two shuffles of one 20,000-character section took 74 s word by word.
# No single comparison here pairs more pieces than this (~0.1 s at worst).
MAX_PAIRS = 2_000_000


def word_diff(old: str, new: str) -> list[Change]:
    """Compare word by word (whitespace kept); texts too large for that compare line by line
    first, then word by word within the changed lines that are small enough."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    if len(a) * len(b) <= MAX_PAIRS:
        return _diff(a, b, _pieces)
    lines_a, lines_b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    if len(lines_a) * len(lines_b) > MAX_PAIRS:
        return _diff([old], [new], _pieces)  # all of it replaced: still exact, just coarse
    return _diff(lines_a, lines_b, _words_within)


def _pieces(old: list[str], new: list[str]) -> list[Change]:
    return [Change(kind, "".join(part)) for kind, part in (("delete", old), ("insert", new))]


def _words_within(old: list[str], new: list[str]) -> list[Change]:
    """Changed lines compared word by word when that stays within the bound."""
    a, b = _TOKEN.findall("".join(old)), _TOKEN.findall("".join(new))
    return _diff(a, b, _pieces) if len(a) * len(b) <= MAX_PAIRS else _pieces(a, b)


def _diff(a: list[str], b: list[str], replaced: Callable[..., list[Change]]) -> list[Change]:
    changes: list[Change] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            changes.append(Change("equal", "".join(a[i1:i2])))
        else:  # replace, delete or insert: the empty side adds nothing
            changes.extend(c for c in replaced(a[i1:i2], b[j1:j2]) if c.text)
    return changes


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[FieldDiff]:
    """Field-by-field differences between two revision snapshots (changed fields only)."""
    result = []
    for name, label in FIELD_LABELS.items():
        before, after = _as_text(old.get(name)), _as_text(new.get(name))
        if before != after:
            result.append(FieldDiff(name, label.capitalize(), word_diff(before, after)))
    return result
