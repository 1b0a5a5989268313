"""The whole site crawled in a real browser as every role, with axe.

Each role (anonymous, member, supplier, organiser, moderator, admin) signs in once in a
browser context of its own and visits every page type listed in tests/browser/crawl.py, at
1280 px and at 320 px wide, and every form page's error state (the form submitted empty or
wrong) as the role the form is for. axe runs every WCAG 2.0, 2.1 and 2.2 A and AA rule and
its best practices, and any violation of any impact fails, as does a page wider than the
screen at 320 px (WCAG 1.4.10 Reflow), a server error, a JavaScript error or a Content
Security Policy violation. One test per role, so `-k member` crawls as one role.

test_every_page_type_is_crawled needs no browser: it fails when the URL map has a GET
endpoint that the crawl neither visits nor leaves out with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask, url_for
from playwright.sync_api import Page, Response

from dpse.accounts import service as accounts
from dpse.accounts import tokens, twofactor
from dpse.accounts.models import User
from dpse.casestudies import service as casestudies
from dpse.events import registrations
from dpse.events import service as events
from dpse.extensions import db
from dpse.forum import service as forum
from dpse.moderation import service as moderation
from dpse.notifications import service as notifications
from dpse.saved_searches import service as saved_searches
from dpse.search.search_request import SearchRequest
from dpse.sitepages import service as sitepages
from dpse.sitepages.models import PageKey
from tests.browser.crawl import (
    ERROR_PAGES,
    ERROR_STATES,
    NO_ERROR_STATE,
    NOT_PAGES,
    PAGES,
    ROLES,
    Visit,
    World,
)
from tests.browser.pages import error_summary
from tests.casestudies.factories import case_study_data, make_case_study
from tests.conftest import PASSWORD
from tests.events.factories import details
from tests.forum.factories import make_category, make_thread

WIDTHS = (1280, 320)
HEIGHTS = {1280: 900, 320: 640}
# Every WCAG 2.x A and AA rule and axe's best practices; nothing is switched off.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


@pytest.fixture
def world(app: Flask, users: dict[str, User]) -> World:
    """Something behind every address: case studies in each state (one with two revisions), an
    event with an attendee, a thread with replies, a flag, a notification, a saved search, an
    admin with two-factor sign-in."""
    app.config["HOLD_FIRST_POSTS"] = 0  # posts are shown at once, so every role sees the thread
    member, moderator = users["member"], users["moderator"]
    published = make_case_study(member, "published", moderator=moderator)
    figures = case_study_data(results="Faster pages, and a third fewer calls.")
    casestudies.update_case_study(member, published, figures, note="Added the figures")
    draft = make_case_study(member, title="Replacing our intranet search")
    submitted = make_case_study(member, "submitted", title="A chatbot we switched off")
    event = events.create_event(users["organiser"], details())
    registration = registrations.register_for_event(event, member)
    category = make_category()
    thread = make_thread(users["supplier"], category, replies=1)
    post = forum.reply(member, thread, "We did this last year: start with the content audit.")
    forum.edit_post(member, post, "We did this last year: start with a content audit.")
    moderation.flag_post(users["supplier"], post, "Looks like advertising to me")
    notifications.notify(member, "reply", "Someone replied to your thread", "/forum")
    saved = saved_searches.save_search(member, SearchRequest(q="drupal"))
    events.create_or_replace_feed(member)
    token, _secret = tokens.create_token(member, "Nightly export script", [tokens.Scope.READ], 30)
    admin = users["admin"]
    sitepages.save_page(admin, PageKey.ACCESSIBILITY, "# Accessibility statement\n\nDraft.")
    sitepages.report_problem(member, "/events", "The date fields have no labels I can hear.")
    secret = twofactor.start_setup(admin)
    codes = twofactor.enable(admin, pyotp.TOTP(secret).now())
    db.session.commit()
    return World(
        published_slug=published.slug,
        published_id=published.id,
        draft_slug=draft.slug,
        submitted_slug=submitted.slug,
        event_slug=event.slug,
        category_slug=category.slug,
        category_id=category.id,
        thread_id=thread.id,
        thread_slug=thread.slug,
        member_post_id=post.id,
        member_id=member.id,
        member_handle=member.handle,
        organisation_slug=member.organisation.slug,
        organisation_id=member.organisation.id,
        reset_token=accounts.make_reset_token(users["supplier"]),
        admin_recovery_code=codes[0],
        saved_search_id=saved.id,
        registration_id=registration.id,
        api_token_id=token.id,
    )


def address(endpoint: str, visit: Visit, world: World) -> str:
    """The page's address on the live server (relative), built from the seeded objects."""
    return url_for(endpoint, _external=False, **visit.values(world))


