"""No page asks another site for anything, and the only cookies are the strictly necessary ones
the privacy notice names: a visitor and a signed-in member browse a representative set of
pages while the browser records every request it makes and every cookie it keeps."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, Request, expect

from dpse.accounts.models import User
from tests.browser.pages import account_nav, notice
from tests.casestudies.factories import make_case_study
from tests.conftest import PASSWORD
from tests.forum.factories import make_thread

# Schemes that never leave the browser (the favicon is an empty data: URL).
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})


@pytest.fixture
def site_paths(app: Flask, make_event: Callable[..., object], users: dict[str, User]) -> list[str]:
    """A representative page of every kind: lists, one of each object, search, sign-in, the
    published pages and the accessibility report form."""
    app.config["HOLD_FIRST_POSTS"] = 0  # the thread is public at once (the test restores it)
    thread = make_thread(users["member"])
    case_study = make_case_study(users["member"], status="published", moderator=users["moderator"])
    event = make_event(slug="drupal-camp")
    return [
        "/",
        "/case-studies",
        f"/case-studies/{case_study.slug}",
        "/events",
        f"/events/{event.slug}",  # type: ignore[attr-defined]
        "/forum",
        f"/forum/t/{thread.id}-{thread.slug}",
        "/search?q=drupal",
        "/organisations",
        f"/people/{users['member'].handle}",
        "/login",
        "/register",
        "/accessibility",
        "/accessibility/report",
        "/privacy",
        "/terms",
        "/contact",
    ]


def _record_requests(page: Page) -> list[str]:
    requested: list[str] = []

    def record(request: Request) -> None:
        requested.append(request.url)

    page.on("request", record)
    return requested


def _elsewhere(requested: list[str], origin: str) -> list[str]:
    """The requests that went to any origin but the app's own."""
    own = urlsplit(origin)
    return [
        url
        for url in requested
        if urlsplit(url).scheme not in LOCAL_SCHEMES
        and (urlsplit(url).scheme, urlsplit(url).netloc) != (own.scheme, own.netloc)
    ]


def _cookies_named_in_the_privacy_notice(page: Page) -> set[str]:
    page.goto("/privacy")
    table = page.get_by_role("table").filter(has_text="Purpose")
    expect(table).to_be_visible()
    names = table.locator("tbody tr td:first-child").all_inner_texts()
    return {name.strip() for name in names}


def test_no_page_requests_anything_from_another_site_and_cookies_are_the_notices(
    new_page: Callable[..., Page],
    live_server: str,
    app: Flask,
    site_paths: list[str],
    users: dict[str, User],
):
    config = app.config
    necessary = {
        config["SESSION_COOKIE_NAME"],
        config["REMEMBER_COOKIE_NAME"],
        config["DEVICE_COOKIE_NAME"],
    }

    visitor = new_page()
    requested = _record_requests(visitor)
    for path in site_paths:
        response = visitor.goto(path)
        assert response is not None and response.status == 200, path
        visitor.wait_for_load_state("load")
    # The recording works: the pages' own stylesheet is among what was requested.
    assert any(urlsplit(url).path == "/static/css/dpse.css" for url in requested)
    named = _cookies_named_in_the_privacy_notice(visitor)
    assert named == necessary
    assert _elsewhere(requested, live_server) == []
    assert {c["name"] for c in visitor.context.cookies()} <= necessary

    member = new_page()
    requested = _record_requests(member)
    member.goto("/login")
    member.get_by_label("Email address").fill(users["member"].email)
    member.get_by_label("Password", exact=True).fill(PASSWORD)
    member.get_by_label("Keep me signed in on this device").check()
    member.get_by_role("button", name="Sign in", exact=True).click()
    expect(notice(member, "You are signed in as")).to_be_visible()
    for path in [*site_paths, "/account", "/notifications", "/case-studies/new"]:
        response = member.goto(path)
        assert response is not None and response.status == 200, path
        member.wait_for_load_state("load")
    expect(account_nav(member).get_by_role("button", name="Sign out")).to_be_visible()
    assert _elsewhere(requested, live_server) == []
    kept = {c["name"] for c in member.context.cookies()}
    assert kept <= named, f"cookies the privacy notice does not name: {kept - named}"
    # Signing in with "keep me signed in" sets all three, so the notice names no cookie in vain.
    assert kept == necessary
    for cookie in member.context.cookies():
        assert re.fullmatch(r"127\.0\.0\.1|localhost", cookie["domain"].lstrip("."))
