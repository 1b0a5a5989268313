"""Who's who in a real browser: the people directory searched and filtered by keyboard and
form, a profile with its lists and one list paged, and an organisation's page; each checked
with axe."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from dpse.accounts.models import Organisation, User
from tests.casestudies.factories import make_case_study
from tests.forum.factories import make_thread

AxeCheck = Callable[[Page], None]


@pytest.fixture
def activity(app: Flask, users: dict[str, User], organisations: dict[str, Organisation]):
    """Something on every list: case studies (one supplied by Acme), a thread with replies."""
    old = app.config["HOLD_FIRST_POSTS"], app.config["PAGE_SIZE"]
    app.config.update(HOLD_FIRST_POSTS=0, PAGE_SIZE=3)  # so a list of seven has pages
    member = users["member"]
    for i in range(7):
        supplied = [organisations["supplier"].slug] if i == 0 else []
        make_case_study(member, "published", title=f"Browser project {i}", supplier_slugs=supplied)
    make_thread(member, title="How do you run user research?", replies=7)
    yield
    app.config.update(HOLD_FIRST_POSTS=old[0], PAGE_SIZE=old[1])


def test_directory_profile_and_organisation_pages(
    page: Page, axe_check: AxeCheck, users: dict[str, User], activity: None
):
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    expect(page.get_by_role("status").filter(has_text="people")).to_contain_text("5 people")
    axe_check(page)

    # Search by typing and Enter, then by the filters.
    search = page.get_by_label("Name or handle")
    search.fill("@" + users["member"].handle)
    search.press("Enter")
    expect(page.get_by_role("status").filter(has_text="match")).to_contain_text("1 person")
    axe_check(page)
    search.fill("nobody by this name")
    page.get_by_label("Kind of organisation").select_option(label="Supplier")
    page.get_by_label("Verified public sector only").check()
    page.get_by_role("button", name="Find people").click()
    expect(page.get_by_role("status").filter(has_text="Nobody")).to_be_visible()
    expect(page.get_by_label("Verified public sector only")).to_be_checked()
    axe_check(page)

    page.get_by_role("link", name="Clear filters").click()
    page.get_by_role("link", name=users["member"].display_name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(users["member"].display_name)
    expect(page.get_by_role("heading", name=re.compile(r"^Case studies \(7\)"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Replies \(7\)"))).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name=re.compile(r"^See all 7 replies")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Replies")
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"section=replies"))
    axe_check(page)

    page.goto("/organisations/acme-drupal-ltd")
    expect(
        page.get_by_role("heading", name=re.compile(r"^Case studies it supplied \(1\)"))
    ).to_be_visible()
    expect(page.get_by_text("Browser project 0")).to_be_visible()
    axe_check(page)
