"""Accessibility problem reports: the form keeps what was typed when something is wrong, a
report reaches every admin's queue and notifications, the reporter gets an acknowledgement by
email, and admins mark reports handled."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from dpse.audit import AuditLog
from dpse.extensions import db, limiter
from dpse.mail import OutboxEmail
from dpse.notifications.models import Notification
from dpse.sitepages import queries, service
from dpse.sitepages.models import AccessibilityReport
from tests.conftest import login, post_form

URL = "/accessibility/report"
PROBLEM = "The date fields on the new event form have no labels my screen reader reads."


def _emails() -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def test_a_visitor_must_say_what_is_wrong_and_where_to_reply_and_keeps_what_they_typed(
    client, users
):
    response = post_form(
        client, URL, {"page_url": "/events/new", "description": "short", "name": "Sam Jones"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "Describe the problem in at least 10 characters" in page
    assert "Enter your email address, so we can reply" in page
    assert 'value="/events/new"' in page and 'value="Sam Jones"' in page
    assert re.search(r">\s*short</textarea>", page)
    bad_email = post_form(
        client, URL, {"description": PROBLEM, "email": "not an address", "name": "Sam"}
    )
    assert bad_email.status_code == 400
    page = bad_email.get_data(as_text=True)
    assert "Enter an email address in the correct format" in page
    assert 'value="not an address"' in page and PROBLEM in page
    assert db.session.scalar(select(AccessibilityReport)) is None


def test_a_report_reaches_the_admins_and_the_reporter_is_acknowledged(client, users):
    response = post_form(
        client,
        URL,
        {
            "page_url": "/events/new",
            "description": PROBLEM,
            "name": "Sam Jones",
            "email": "Sam@Example.org",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/accessibility/report/sent"
    assert "your report has been sent" in client.get("/accessibility/report/sent").get_data(
        as_text=True
    )
    report = db.session.scalar(select(AccessibilityReport))
    assert (report.email, report.name, report.page_url) == (
        "sam@example.org",
        "Sam Jones",
        "/events/new",
    )
    assert report.reporter_id is None and report.is_open
    told = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [n.user_id for n in told] == [users["admin"].id]  # admins only, not moderators
    assert told[0].url == "/admin/accessibility-reports"
    assert "on /events/new" in told[0].text
    (email,) = _emails()
    assert email.recipient == "sam@example.org"
    assert email.subject == "We have received your accessibility report"
    assert f"Your report's number is {report.id}." in email.body
    assert "within 10 working days" in email.body
    # An address nobody confirmed is not sent back what a visitor typed (no spam relay).
    assert PROBLEM not in email.body and "Sam Jones" not in email.body
    assert "/accessibility" in email.body


def test_signed_in_people_need_not_give_a_name_or_address(client, users):
    login(client, "member@testshire.gov.uk")
    form = client.get(f"{URL}?page=/forum").get_data(as_text=True)
    assert 'value="/forum"' in form  # the page the person came from
    assert "member@testshire.gov.uk" in form  # the address the reply goes to
    response = post_form(client, URL, {"page_url": "/forum", "description": PROBLEM})
    assert response.status_code == 302
    report = db.session.scalar(select(AccessibilityReport))
    assert report.reporter_id == users["member"].id
    assert (report.name, report.email) == ("Member Person", "member@testshire.gov.uk")
    (email,) = _emails()
    assert email.recipient == "member@testshire.gov.uk"
    assert "Hello Member Person" in email.body  # their own address hears back what they said
    assert f"What you told us (report {report.id}):\nPage: /forum\n{PROBLEM}" in email.body


def test_admins_see_the_queue_with_its_count_and_mark_reports_handled(client, users):
    first = service.report_problem(users["member"], "/forum", PROBLEM)
    second = service.report_problem(
        users["supplier"], "", "Focus is lost after closing the filter panel."
    )
    login(client, "admin@testshire.gov.uk")
    home = client.get("/").get_data(as_text=True)
    assert 'Accessibility reports <span class="count-badge">2' in home
    queue = client.get("/admin/accessibility-reports").get_data(as_text=True)
    assert "Open (2)" in queue and PROBLEM in queue
    assert queue.index(f"Report {first.id}") < queue.index(f"Report {second.id}")
    done = post_form(
        client,
        f"/admin/accessibility-reports/{first.id}/handled",
        {"note": "Labels fixed; replied by email"},
        form_url="/admin/accessibility-reports",
    )
    assert done.status_code == 302
    queue = client.get("/admin/accessibility-reports").get_data(as_text=True)
    assert "Open (1)" in queue and "Labels fixed; replied by email" in queue
    assert 'Accessibility reports <span class="count-badge">1' in queue
    again = post_form(
        client,
        f"/admin/accessibility-reports/{first.id}/handled",
        {"note": ""},
        form_url="/admin/accessibility-reports",
    )
    assert again.status_code == 302
    queue = client.get("/admin/accessibility-reports").get_data(as_text=True)
    assert "had already been marked handled" in queue
    entry = db.session.scalar(select(AuditLog))
    assert (entry.action, entry.target_id, entry.actor_id) == (
        "handle_accessibility_report",
        first.id,
        users["admin"].id,
    )
    # The admin's notification about the handled report is withdrawn.
    sources = set(db.session.scalars(select(Notification.source)))
    assert sources == {f"accessibility_report:{second.id}"}


def test_the_header_count_costs_no_extra_query(app, client, users, count_queries):
    service.report_problem(users["member"], "/forum", PROBLEM)
    login(client, "admin@testshire.gov.uk")
    client.get("/contact")
    with count_queries() as counter:
        page = client.get("/contact").get_data(as_text=True)
    assert "Accessibility reports" in page
    admin_queries = counter.count
    # A moderator's page runs as many queries: the count rides in the header's one statement.
    other = app.test_client()
    login(other, "moderator@testshire.gov.uk")
    other.get("/contact")
    with count_queries() as counter:
        page = other.get("/contact").get_data(as_text=True)
    assert "Accessibility reports" not in page
    assert counter.count == admin_queries


def test_only_admins_handle_reports(users):
    report = service.report_problem(users["member"], "/forum", PROBLEM)
    with pytest.raises(service.SitePageError):
        service.mark_handled(users["moderator"], report)
    assert queries.open_reports() == [report]


@pytest.fixture
def limited(app: Flask):
    old = app.config["REPORT_RATE_LIMIT"]
    app.config["REPORT_RATE_LIMIT"] = "2 per minute"
    limiter.enabled = True
    limiter.reset()
    yield
    app.config["REPORT_RATE_LIMIT"] = old


def test_the_form_is_rate_limited(client, users, limited):
    data = {"description": PROBLEM, "email": "sam@example.org"}
    assert [post_form(client, URL, data).status_code for _ in range(2)] == [302, 302]
    assert post_form(client, URL, data).status_code == 429
    assert client.get(URL).status_code == 200  # reading the form is not limited
