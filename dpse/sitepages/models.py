"""Site pages (the admin-edited text of the statements), their revisions, accessibility reports."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dpse.accounts.models import User
from dpse.extensions import db
from dpse.mixins import UTCDateTime, utcnow
from dpse.rendering import RenderedMarkdown, StoredHTML

# Field limits, declared once: columns, forms and the service all use these.
MAX_BODY = 50_000  # characters of a page's Markdown (the defaults are about 8,000)
KEY_MAX = 32
NAME_MAX = 100
EMAIL_MAX = 254
PAGE_URL_MAX = 500
DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 5_000
NOTE_MAX = 500


class PageKey(enum.StrEnum):
    """The pages there are; each is served at /<value> and has a default in defaults/."""

    ACCESSIBILITY = "accessibility"
    PRIVACY = "privacy"
    TERMS = "terms"
    CONTACT = "contact"

    @property
    def title(self) -> str:  # type: ignore[override]
        return _TITLES[self]


_TITLES = {
    PageKey.ACCESSIBILITY: "Accessibility statement",
    PageKey.PRIVACY: "Privacy notice",
    PageKey.TERMS: "Terms of use and code of conduct",
    PageKey.CONTACT: "Contact us",
}


class SitePage(RenderedMarkdown, db.Model):
    """A page's text as an admin last saved it; a page without a row shows its default."""

    __tablename__ = "site_page"
    __markdown__ = ("body",)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_MAX), unique=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(StoredHTML, default="")  # rendered when body is set
    body_text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revision_count: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<SitePage {self.key}>"


class SitePageRevision(RenderedMarkdown, db.Model):
    """One saved version of a page (the newest is what the page shows), with who saved it."""

    __tablename__ = "site_page_revision"
    __markdown__ = ("body",)
    __table_args__ = (UniqueConstraint("page_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("site_page.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(StoredHTML, default="")  # rendered when body is set
    body_text: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    editor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    page: Mapped[SitePage] = relationship()
    editor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<SitePageRevision {self.page_id}#{self.number}>"


class AccessibilityReport(db.Model):
    """Someone's report of an accessibility problem, waiting in the admins' queue until handled."""

    __tablename__ = "accessibility_report"
    __table_args__ = (Index("ix_accessibility_report_open", "handled_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(NAME_MAX), default="")
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), default="")
    page_url: Mapped[str] = mapped_column(String(PAGE_URL_MAX), default="")
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    handled_note: Mapped[str] = mapped_column(String(NOTE_MAX), default="")

    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])

    @property
    def is_open(self) -> bool:
        """Still waiting for an admin."""
        return self.handled_at is None

    def __repr__(self) -> str:
        return f"<AccessibilityReport {self.id}>"
