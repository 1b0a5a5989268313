"""Admins edit the published pages: every save is a sanitised revision in the page's history
and the audit log; nobody else may edit or see the history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dpse.audit import AuditLog
from dpse.extensions import db
from dpse.sitepages import queries, service
from dpse.sitepages.models import PageKey, SitePageRevision
from tests.conftest import login, post_form

EDIT_URL = "/admin/pages/privacy"


def test_an_admin_edit_makes_a_revision_the_page_then_shows(client, users):
    login(client, "admin@testshire.gov.uk")
    form = client.get(EDIT_URL).get_data(as_text=True)
    assert "Example Council is the controller" in form  # starts from the filled-in default
    saved = post_form(
        client,
        EDIT_URL,
        {"body": "# Who we are\n\nWe are **Testshire**.", "note": "Shorter notice"},
    )
    assert saved.status_code == 302 and saved.headers["Location"] == "/privacy"
    page = client.get("/privacy").get_data(as_text=True)
    assert "<h2>Who we are</h2>" in page and "<strong>Testshire</strong>" in page
    assert "Example Council" not in page
    assert "Its history (1 revision)" in page
    post_form(client, EDIT_URL, {"body": "# Who we are\n\nWe are Testshire Council."})
    revisions = queries.revisions(PageKey.PRIVACY)
    assert [r.number for r in revisions] == [2, 1]
    assert revisions[1].note == "Shorter notice" and revisions[0].editor_id == users["admin"].id
    history = client.get("/admin/pages/privacy/history").get_data(as_text=True)
    assert "Revision 2" in history and "Shorter notice" in history
    first = client.get("/admin/pages/privacy/history/1").get_data(as_text=True)
    assert "<strong>Testshire</strong>" in first
    assert client.get("/admin/pages/privacy/history/3").status_code == 404
    entries = db.session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(e.action, e.actor_id) for e in entries] == [
        ("edit_site_page", users["admin"].id),
        ("edit_site_page", users["admin"].id),
    ]
    assert entries[0].detail == "Privacy notice, revision 1: Shorter notice"
    audit_page = client.get("/moderation/audit").get_data(as_text=True)
    assert "Changed a site page" in audit_page and "Privacy notice, revision 2" in audit_page


def test_html_in_a_page_goes_through_the_one_sanitiser(users):
    service.save_page(
        users["admin"],
        PageKey.TERMS,
        '<script>alert(1)</script>\n\n[click](javascript:alert(1)) <img src=x onerror="alert(1)">'
        '\n\n<a href="https://example.org" onclick="x()">fine</a>',
    )
    html = str(queries.page_text(PageKey.TERMS).html)
    assert "<script" not in html and "onerror" not in html and "onclick" not in html
    assert 'href="javascript' not in html
    assert '<a href="https://example.org" rel="nofollow ugc noopener">fine</a>' in html
    stored = db.session.scalar(select(SitePageRevision))
    assert "<script" not in str(stored.body_html)


def test_a_bad_edit_keeps_what_was_typed(client, users):
    login(client, "admin@testshire.gov.uk")
    too_long = "x" * 50_001
    response = post_form(client, EDIT_URL, {"body": too_long, "note": "my note"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Keep the text under 50,000 characters" in page
    assert too_long in page and 'value="my note"' in page
    image = "# Our office\n\n![](https://example.org/office.jpg)"
    no_alt = post_form(client, EDIT_URL, {"body": image})
    assert no_alt.status_code == 400
    assert "Add alt text to each image" in no_alt.get_data(as_text=True)
    assert "office.jpg)</textarea>" in no_alt.get_data(as_text=True)
    empty = post_form(client, EDIT_URL, {"body": "  ", "note": "my note"})
    assert empty.status_code == 400 and "Enter the page&#39;s text" in empty.get_data(as_text=True)
    assert queries.revisions(PageKey.PRIVACY) == []


@pytest.mark.parametrize("role", ["member", "supplier", "organiser", "moderator"])
def test_only_admins_edit_pages_and_see_their_history(client, users, role):
    login(client, f"{role}@testshire.gov.uk")
    for url in (
        "/admin/pages",
        EDIT_URL,
        "/admin/pages/privacy/history",
        "/admin/pages/privacy/history/1",
        "/admin/accessibility-reports",
    ):
        assert client.get(url).status_code == 403, url
    refused = post_form(client, EDIT_URL, {"body": "# Mine now"}, form_url="/privacy")
    assert refused.status_code == 403
    assert "Edit the privacy notice" not in client.get("/privacy").get_data(as_text=True)
    with pytest.raises(service.SitePageError):
        service.save_page(users[role], PageKey.PRIVACY, "# Mine now")
    assert queries.page_by_key(PageKey.PRIVACY) is None


def test_visitors_are_sent_to_sign_in_and_unknown_pages_are_404(client, users):
    assert client.get(EDIT_URL).status_code == 302
    login(client, "admin@testshire.gov.uk")
    assert client.get("/admin/pages/cookies").status_code == 404
    listing = client.get("/admin/pages").get_data(as_text=True)
    assert listing.count("Shipped text") == 4


def test_the_saved_statement_is_dated_by_its_last_revision(client, users):
    revision = service.save_page(users["admin"], PageKey.ACCESSIBILITY, "# Our statement")
    page = client.get("/accessibility").get_data(as_text=True)
    assert f'last reviewed on <time datetime="{revision.saved_at.date().isoformat()}">' in page
