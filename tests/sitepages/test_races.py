"""Admins saving one page at once, or marking one report handled at once, end as they meant:
every save a revision of its own with its own number, a report handled once — on SQLite and
PostgreSQL."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from dpse.accounts.models import User
from dpse.audit import AuditLog
from dpse.extensions import db
from dpse.sitepages import queries, service
from dpse.sitepages.models import AccessibilityReport, PageKey
from tests.concurrency import at_once

SAVES = 8


def test_saves_at_once_each_become_a_revision_in_turn(app: Flask, users):
    service.save_page(users["admin"], PageKey.CONTACT, "# First")
    admin_id = users["admin"].id

    def save(n: int):
        def job() -> int:
            admin = db.session.get(User, admin_id)
            return service.save_page(admin, PageKey.CONTACT, f"# Version {n}").number

        return job

    numbers, errors = at_once(app, [save(n) for n in range(SAVES)])
    assert errors == []
    assert sorted(numbers) == list(range(2, SAVES + 2))
    db.session.expire_all()
    page = queries.page_by_key(PageKey.CONTACT)
    assert page.revision_count == SAVES + 1
    newest = queries.revisions(PageKey.CONTACT)[0]
    assert newest.number == SAVES + 1 and page.body == newest.body


def test_a_first_save_at_once_ends_in_one_page_and_a_message_for_the_others(app: Flask, users):
    admin_id = users["admin"].id

    def save() -> int:
        admin = db.session.get(User, admin_id)
        return service.save_page(admin, PageKey.TERMS, "# Our terms").number

    numbers, errors = at_once(app, [save] * SAVES)
    # SQLite takes the saves in turn; PostgreSQL may refuse the ones that raced the first.
    assert all(isinstance(e, service.SitePageError) for e in errors)
    assert {e.message for e in errors} <= {service.SAVED_TWICE}
    assert sorted(numbers) == list(range(1, len(numbers) + 1)) and numbers
    assert len(queries.revisions(PageKey.TERMS)) == len(numbers)


def test_a_report_marked_handled_by_several_admins_at_once_is_handled_once(app: Flask, users):
    report_id = service.report_problem(users["member"], "/forum", "The focus order is wrong.").id
    admin_id = users["admin"].id

    def handle() -> bool:
        admin = db.session.get(User, admin_id)
        return service.mark_handled(admin, db.session.get(AccessibilityReport, report_id), "done")

    results, errors = at_once(app, [handle] * SAVES)
    assert errors == []
    assert sorted(results) == [False] * (SAVES - 1) + [True]
    handled = db.session.scalar(select(func.count()).select_from(AuditLog))
    assert handled == 1