@dataclass
class Crawler:
    """Checks pages as one role and keeps every problem, described for a person to fix."""

    page: Page
    role: str
    axe: Axe = field(default_factory=Axe)
    checked: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    pages: int = 0

    def axe_violations(self) -> list[dict[str, Any]]:
        """axe-core's violations on the page as it is now (injected once per document)."""
        if not self.page.evaluate("typeof window.axe === 'object'"):
            self.page.evaluate(self.axe.axe_script)
        return self.page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)[
            "violations"
        ]

    def check(self, what: str) -> None:
        """axe and reflow at both widths, on the page as it is now."""
        self.pages += 1
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
            where = f"{what} as {self.role} at {width}px"
            for violation in self.axe_violations():
                for node in violation["nodes"]:
                    target = " ".join(map(str, node["target"]))
                    why = (node.get("failureSummary") or "").splitlines()[1:2]
                    self.problems.append(
                        f"{where}: {violation['id']} ({violation['impact']}) {target}"
                        f" — {violation['help']}" + "".join(f" ({line.strip()})" for line in why)
                    )
            if width == 320:
                scroll, client = self.page.evaluate(
                    "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
                )
                if scroll > client:
                    self.problems.append(
                        f"{where}: scrolls sideways ({scroll}px of content in {client}px)"
                    )
        self.page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHTS[WIDTHS[0]]})

    def visit(self, endpoint: str, url: str, must_show: bool, expected: int = 200) -> bool:
        """Go to url and check what this role gets, once per distinct page; True if the page
        itself was shown (not a refusal or a redirect)."""
        response = self.page.goto(url)
        status = response.status if isinstance(response, Response) else 0
        final = urlsplit(self.page.url)
        shown = status == expected and final.path == urlsplit(url).path
        if status >= 500 or status == 0:
            self.problems.append(f"{url} as {self.role}: the server answered {status}")
            return False
        if must_show and not shown:
            self.problems.append(
                f"{url} ({endpoint}) as {self.role}: expected the page, got {status} "
                f"at {final.path} — does the crawl's world still fit this page?"
            )
        # A refusal (403, 404) or a redirect (to sign in, say) shows the same page however it
        # was reached: check each once per role.
        if shown:
            key = f"{final.path}?{final.query}"
        elif final.path != urlsplit(url).path:
            key = f"redirected to {final.path}"
        else:
            key = f"refused with {status}"
        if key not in self.checked:
            self.checked.add(key)
            self.check(url if shown else f"{url} → {status} {final.path}")
        return shown

    def error_state(self, endpoint: str, url: str) -> None:
        """Submit the form on the page wrongly and check the page that says what is wrong."""
        ERROR_STATES[endpoint](self.page)
        if not error_summary(self.page).is_visible():
            self.problems.append(
                f"{url} ({endpoint}) as {self.role}: no error summary after a wrong submit"
                f" (now at {self.page.url})"
            )
        self.check(f"{url} (error state)")


