"""Accounts in a real browser: sign up, confirm the email, sign out and in, reset a password;
every page checked with axe, the skip link by keyboard, and small screens for sideways scroll."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from dpse.accounts.models import Organisation, User
from tests.browser.conftest import Mailbox
from tests.browser.pages import account_nav, error_summary, notice, sign_in
from tests.conftest import PASSWORD

AxeCheck = Callable[[Page], None]

EMAIL = "ada.lovelace@testshire.gov.uk"
NAME = "Ada Lovelace"
NEW_ORGANISATION = "Testshire Borough Council"
NEW_PASSWORD = "a completely different passphrase"


def test_register_form_reports_errors_and_keeps_what_was_typed(page: Page, axe_check: AxeCheck):
    page.goto("/register")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    axe_check(page)

    page.get_by_role("button", name="Create account").click()

    summary = error_summary(page)
    expect(summary).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: Create an account"))
    # Focusable from script or a link (tabindex=-1), not a stop in the tab order.
    expect(summary).to_have_attribute("tabindex", "-1")
    summary.focus()
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    expect(links.first).to_have_text("Enter your email address")
    assert links.count() >= 4  # email, name, organisation, password, confirmation
    for link in links.all():
        target = link.get_attribute("href")
        assert target and target.startswith("#"), target
        field = page.locator(target)
        expect(field).to_have_attribute("aria-invalid", "true")
        # The same message sits by the field, and the field points at it for screen readers.
        error_id = f"{target[1:]}-error"
        expect(page.locator(f"#{error_id}")).to_contain_text(link.inner_text())
        expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{error_id}\b"))
    links.first.click()
    expect(page).to_have_url(re.compile(r"#email$"))
    axe_check(page)

    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Your name").fill(NAME)
    page.get_by_label("Password", exact=True).fill("too short")
    page.get_by_role("button", name="Create account").click()

    expect(summary).to_contain_text("Password must be at least 12 characters")
    expect(summary).not_to_contain_text("Enter your email address")
    expect(page.get_by_label("Email address")).to_have_value(EMAIL)
    expect(page.get_by_label("Your name")).to_have_value(NAME)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")  # never sent back
    axe_check(page)


def test_sign_up_confirm_email_sign_out_and_back_in(
    page: Page, axe_check: AxeCheck, mailbox: Mailbox
):
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Create an account").click()
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Your name").fill(NAME)
    page.get_by_label("Or, if it is not listed, your organisation's name").fill(NEW_ORGANISATION)
    page.get_by_label("Kind of organisation").select_option(label="Council / local government")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    # The same answer whether or not the address had an account already (no enumeration).
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    axe_check(page)
    page.get_by_role("main").get_by_role("link", name="sign in").click()
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(notice(page, f"You are signed in as {NAME}")).to_be_visible()
    page.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_text("Not confirmed yet")).to_be_visible()
    badge = page.get_by_text("Verified public sector", exact=True)
    expect(badge).to_have_count(0)  # not before the address is confirmed
    expect(account_nav(page).get_by_role("link", name=NAME)).to_be_visible()
    axe_check(page)

    link = mailbox.link(EMAIL, "/verify-email/")
    page.goto(link)
    expect(notice(page, f"{EMAIL} is confirmed")).to_be_visible()
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()
    axe_check(page)

    page.get_by_role("link", name="See your profile as others do").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(badge).to_be_visible()
    # A typed-in organisation waits for a site admin: until then the profile names none.
    expect(page.get_by_role("link", name=NEW_ORGANISATION)).to_have_count(0)
    axe_check(page)

    account_nav(page).get_by_role("button", name="Sign out").click()
    expect(notice(page, "You have signed out")).to_be_visible()
    expect(account_nav(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(account_nav(page).get_by_role("button", name="Sign out")).to_have_count(0)
    axe_check(page)

    page.goto(link)  # a confirmation link works once
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    axe_check(page)

    sign_in(page, EMAIL, "not the password at all")
    summary = error_summary(page)
    expect(summary).to_contain_text("The email address or password is not right")
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    expect(page.get_by_label("Email address")).to_have_value(EMAIL)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    axe_check(page)

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(notice(page, f"You are signed in as {NAME}")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Reuse what another team already built"
    )
    expect(account_nav(page).get_by_role("button", name="Sign out")).to_be_visible()
    axe_check(page)


def test_password_reset_by_emailed_link(
    page: Page, axe_check: AxeCheck, mailbox: Mailbox, users: dict[str, User]
):
    email = users["member"].email
    page.goto("/login")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    axe_check(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    axe_check(page)

    link = mailbox.link(email, "/reset-password/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD + " typo")
    page.get_by_role("button", name="Change password").click()
    expect(error_summary(page)).to_contain_text("The passwords do not match")
    axe_check(page)

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(notice(page, "Your password has been changed")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    axe_check(page)

    sign_in(page, email, NEW_PASSWORD)
    expect(notice(page, "You are signed in as")).to_be_visible()
    page.goto(link)  # spent once the password changed
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    axe_check(page)


# Every page a signed-in admin (who sees the most) or a visitor can reach, checked with axe.
# Paths with {placeholders} are filled in from the test's users and organisations.
SIGNED_IN_PAGES = [
    "/",
    "/account",
    "/account/password",
    "/organisations",
    "/organisations/{organisation}",
    "/people/{handle}",
    "/forgot-password",
    "/admin/users",
    "/admin/users/{member}",
    "/no-such-page",
    "/case-studies",
    "/events",
    "/forum",
    "/search?q=x",
]
SIGNED_OUT_PAGES = [
    "/",
    "/login",
    "/register",
    "/organisations",
    "/organisations/{organisation}",
    "/people/{handle}",
    "/forgot-password",
    "/no-such-page",
    "/case-studies",
    "/events",
    "/forum",
    "/search?q=x",
]


def _fill(path: str, users: dict[str, User], organisations: dict[str, Organisation]) -> str:
    return path.format(
        member=users["member"].id,
        handle=users["member"].handle,
        organisation=organisations["council"].slug,
    )


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_pages_signed_in_pass_axe(
    page: Page,
    axe_check: AxeCheck,
    users: dict[str, User],
    organisations: dict[str, Organisation],
    path: str,
):
    sign_in(page, users["admin"].email, PASSWORD)
    expect(notice(page, "You are signed in as")).to_be_visible()
    response = page.goto(_fill(path, users, organisations))
    assert response is not None
    assert response.status == (404 if path == "/no-such-page" else 200)
    expect(account_nav(page).get_by_role("link", name="Admin", exact=True)).to_be_visible()
    axe_check(page)


@pytest.mark.parametrize("path", SIGNED_OUT_PAGES)
def test_pages_signed_out_pass_axe(
    page: Page,
    axe_check: AxeCheck,
    users: dict[str, User],
    organisations: dict[str, Organisation],
    path: str,
):
    response = page.goto(_fill(path, users, organisations))
    assert response is not None
    assert response.status == (404 if path == "/no-such-page" else 200)
    expect(account_nav(page).get_by_role("link", name="Sign in")).to_be_visible()
    axe_check(page)


def test_first_tab_reaches_the_skip_link(page: Page, axe_check: AxeCheck):
    page.goto("/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    axe_check(page)  # the focused skip link's colours count too
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()


@pytest.mark.parametrize("path", ["/", "/register", "/login", "/organisations"])
def test_no_sideways_scrolling_at_320_pixels(
    new_page: Callable[..., Page],
    axe_check: AxeCheck,
    organisations: dict[str, Organisation],  # so the organisations table has rows
    path: str,
):
    page = new_page(viewport={"width": 320, "height": 800})
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe_check(page)
    if path in ("/register", "/login"):  # the error summary and messages must fit too
        page.get_by_role("button", name=re.compile("^(Create account|Sign in)$")).click()
        expect(error_summary(page)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        axe_check(page)
