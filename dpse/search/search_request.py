"""The search page's request: what the visitor asked for, read and clamped from the URL; and
the text and project facets the case-study list narrows by in the same way."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from dpse.search.parsing import MAX_QUERY_LENGTH
from dpse.search.schema import FACETS, TYPES

MAX_PAGE = 100
MAX_VALUE = 100
FILTERS = (*FACETS, "tag")


def url_values(args: Any, names: Iterable[str]) -> dict[str, str]:
    """These URL arguments as trimmed text of up to MAX_VALUE characters ('' when absent)."""
    return {name: str(args.get(name, "")).strip()[:MAX_VALUE] for name in names}


@dataclass(frozen=True)
class ProjectFilters:
    """Text and the project facets that both the search page and the case-study list narrow by;
    every value comes from the URL (each page checks what its own query needs)."""

    q: str = ""
    sector: str = ""
    country: str = ""
    outcome: str = ""
    year: str = ""


@dataclass(frozen=True)
class SearchRequest(ProjectFilters):
    """What the visitor asked for; every value comes from the URL."""

    type: str = ""
    tag: str = ""
    sort: str = "relevance"
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> SearchRequest:
        """Read and clamp the URL arguments; junk is ignored, never an error."""
        values = url_values(args, FILTERS)
        if values["type"] not in TYPES:
            values["type"] = ""
        try:
            page = min(max(int(args.get("page", 1)), 1), MAX_PAGE)
        except (TypeError, ValueError):
            page = 1
        sort = args.get("sort", "relevance")
        return cls(
            q=str(args.get("q", ""))[:MAX_QUERY_LENGTH].strip(),
            sort=sort if sort in ("relevance", "newest") else "relevance",
            page=page,
            **values,
        )

    def active_filters(self) -> dict[str, str]:
        """Filters in use, for 'remove' links."""
        return {k: getattr(self, k) for k in FILTERS if getattr(self, k)}

    def args(self, **changes: Any) -> dict[str, Any]:
        """URL arguments for this search with some changed (page resets unless given)."""
        changes.setdefault("page", 1)
        new = replace(self, **changes)
        out = {k: getattr(new, k) for k in ("q", *FILTERS) if getattr(new, k)}
        if new.sort != "relevance":
            out["sort"] = new.sort
        if new.page > 1:
            out["page"] = new.page
        return out
