"""A readable word-level difference between two revisions of a case study."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from dpse.casestudies.service import FIELD_LABELS

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


def word_diff(old: str, new: str) -> list[Change]:
    """Compare word by word (whitespace kept), merging neighbouring runs of the same kind."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    changes: list[Change] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            changes.append(Change("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            changes.append(Change("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            changes.append(Change("insert", "".join(b[j1:j2])))
    return changes


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[FieldDiff]:
    """Field-by-field differences between two revision snapshots (changed fields only)."""
    result = []
    for name, label in FIELD_LABELS.items():
        before, after = _as_text(old.get(name)), _as_text(new.get(name))
        if before != after:
            result.append(FieldDiff(name, label.capitalize(), word_diff(before, after)))
    return result
