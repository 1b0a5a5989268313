"""Accessible in every state, at the smallest screen WCAG asks for (320 CSS px, 1.4.10 Reflow):
no page scrolls sideways, the header leaves room for the page, search and case-study results
come before their folded filters, and a failed submit puts focus on the error summary."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from dpse.accounts.models import User
from dpse.casestudies import service as casestudies
from dpse.extensions import db
from dpse.forum import service as forum
from tests.browser.pages import error_summary, sign_in
from tests.casestudies.factories import make_case_study
from tests.conftest import PASSWORD
from tests.forum.factories import make_category

SMALL = {"width": 320, "height": 640}
HEADER_MAX_PX = 640 / 4  # a quarter of the screen

WIDE_TEXT = (
    "A long line of configuration that does not wrap: "
    "drush config:set localgov_directories.settings channel_types.service_directory true\n"
)
SECTION = (
    "Some text with a very long address https://example.org/"
    + "a-very-long-path-segment-" * 6
    + "\n\n```\n"
    + WIDE_TEXT * 3
    + "```\n\n| Council | Pages moved | Weeks | Cost per page | Notes |\n"
    "|---|---|---|---|---|\n"
    "| Northvale Borough Council | 3,000 | 36 | 12.50 | Including the planning portal |\n"
)


@pytest.fixture
def content(users: dict[str, User]) -> dict[str, str]:
    """A published case study with code, a table and three revisions; a thread; an event."""
    cs = make_case_study(users["member"], "published", what_we_built=SECTION)
    for note in ("First change", "Second change"):
        data = casestudies.data_from(cs)
        data.results = f"{data.results} {note}."
        casestudies.update_case_study(users["member"], cs, data)
    category = forum.get_or_create_category(
        "councils-working-together-on-shared-platforms", "Councils working together"
    )
    db.session.commit()
    thread = forum.create_thread(
        users["moderator"], category, "Has anyone moved from Squiz to Drupal?", SECTION
    )
    return {
        "case_study": f"/case-studies/{cs.slug}",
        "history": f"/case-studies/{cs.slug}/history",
        "thread": f"/forum/t/{thread.id}-{thread.slug}",
        "category": f"/forum/{category.slug}",
    }


# What sticks out past the screen's right edge, widest first (to say why a page scrolls).
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right)
  .slice(0, 6)
  .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""


def _sideways(page: Page) -> int:
    """How many CSS px the page is wider than the screen (0: no sideways scrolling)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def _header_height(page: Page) -> float:
    return page.evaluate("() => document.querySelector('body > header').offsetHeight")


def test_no_page_scrolls_sideways_at_320_px_and_the_header_stays_small(
    new_page: Callable[..., Page], users: dict[str, User], content: dict[str, str]
):
    page = new_page(viewport=SMALL)
    sign_in(page, "admin@testshire.gov.uk", PASSWORD)
    page.goto("/")
    page.locator("summary.site-menu__toggle").click()  # the folded header menu, opened
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    paths = [
        "/",
        "/case-studies",
        "/case-studies/mine",
        "/case-studies/new",
        content["case_study"],
        content["history"],
        f"{content['history']}/compare?from=1&to=2",
        "/events",
        "/events/new",
        "/forum",
        "/forum/categories",
        content["category"],
        content["thread"],
        "/search",
        "/search?q=drupal",
        "/moderation",
        "/admin/users",
        "/account",
        "/notifications",
    ]
    problems = []
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        if (extra := _sideways(page)) > 0:
            wide = page.evaluate(WIDEST)
            problems.append(f"{path} scrolls sideways by {extra} px {wide}")
        if (height := _header_height(page)) > HEADER_MAX_PX:
            problems.append(f"{path}: the header is {height} px high")
    assert problems == [], "\n".join(problems)


def test_code_and_tables_scroll_inside_a_region_reached_by_keyboard(
    new_page: Callable[..., Page], axe_check: Callable[[Page], None], content: dict[str, str]
):
    page = new_page(viewport=SMALL)
    page.goto(content["case_study"])
    axe_check(page)
    region = page.get_by_role("group", name="Code example")
    expect(region).to_be_visible()
    assert region.evaluate("el => el.scrollWidth > el.clientWidth")  # it does scroll
    region.focus()
    expect(region).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.scroll-region').scrollLeft > 0")
    expect(page.get_by_role("group", name="Table")).to_be_visible()


@pytest.mark.parametrize("path", ["/search?q=drupal", "/case-studies"])
def test_results_come_before_the_folded_filters_on_a_small_screen(
    new_page: Callable[..., Page],
    axe_check: Callable[[Page], None],
    content: dict[str, str],
    path: str,
):
    page = new_page(viewport=SMALL)
    page.goto(path)
    disclosure = page.locator("details.filters")
    summary = disclosure.locator("summary")
    expect(summary).to_have_text("Filter")
    expect(disclosure).not_to_have_attribute("open", "")
    results = page.locator(".results")
    assert results.bounding_box()["y"] < summary.bounding_box()["y"]
    axe_check(page)
    summary.click()
    expect(disclosure).to_have_attribute("open", "")
    axe_check(page)
    expect(disclosure.get_by_role("complementary", name="Filter")).to_be_attached()
    controls = disclosure.locator("a, select, input")
    if controls.count():  # the search page lists facets only for what it found
        expect(controls.first).to_be_visible()

    wide = new_page()
    wide.goto(path)
    expect(wide.locator("details.filters summary")).to_be_hidden()
    filters = wide.get_by_role("complementary", name="Filter")
    expect(filters).to_be_visible()
    expect(filters.get_by_role("heading", name="Filter")).to_be_visible()
    axe_check(wide)
    results = wide.locator(".results").bounding_box()
    assert results["x"] < filters.bounding_box()["x"]  # beside the results, after them


def test_after_a_failed_submit_focus_is_on_the_error_summary(
    new_page: Callable[..., Page], axe_check: Callable[[Page], None], users: dict[str, User]
):
    make_category("drupal", "Drupal and LocalGov Drupal")
    page = new_page(viewport=SMALL)
    sign_in(page, "member@testshire.gov.uk", PASSWORD)
    page.goto("/forum/new")
    page.get_by_role("button", name="Post thread").click()
    expect(error_summary(page)).to_be_visible()
    expect(error_summary(page)).to_be_focused()
    axe_check(page)
    # The summary's links take focus to the field they are about.
    error_summary(page).get_by_role("link", name="Give the thread a title").click()
    expect(page.get_by_label("Title")).to_be_focused()


def test_without_javascript_the_error_summary_is_still_first(
    new_page: Callable[..., Page], users: dict[str, User]
):
    make_category("drupal", "Drupal and LocalGov Drupal")
    page = new_page(viewport=SMALL, java_script_enabled=False)
    sign_in(page, "member@testshire.gov.uk", PASSWORD)
    page.goto("/forum/new")
    page.get_by_role("button", name="Post thread").click()
    expect(error_summary(page)).to_contain_text("Give the thread a title")
    first = page.locator("main > *").first
    expect(first).to_have_class(re.compile("error-summary"))
