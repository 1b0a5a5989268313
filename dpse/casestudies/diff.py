"""A readable word-level difference between two revisions of a case study.

Its own module (not queries.py): it reads nothing from the database, it compares two stored
revision snapshots, and the word-level algorithm is a concern apart from the list queries.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
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
