"""The published pages: each renders its shipped text, filled in with the operator's settings,
until an admin saves one; every page type's footer links to them."""

from __future__ import annotations

import re

import pytest

from dpse.config import ConfigError, load_config
from dpse.sitepages.models import PageKey
from tests.casestudies.factories import make_case_study
from tests.conftest import login
from tests.forum.factories import make_thread

PATHS = ["/accessibility", "/privacy", "/terms", "/contact"]
FOOTER_LINKS = {
    "/accessibility": "Accessibility statement",
    "/privacy": "Privacy and cookies",
    "/terms": "Terms and code of conduct",
    "/contact": "Contact",
    "/organisations": "Organisations",
}


def _text(html: str) -> str:
    """The page's words, as a person reads them (tags and repeated spaces gone)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("key", list(PageKey))
def test_each_page_shows_its_default_with_the_development_operator(client, key):
    response = client.get(f"/{key.value}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"<h1>{key.title}</h1>" in page
    assert f"<title>{key.title} –" in page
    words = _text(page)
    assert "Example Council" in words
    assert "$" not in words  # every placeholder was filled in


def test_the_configured_operator_is_named_on_every_page(app, client):
    app.config.update(
        OPERATOR_NAME="Borsetshire County Council",
        CONTACT_EMAIL="digital@borsetshire.gov.uk",
        OPERATOR_ADDRESS="County Hall, Borchester BC1 1AA",
        DPO_EMAIL="dpo@borsetshire.gov.uk",
    )
    pages = {path: _text(client.get(path).get_data(as_text=True)) for path in PATHS}
    for words in pages.values():
        assert "Borsetshire County Council" in words
        assert "Example Council" not in words
    assert "digital@borsetshire.gov.uk" in pages["/contact"]
    assert "County Hall, Borchester BC1 1AA" in pages["/contact"]
    assert "dpo@borsetshire.gov.uk" in pages["/privacy"]
    contact = client.get("/contact").get_data(as_text=True)
    assert 'href="mailto:digital@borsetshire.gov.uk"' in contact


def test_the_accessibility_statement_follows_the_model_statement(app, client):
    words = _text(client.get("/accessibility").get_data(as_text=True))
    for heading in (
        "How accessible this website is",
        "Feedback and contact information",
        "Reporting accessibility problems with this website",
        "Enforcement procedure",
        "Compliance status",
        "Non-accessible content",
        "Preparation of this accessibility statement",
    ):
        assert heading in words
    assert "partially compliant with the Web Content Accessibility Guidelines version 2.2" in words
    assert "Equality and Human Rights Commission (EHRC)" in words
    assert "Equality Commission for Northern Ireland" in words
    assert "every type of page on the website (85 of them), as each of 6 kinds of user" in words
    assert "at 1,280 and 320 pixels wide" in words
    assert "the error state of 34 forms" in words
    assert "whatever its impact, fails the tests" in words
    assert "last reviewed on 5 December 2026" in words
    page = client.get("/accessibility").get_data(as_text=True)
    assert 'href="/accessibility/report"' in page


def test_a_configured_review_date_is_the_one_shown(app, client):
    app.config["ACCESSIBILITY_REVIEWED_ON"] = "2027-03-01"
    words = _text(client.get("/accessibility").get_data(as_text=True))
    assert "last reviewed on 1 March 2027" in words


def test_the_privacy_notice_states_retention_rights_and_the_real_cookie_names(app, client):
    words = _text(client.get("/privacy").get_data(as_text=True))
    assert "never confirmed are deleted 30 days after" in words
    assert "text of emails we send is deleted 30 days after" in words
    assert "download your data" in words
    app.config.update(UNCONFIRMED_ACCOUNT_DAYS=14, SENT_EMAIL_DAYS=10)  # what maintenance does
    words = _text(client.get("/privacy").get_data(as_text=True))
    assert "never confirmed are deleted 14 days after" in words
    assert "text of emails we send is deleted 10 days after" in words
    for name in ("dpse_session", "dpse_remember", "dpse_device"):
        assert name in words
    assert "After 365 days" in words  # the remember-me and device cookies' lifetimes
    assert "We set no analytics, advertising or tracking cookies" in words
    page = client.get("/privacy").get_data(as_text=True)
    for path in ("/account/data", "/account/email", "/account/delete"):
        assert f'href="{path}"' in page


def test_the_terms_say_what_moderators_do_and_how_to_appeal(client):
    words = _text(client.get("/terms").get_data(as_text=True))
    assert "Code of conduct" in words
    assert "What moderators do" in words
    assert "How to appeal" in words
    assert "An administrator who did not make the original decision" in words


def test_the_contact_page_links_to_the_report_form_and_the_flag_process(client):
    page = client.get("/contact").get_data(as_text=True)
    assert 'href="/accessibility/report"' in page
    assert 'href="mailto:contact@dpse.example"' in page
    assert "use the <strong>Flag</strong> link" in page


def _footer(html: str) -> str:
    return html.split('<footer class="site-footer">', 1)[1]


def test_every_page_type_links_to_the_pages_from_its_footer(client, users):
    thread = make_thread(users["member"])
    case_study = make_case_study(users["member"], status="published", moderator=users["moderator"])
    visitor_paths = [
        "/",
        "/case-studies",
        f"/case-studies/{case_study.slug}",
        "/events",
        "/forum",
        f"/forum/t/{thread.id}-{thread.slug}",
        "/search?q=drupal",
        "/login",
        "/register",
        "/organisations",
        "/accessibility",
        "/accessibility/report",
        "/privacy",
        "/terms",
        "/contact",
        "/no-such-page",
    ]
    for path in visitor_paths:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        footer = _footer(response.get_data(as_text=True))
        for href, label in FOOTER_LINKS.items():
            assert f'<a href="{href}">{label}</a>' in footer, (path, label)
    login(client, "admin@testshire.gov.uk")
    for path in ("/account", "/admin/users", "/admin/pages", "/admin/accessibility-reports"):
        footer = _footer(client.get(path).get_data(as_text=True))
        assert all(f'<a href="{href}">' in footer for href in FOOTER_LINKS), path


def test_a_review_date_that_is_not_a_date_stops_the_app_starting(tmp_path):
    env = {"DPSE_INSTANCE_PATH": str(tmp_path), "DPSE_ACCESSIBILITY_REVIEWED_ON": "5/12/2026"}
    with pytest.raises(ConfigError, match="DPSE_ACCESSIBILITY_REVIEWED_ON must be a date"):
        load_config(env)
    env["DPSE_ACCESSIBILITY_REVIEWED_ON"] = "2026-12-05"
    assert load_config(env)["ACCESSIBILITY_REVIEWED_ON"] == "2026-12-05"
