"""Case studies, their authors, tags, suppliers, reuse links, revisions and helpful marks."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dpse.accounts.models import Organisation, User
from dpse.extensions import db
from dpse.languages import DEFAULT_LANGUAGE, LANGUAGE_MAX
from dpse.mixins import TimestampMixin, UTCDateTime, string_enum, utcnow
from dpse.rendering import RenderedMarkdown, StoredHTML
from dpse.tags.models import Tag

# Field limits: the columns, the forms and the service all take them from here.
TITLE_MAX = 200
SUMMARY_MAX = 300
SECTION_MAX = 20_000  # each Markdown section (the challenge, what we built, ...)
PLACE_MAX = 100  # country, region
URL_MAX = 500
SLUG_MAX = 120
RETURN_REASON_MAX = 2000
REVISION_NOTE_MAX = 300


class Sector(enum.StrEnum):
    """Where in the public sector the work was done."""

    LOCAL_GOVERNMENT = "local-government"
    CENTRAL_GOVERNMENT = "central-government"
    HEALTH = "health"
    EDUCATION = "education"
    POLICE_JUSTICE = "police-justice"
    CHARITY = "charity"
    OTHER = "other"

    @property
    def label(self) -> str:
        return SECTOR_LABELS[self.value]


SECTOR_LABELS = {
    "local-government": "Local government",
    "central-government": "Central government",
    "health": "Health",
    "education": "Education",
    "police-justice": "Police and justice",
    "charity": "Charity",
    "other": "Other",
}


class Outcome(enum.StrEnum):
    """How it went — failures are as useful to others as successes."""

    SUCCESS = "success"
    MIXED = "mixed"
    FAILURE = "failure"
    ONGOING = "ongoing"

    @property
    def label(self) -> str:
        return {"mixed": "Mixed results"}.get(self.value, self.value.capitalize())

    @property
    def symbol(self) -> str:
        """A sign shown before the label, so the badge does not rely on colour alone."""
        return {"success": "✓", "failure": "✗", "mixed": "±", "ongoing": "…"}[self.value]


class Status(enum.StrEnum):
    """Workflow: draft → submitted → published (or returned with a reason) → archived."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    RETURNED = "returned"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return {"submitted": "Waiting for review", "returned": "Returned for changes"}.get(
            self.value, self.value.capitalize()
        )


class BudgetBand(enum.StrEnum):
    """Rough cost, in the organisation's currency."""

    UNKNOWN = "unknown"
    UNDER_10K = "under-10k"
    FROM_10K = "10k-50k"
    FROM_50K = "50k-250k"
    FROM_250K = "250k-1m"
    OVER_1M = "over-1m"

    @property
    def label(self) -> str:
        return {
            "unknown": "Not stated",
            "under-10k": "Under 10,000",
            "10k-50k": "10,000 – 50,000",
            "50k-250k": "50,000 – 250,000",
            "250k-1m": "250,000 – 1 million",
            "over-1m": "Over 1 million",
        }[self.value]


