"""Facets: the filter a search's chosen values make, and each value's count over the matches."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from whoosh import query

from dpse.search.docsets import DocSet
from dpse.search.schema import FACETS

SHOWN = 30  # values listed per facet, most frequent first


@dataclass
class FacetCount:
    """One value of a facet and how many results have it."""

    value: str
    count: int
    selected: bool


def filter_query(chosen: Mapping[str, str]) -> query.Query | None:
    """The documents having every chosen facet value (``tag`` is the tags keyword field)."""
    terms = [query.Term(name, chosen[name]) for name in FACETS if chosen.get(name)]
    if chosen.get("tag"):
        terms.append(query.Term("tags", chosen["tag"].lower()))
    return query.And(terms) if terms else None


def facet_counts(
    matches: DocSet, names: tuple[str, ...], chosen: Mapping[str, str]
) -> dict[str, list[FacetCount]]:
    """Each facet's values among the matches, most frequent first, the chosen one marked."""
    counts = {}
    for name in names:
        groups = matches.top_counts("tags" if name == "tag" else name, SHOWN)
        selected = chosen.get(name, "")
        counts[name] = sorted(
            (FacetCount(v, n, v == selected) for v, n in groups.items()),
            key=lambda f: (-f.count, f.value),
        )[:SHOWN]
    return counts