def sign_in(crawler: Crawler, world: World, app: Flask) -> None:
    """Through the sign-in form; the admin, who has two-factor sign-in, has the second step's
    pages and their error states checked on the way."""
    page, role = crawler.page, crawler.role
    page.goto("/login")
    page.get_by_label("Email address").fill(f"{role}@testshire.gov.uk")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()
    with app.test_request_context():
        steps = [
            (endpoint, address(endpoint, visit, world))
            for endpoint, visit in PAGES.items()
            if visit.during_sign_in and visit.shown_to == role
        ]
    for endpoint, url in steps:
        if crawler.visit(endpoint, url, must_show=True):
            crawler.error_state(endpoint, url)
    if role == "admin":
        page.goto("/login/recovery-code")
        page.get_by_label("Recovery code").fill(world.admin_recovery_code)
        with page.expect_navigation():
            page.locator("main form[method=post] button").first.click()
    assert page.get_by_role("status").filter(has_text="You are signed in").is_visible(), (
        f"{role} could not sign in (at {page.url})"
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_page_as_each_role_passes_axe_and_fits_320px(
    role: str, app: Flask, new_page: Callable[..., Page], world: World
):
    crawler = Crawler(new_page(), role)
    if role != "anonymous":
        sign_in(crawler, world, app)
    with app.test_request_context():
        visits = [
            (endpoint, visit, address(endpoint, visit, world))
            for endpoint, visit in PAGES.items()
            if endpoint in app.view_functions and not visit.during_sign_in
        ]
    for endpoint, visit, url in visits:
        mine = visit.shown_to == role
        if (
            crawler.visit(endpoint, url, mine, visit.status if mine else 200)
            and mine
            and endpoint in ERROR_STATES
        ):
            crawler.error_state(endpoint, url)
    for name, (url, status) in ERROR_PAGES.items():
        crawler.visit(name, url, must_show=True, expected=status)
    print(f"crawl as {role}: {crawler.pages} pages checked at {len(WIDTHS)} widths")
    assert not crawler.problems, f"{len(crawler.problems)} problem(s) crawling as {role}:\n" + (
        "\n".join(crawler.problems)
    )


def _get_endpoints(app: Flask) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}


def _form_endpoints(app: Flask) -> set[str]:
    methods: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        methods.setdefault(rule.endpoint, set()).update(rule.methods or ())
    return {endpoint for endpoint, m in methods.items() if {"GET", "POST"} <= m}


def test_every_page_type_is_crawled(app: Flask):
    """A new GET route needs an entry in tests/browser/crawl.py: PAGES (with values for its
    address and the role shown it) or NOT_PAGES (with the reason it is not a page)."""
    endpoints = _get_endpoints(app)
    new = sorted(endpoints - PAGES.keys() - NOT_PAGES.keys())
    assert not new, (
        "GET endpoints the crawl does not visit (add them to PAGES in tests/browser/crawl.py, "
        "or to NOT_PAGES with the reason): " + ", ".join(new)
    )
    gone = sorted((PAGES.keys() | NOT_PAGES.keys()) - endpoints)
    assert not gone, "crawl entries for endpoints the app no longer has: " + ", ".join(gone)
    for endpoint, visit in PAGES.items():
        assert visit.shown_to in ROLES, f"{endpoint}: no role called {visit.shown_to}"


def test_every_form_page_has_its_error_state_crawled(app: Flask):
    """A page with a form (GET and POST) has an error state in the crawl, or a reason why not."""
    forms = _form_endpoints(app) & PAGES.keys()
    missing = sorted(forms - ERROR_STATES.keys() - NO_ERROR_STATE.keys())
    assert not missing, (
        "form pages without an error state in tests/browser/crawl.py (add to ERROR_STATES, or "
        "to NO_ERROR_STATE with the reason): " + ", ".join(missing)
    )
    stray = sorted((ERROR_STATES.keys() | NO_ERROR_STATE.keys()) - forms)
    assert not stray, "error states for endpoints that take no form: " + ", ".join(stray)
