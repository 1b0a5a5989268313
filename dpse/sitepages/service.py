"""Site-page writes: an admin saves a page's text (a new revision, in the audit log), anyone
reports an accessibility problem (admins told, the reporter acknowledged by email), an admin
marks a report handled."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from dpse import audit, mail
from dpse.accounts.models import User
from dpse.extensions import db
from dpse.locking import hold_write_lock, lock_row
from dpse.mixins import utcnow
from dpse.notifications import service as notifications
from dpse.permissions import can_edit_site_pages, can_handle_accessibility_reports
from dpse.rules import RuleError, commit_or_raise
from dpse.sitepages import queries
from dpse.sitepages.models import (
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    EMAIL_MAX,
    MAX_BODY,
    NAME_MAX,
    NOTE_MAX,
    PAGE_URL_MAX,
    AccessibilityReport,
    PageKey,
    SitePage,
    SitePageRevision,
)
from dpse.urls import absolute_url, path_for

log = logging.getLogger(__name__)
SAVED_TWICE = "Someone saved this page at the same moment. Look at its history, then try again."


class SitePageError(RuleError):
    """A site-page write was refused; the message is for the person."""


def _clean(text: str) -> str:
    """Text as typed, without NUL and other characters no database column takes."""
    return "".join(ch for ch in text if ch == "\n" or ch == "\t" or ord(ch) >= 32).strip()


def save_page(admin: User, key: PageKey, body: str, note: str = "") -> SitePageRevision:
    """Save a page's new text as its next revision; the page shows it from now on."""
    if not can_edit_site_pages(admin):
        raise SitePageError("Only admins change the site's pages")
    body = _clean(body.replace("\r\n", "\n"))
    note = " ".join(_clean(note).split())
    if not body:
        raise SitePageError("Enter the page's text", "body")
    if len(body) > MAX_BODY:
        raise SitePageError(f"Keep the page's text under {MAX_BODY:,} characters", "body")
    if len(note) > NOTE_MAX:
        raise SitePageError(f"Keep the note under {NOTE_MAX:,} characters", "note")
    hold_write_lock()  # SQLite: a second admin saving waits here, then reads this save
    page = queries.page_by_key(key)
    if page is None:
        page = SitePage(key=key.value, body=body)
        db.session.add(page)
        try:
            db.session.flush()
        except IntegrityError:  # another admin saved the page's first revision just now
            db.session.rollback()
            raise SitePageError(SAVED_TWICE) from None
    else:
        lock_row(SitePage.id, page.id)  # two admins saving at once get numbers in turn
        db.session.refresh(page)
        page.body = body
    now = utcnow()
    page.revision_count += 1
    page.updated_at = now
    revision = SitePageRevision(
        page_id=page.id,
        number=page.revision_count,
        body=body,
        note=note,
        saved_at=now,
        editor_id=admin.id,
    )
    db.session.add(revision)
    detail = f"{key.title}, revision {revision.number}" + (f": {note}" if note else "")
    audit.record(admin, "edit_site_page", "site_page", page.id, detail)
    commit_or_raise(SitePageError(SAVED_TWICE))
    log.info("%r revision %s saved by %s", page, revision.number, admin)
    return revision


def report_problem(
    reporter: User | Any, page_url: str, description: str, name: str = "", email: str = ""
) -> AccessibilityReport:
    """Store someone's accessibility report, tell every admin, and acknowledge it by email.

    A signed-in person's name and address are their account's unless they give others; a
    visitor must give an email address, which is how the acknowledgement reaches them.
    """
    signed_in = bool(getattr(reporter, "is_authenticated", False))
    name = " ".join(_clean(name).split())
    email = _clean(email).lower()
    page_url = _clean(page_url)
    description = _clean(description.replace("\r\n", "\n"))
    if signed_in:
        name = name or reporter.display_name
        email = email or reporter.email
    if not email:
        raise SitePageError("Enter your email address, so we can reply", "email")
    if len(description) < DESCRIPTION_MIN:
        raise SitePageError(
            f"Describe the problem in at least {DESCRIPTION_MIN} characters", "description"
        )
    for value, limit, field, what in (
        (name, NAME_MAX, "name", "Name"),
        (email, EMAIL_MAX, "email", "Email address"),
        (page_url, PAGE_URL_MAX, "page_url", "Page address"),
        (description, DESCRIPTION_MAX, "description", "The description"),
    ):
        if len(value) > limit:
            raise SitePageError(f"{what} must be {limit:,} characters or fewer", field)
    report = AccessibilityReport(
        reporter_id=reporter.id if signed_in else None,
        name=name,
        email=email,
        page_url=page_url,
        description=description,
    )
    db.session.add(report)
    db.session.flush()
    queue_url = path_for("sitepages.reports")
    for admin in queries.admins():
        notifications.notify(
            admin,
            "accessibility_report",
            f"Accessibility problem reported{f' on {page_url}' if page_url else ''}",
            queue_url,
            source=f"accessibility_report:{report.id}",
        )
    # Only an account's own address hears back what was typed: quoting a visitor's words to an
    # address nobody confirmed would let anyone send any text, from us, to anyone.
    quote = signed_in and email == reporter.email
    mail.queue_email(
        email, "We have received your accessibility report", _acknowledgement(report, quote)
    )
    db.session.commit()
    log.info("%r created by %s", report, reporter if signed_in else "a visitor")
    mail.deliver_after_response()
    return report


def _acknowledgement(report: AccessibilityReport, quote: bool) -> str:
    """The email that tells a reporter their report arrived and what happens next; ``quote``
    repeats what they told us (only to a signed-in person's own address)."""
    config = current_app.config
    greeting = f"Hello {report.name},\n\n" if quote and report.name else "Hello,\n\n"
    where = f"Page: {report.page_url}\n" if report.page_url else ""
    told = (
        f"What you told us (report {report.id}):\n{where}{report.description}"
        if quote
        else f"Your report's number is {report.id}."
    )
    return (
        f"{greeting}Thank you for telling us about an accessibility problem on "
        f"{config['SITE_NAME']}. Your report has reached the site's administrators, and we will "
        "reply within 10 working days.\n\n"
        f"{told}\n\n"
        "If you are not happy with our response, the accessibility statement explains what you "
        f"can do next: {absolute_url('sitepages.accessibility')}\n\n"
        f"{config['OPERATOR_NAME']}\n{config['CONTACT_EMAIL']}\n"
    )


def mark_handled(admin: User, report: AccessibilityReport, note: str = "") -> bool:
    """Close a report (False when someone already had); the audit log keeps who and why."""
    if not can_handle_accessibility_reports(admin):
        raise SitePageError("Only admins handle accessibility reports")
    note = " ".join(_clean(note).split())
    if len(note) > NOTE_MAX:
        raise SitePageError(f"Keep the note under {NOTE_MAX:,} characters", "note")
    lock_row(AccessibilityReport.id, report.id)  # two admins at once: the second sees the first
    db.session.refresh(report)
    if report.handled_at is not None:
        db.session.rollback()
        return False
    report.handled_at = utcnow()
    report.handled_by_id = admin.id
    report.handled_note = note
    notifications.withdraw(f"accessibility_report:{report.id}")
    audit.record(admin, "handle_accessibility_report", "accessibility_report", report.id, note)
    db.session.commit()
    log.info("%r handled by %s", report, admin)
    return True