case_study_tag = Table(
    "case_study_tag",
    db.metadata,
    Column("case_study_id", ForeignKey("case_study.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)

case_study_supplier = Table(
    "case_study_supplier",
    db.metadata,
    Column("case_study_id", ForeignKey("case_study.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
)

case_study_adaptation = Table(
    "case_study_adaptation",
    db.metadata,
    Column("case_study_id", ForeignKey("case_study.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "adapted_from_id",
        ForeignKey("case_study.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class CaseStudyAuthor(db.Model):
    """An author of a case study; position 0 is the person who created it."""

    __tablename__ = "case_study_author"

    case_study_id: Mapped[int] = mapped_column(
        ForeignKey("case_study.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<CaseStudyAuthor {self.case_study_id}:{self.user_id}>"


class CaseStudy(RenderedMarkdown, TimestampMixin, db.Model):
    """What a public-sector team built, how it went and what others can learn from it."""

    __tablename__ = "case_study"
    __markdown__ = ("challenge", "what_we_built", "results", "lessons_learned")
    # The home page's newest and the list's default order read published ones in this order.
    __table_args__ = (
        Index("ix_case_study_published_order", "status", "published_at", "id"),
        # Covers the list's one-pass count of its four column facets (queries._column_facets),
        # and a filtered list's page of ids in its order (no row read to sort them).
        Index(
            "ix_case_study_facets",
            "status",
            "outcome",
            "sector",
            "country",
            "year",
            "published_at",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX))
    # BCP 47 tag of the language it is written in (pages mark its text with lang=…).
    language: Mapped[str] = mapped_column(String(LANGUAGE_MAX), default=DEFAULT_LANGUAGE)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    sector: Mapped[Sector] = mapped_column(string_enum(Sector, "case_study_sector"), index=True)
    country: Mapped[str] = mapped_column(String(PLACE_MAX), default="", index=True)
    region: Mapped[str] = mapped_column(String(PLACE_MAX), default="")
    outcome: Mapped[Outcome] = mapped_column(string_enum(Outcome, "case_study_outcome"), index=True)
    challenge: Mapped[str] = mapped_column(Text, default="")
    what_we_built: Mapped[str] = mapped_column(Text, default="")
    results: Mapped[str] = mapped_column(Text, default="")
    lessons_learned: Mapped[str] = mapped_column(Text, default="")
    # Rendered from the sections above when they are set (dpse.rendering), never by a page.
    challenge_html: Mapped[str] = mapped_column(StoredHTML, default="")
    challenge_text: Mapped[str] = mapped_column(Text, default="")
    what_we_built_html: Mapped[str] = mapped_column(StoredHTML, default="")
    what_we_built_text: Mapped[str] = mapped_column(Text, default="")
    results_html: Mapped[str] = mapped_column(StoredHTML, default="")
    results_text: Mapped[str] = mapped_column(Text, default="")
    lessons_learned_html: Mapped[str] = mapped_column(StoredHTML, default="")
    lessons_learned_text: Mapped[str] = mapped_column(Text, default="")
    started_on: Mapped[date | None] = mapped_column(Date)
    live_on: Mapped[date | None] = mapped_column(Date)
    # The project's year for filtering: went live, else started, else published.
    year: Mapped[int | None] = mapped_column(index=True)
    budget_band: Mapped[BudgetBand] = mapped_column(
        string_enum(BudgetBand, "case_study_budget"), default=BudgetBand.UNKNOWN
    )
    repository_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    live_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    publiccode_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    status: Mapped[Status] = mapped_column(
        string_enum(Status, "case_study_status"), default=Status.DRAFT, index=True
    )
    return_reason: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    content_updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    helpful_count: Mapped[int] = mapped_column(default=0)
    reuse_count: Mapped[int] = mapped_column(default=0)  # published case studies adapted from it

    organisation: Mapped[Organisation | None] = relationship()
    authors: Mapped[list[CaseStudyAuthor]] = relationship(
        order_by=CaseStudyAuthor.position, cascade="all, delete-orphan"
    )
    tags: Mapped[list[Tag]] = relationship(secondary=case_study_tag, order_by=Tag.name)
    suppliers: Mapped[list[Organisation]] = relationship(
        secondary=case_study_supplier, order_by=Organisation.name
    )
    adapted_from: Mapped[list[CaseStudy]] = relationship(
        secondary=case_study_adaptation,
        primaryjoin=id == case_study_adaptation.c.case_study_id,
        secondaryjoin=id == case_study_adaptation.c.adapted_from_id,
        back_populates="reused_by",
    )
    reused_by: Mapped[list[CaseStudy]] = relationship(
        secondary=case_study_adaptation,
        primaryjoin=id == case_study_adaptation.c.adapted_from_id,
        secondaryjoin=id == case_study_adaptation.c.case_study_id,
        back_populates="adapted_from",
    )

    @property
    def author_users(self) -> list[User]:
        return [a.user for a in self.authors]

    @property
    def is_public(self) -> bool:
        return self.status in (Status.PUBLISHED, Status.ARCHIVED)

    @property
    def is_draft(self) -> bool:
        return self.status == Status.DRAFT

    @property
    def is_submitted(self) -> bool:
        return self.status == Status.SUBMITTED

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def is_returned(self) -> bool:
        return self.status == Status.RETURNED

    @property
    def is_archived(self) -> bool:
        return self.status == Status.ARCHIVED

    @property
    def supplier_written(self) -> bool:
        """Labelled everywhere when any author belongs to a supplier."""
        return any(a.user.is_supplier for a in self.authors)

    @property
    def technologies(self) -> list[Tag]:
        return [t for t in self.tags if t.kind.value == "technology"]

    @property
    def topics(self) -> list[Tag]:
        return [t for t in self.tags if t.kind.value == "topic"]

    def __repr__(self) -> str:
        return f"<CaseStudy {self.id} {self.slug}>"


class CaseStudySlug(db.Model):
    """A former slug, kept so old links redirect to the case study."""

    __tablename__ = "case_study_slug"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    case_study_id: Mapped[int] = mapped_column(ForeignKey("case_study.id", ondelete="CASCADE"))

    def __repr__(self) -> str:
        return f"<CaseStudySlug {self.slug} -> {self.case_study_id}>"


class CaseStudyRevision(db.Model):
    """A saved version: who, when, and the full editable content at that point."""

    __tablename__ = "case_study_revision"
    __table_args__ = (UniqueConstraint("case_study_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_study_id: Mapped[int] = mapped_column(
        ForeignKey("case_study.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    editor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(String(REVISION_NOTE_MAX), default="")
    content: Mapped[dict[str, Any]] = mapped_column(JSON)

    editor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<CaseStudyRevision {self.case_study_id}#{self.number}>"


class HelpfulMark(db.Model):
    """One person found a case study helpful (once)."""

    __tablename__ = "helpful_mark"

    case_study_id: Mapped[int] = mapped_column(
        ForeignKey("case_study.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<HelpfulMark {self.case_study_id}:{self.user_id}>"
