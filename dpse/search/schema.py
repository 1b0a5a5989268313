"""The one index's schema: shared fields for every kind of document."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from whoosh.analysis import StemmingAnalyzer
from whoosh.columns import RefBytesColumn
from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

TYPES = {
    "case_study": "Case study",
    "event": "Event",
    "thread": "Discussion",
    "post": "Reply",
}
# Fields people may search in (the parser never lets them name any other field).
TEXT_FIELDS = ("title", "summary", "body", "tags_text")
# Single-valued facets, stored as columns of one-byte references to their few distinct values,
# so a value's documents can be read in one pass over the column (whoosh_speedups.segment_sets).
FACETS = ("type", "sector", "country", "outcome", "year")


def make_schema() -> Schema:
    """Build a fresh Schema (Whoosh schemas hold analyzer state: one per index)."""
    stem = StemmingAnalyzer()
    return Schema(
        key=ID(unique=True, stored=True),
        type=ID(stored=True, sortable=RefBytesColumn()),
        # "Did you mean" suggests the unstemmed words of titles (spelling=True). Spelling words
        # from bodies as well made a full rebuild ~45 % slower, from summaries ~10 %; in the
        # benchmark corpus (10,000 documents) titles alone had a correction for 40 typos of 40.
        title=TEXT(analyzer=stem, stored=True, field_boost=3.0, spelling=True),
        summary=TEXT(analyzer=stem, stored=True, field_boost=1.5),
        body=TEXT(analyzer=stem),
        tags_text=TEXT(analyzer=stem, field_boost=2.0),
        tags=KEYWORD(commas=True, lowercase=True, stored=True),
        sector=ID(stored=True, sortable=RefBytesColumn()),
        country=ID(stored=True, sortable=RefBytesColumn()),
        outcome=ID(stored=True, sortable=RefBytesColumn()),
        year=ID(stored=True, sortable=RefBytesColumn()),
        organisation=STORED(),
        language=STORED(),  # BCP 47 tag: the results page marks the title with lang=…
        date=DATETIME(stored=True, sortable=True),
        added=DATETIME(),  # when it became public: "new since" for saved searches
        url=STORED(),
    )


def schema_signature(schema: Schema) -> list[tuple]:
    """What about each field decides how it is indexed and read, comparable between the schema
    an index was built with and this release's (Whoosh's field objects don't compare by value)."""
    return [
        (
            name,
            type(field).__name__,
            type(field.column_type).__name__ if field.column_type else None,
            field.stored,
            getattr(field, "field_boost", 1.0),
            bool(getattr(field, "spelling", False)),
            type(field.format).__name__,
        )
        for name, field in sorted(schema.items())
    ]


@dataclass
class SearchDocument:
    """What a domain hands to the index for one public object."""

    type: str
    id: int
    title: str
    summary: str
    body: str
    url: str
    date: datetime
    tags: list[tuple[str, str]] = field(default_factory=list)  # (slug, name)
    sector: str = ""
    country: str = ""
    outcome: str = ""
    organisation: str = ""
    added: datetime | None = None  # when it became public, if not ``date`` (events)
    language: str = ""

    @property
    def key(self) -> str:
        return f"{self.type}:{self.id}"

    def fields(self) -> dict[str, object]:
        """The Whoosh fields for this document."""
        return {
            "key": self.key,
            "type": self.type,
            "title": self.title,
            "summary": self.summary,
            "body": self.body,
            "tags_text": " ".join(name for _, name in self.tags),
            "tags": ",".join(slug for slug, _ in self.tags),
            "sector": self.sector,
            "country": self.country,
            "outcome": self.outcome,
            "year": str(self.date.year),
            "organisation": self.organisation,
            "date": self.date.replace(tzinfo=None),  # Whoosh stores naive UTC
            "added": (self.added or self.date).replace(tzinfo=None),
            "url": self.url,
            "language": self.language,
        }
