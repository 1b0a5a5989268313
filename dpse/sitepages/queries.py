"""Site-page reads: a page's text (an admin's, else the shipped default filled in from the
settings), its revisions, when the accessibility statement was reviewed, and the reports queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from string import Template
from typing import Any

from flask import current_app
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from dpse.accounts.models import User
from dpse.accounts.roles import Role
from dpse.content import render
from dpse.extensions import db
from dpse.notifications.queries import header_counts
from dpse.permissions import is_admin
from dpse.sitepages import checks
from dpse.sitepages.models import AccessibilityReport, PageKey, SitePage, SitePageRevision

# When the shipped default texts were last reviewed against what the code does.
DEFAULTS_REVIEWED_ON = date(2026, 12, 5)
HANDLED_SHOWN = 20


@dataclass(frozen=True)
class PageText:
    """What a page shows: its HTML, and whether (and when) an admin saved it."""

    key: PageKey
    html: Markup
    markdown: str
    updated_at: datetime | None
    revision_count: int

    @property
    def is_default(self) -> bool:
        """Still the text shipped with the code."""
        return self.updated_at is None


def placeholders() -> dict[str, str]:
    """The values the default texts name: the operator, from the settings, and the figures."""
    config = current_app.config
    days = 24 * 3600
    return {
        "site_name": config["SITE_NAME"],
        "operator_name": config["OPERATOR_NAME"],
        "contact_email": config["CONTACT_EMAIL"],
        "operator_address": config["OPERATOR_ADDRESS"],
        "dpo_email": config["DPO_EMAIL"] or config["CONTACT_EMAIL"],
        "session_cookie": config["SESSION_COOKIE_NAME"],
        "remember_cookie": config["REMEMBER_COOKIE_NAME"],
        "remember_days": str(_remember_days()),
        "device_cookie": config["DEVICE_COOKIE_NAME"],
        "device_days": str(config["DEVICE_COOKIE_MAX_AGE"] // days),
        # The retention periods dpse maintenance and the search indexer apply.
        "unconfirmed_days": str(config["UNCONFIRMED_ACCOUNT_DAYS"]),
        "sent_email_days": str(config["SENT_EMAIL_DAYS"]),
        "export_days": str(config["DATA_EXPORT_DAYS"]),
        "search_log_days": str(config["SEARCH_LOG_RETENTION_DAYS"]),
        **checks.figures(),
    }


def _remember_days() -> int:
    """Flask-Login's remember-me lifetime (a year unless REMEMBER_COOKIE_DURATION says)."""
    duration = current_app.config.get("REMEMBER_COOKIE_DURATION")
    if duration is None:
        return 365
    seconds = duration.total_seconds() if hasattr(duration, "total_seconds") else int(duration)
    return int(seconds // (24 * 3600))


@lru_cache(maxsize=len(PageKey))
def _template(key: PageKey) -> Template:
    text = resources.files("dpse.sitepages").joinpath("defaults", f"{key.value}.md").read_text()
    return Template(text)


def default_markdown(key: PageKey) -> str:
    """The shipped text of a page with the operator's details filled in."""
    return _template(key).substitute(placeholders())


@lru_cache(maxsize=64)
def _rendered(markdown: str) -> Markup:
    # The default changes only with the settings, so it is rendered once per process and value.
    return render(markdown).html


def page_text(key: PageKey) -> PageText:
    """A page as visitors see it: the admins' newest revision, else the default."""
    page = db.session.scalar(select(SitePage).where(SitePage.key == key.value))
    if page is None:
        markdown = default_markdown(key)
        return PageText(key, _rendered(markdown), markdown, None, 0)
    return PageText(key, page.body_html, page.body, page.updated_at, page.revision_count)


def page_by_key(key: PageKey) -> SitePage | None:
    """The saved page, or None while it shows its default."""
    return db.session.scalar(select(SitePage).where(SitePage.key == key.value))


def revisions(key: PageKey) -> list[SitePageRevision]:
    """Every saved version of a page, newest first, with who saved it (one query)."""
    return list(
        db.session.scalars(
            select(SitePageRevision)
            .join(SitePage, SitePage.id == SitePageRevision.page_id)
            .where(SitePage.key == key.value)
            .options(joinedload(SitePageRevision.editor))
            .order_by(SitePageRevision.number.desc())
        )
    )


def revision(key: PageKey, number: int) -> SitePageRevision | None:
    """One saved version of a page by its number, or None."""
    return db.session.scalar(
        select(SitePageRevision)
        .join(SitePage, SitePage.id == SitePageRevision.page_id)
        .where(SitePage.key == key.value, SitePageRevision.number == number)
        .options(joinedload(SitePageRevision.editor))
    )


def reviewed_on(text: PageText) -> date:
    """When the accessibility statement was last reviewed: the configured date, else the date
    of its last saved revision, else the date the shipped text was written."""
    configured = current_app.config.get("ACCESSIBILITY_REVIEWED_ON") or ""
    try:
        return date.fromisoformat(configured)
    except ValueError:
        pass  # unset (or not a date): the page's own history says when
    if text.updated_at is not None:
        return text.updated_at.date()
    return DEFAULTS_REVIEWED_ON


def open_reports() -> list[AccessibilityReport]:
    """Reports waiting for an admin, oldest first, with who sent them (one query)."""
    return list(
        db.session.scalars(
            select(AccessibilityReport)
            .where(AccessibilityReport.handled_at.is_(None))
            .options(joinedload(AccessibilityReport.reporter))
            .order_by(AccessibilityReport.created_at, AccessibilityReport.id)
        )
    )


def recently_handled(limit: int = HANDLED_SHOWN) -> list[AccessibilityReport]:
    """The latest handled reports, newest first, with who sent and handled them (one query)."""
    return list(
        db.session.scalars(
            select(AccessibilityReport)
            .where(AccessibilityReport.handled_at.is_not(None))
            .options(
                joinedload(AccessibilityReport.reporter),
                joinedload(AccessibilityReport.handled_by),
            )
            .order_by(AccessibilityReport.handled_at.desc(), AccessibilityReport.id.desc())
            .limit(limit)
        )
    )


def report_by_id(report_id: int) -> AccessibilityReport | None:
    """One report, or None."""
    return db.session.get(AccessibilityReport, report_id)


def admins() -> list[User]:
    """Active admins: the people told about accessibility reports."""
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
        )
    )


def reports_in_header(user: User | Any) -> dict[str, Any]:
    """For admins, the header's count of open accessibility reports; it rides in the statement
    that counts unread notifications (notifications' header counts), so no extra query."""
    if not is_admin(user):
        return {}
    waiting = select(func.count(AccessibilityReport.id)).where(
        AccessibilityReport.handled_at.is_(None)
    )
    return {"accessibility_reports": waiting.scalar_subquery()}


def reports_waiting(user: User | Any) -> int:
    """Open accessibility reports (0 for anyone who is not an admin)."""
    return header_counts(user).get("accessibility_reports", 0)
