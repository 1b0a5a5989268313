"""Two-factor sign-in in a real browser, by keyboard alone: a moderator is sent to set it up,
reads the key off the page into an authenticator (pyotp here), confirms, sees the recovery
codes once, and signs in again with a code; every page checked with axe."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pyotp
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from dpse.accounts import twofactor
from dpse.accounts.models import RECOVERY_CODES, User
from tests.browser.conftest import Mailbox
from tests.browser.pages import account_nav, error_summary, notice
from tests.conftest import PASSWORD

AxeCheck = Callable[[Page], None]
MODERATOR = "moderator@testshire.gov.uk"
MOST_TABS = 60  # a page's links and fields, header included


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until the target has the focus, as a keyboard user moves through a page."""
    expect(target).to_be_visible()
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def type_into(page: Page, field: Locator, text: str) -> None:
    tab_to(page, field)
    page.keyboard.type(text)


def sign_in_by_keyboard(page: Page, email: str) -> None:
    page.goto("/login")
    type_into(page, page.get_by_label("Email address"), email)
    type_into(page, page.get_by_label("Password", exact=True), PASSWORD)
    page.keyboard.press("Enter")


def test_moderator_sets_up_two_factor_by_keyboard_alone(
    app: Flask,
    page: Page,
    axe_check: AxeCheck,
    mailbox: Mailbox,
    users: dict[str, User],
):
    app.config["TWO_FACTOR_FOR_STAFF"] = True  # as outside the test settings
    sign_in_by_keyboard(page, MODERATOR)
    expect(notice(page, "You are signed in as Moderator Person")).to_be_visible()

    page.goto("/moderation")
    expect(page).to_have_url(re.compile(r"/account/two-factor/setup\?next=/moderation$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(
        page.get_by_role("img", name=re.compile("^QR code for your authenticator app"))
    ).to_be_visible()
    axe_check(page)

    # The key as text is the QR code's alternative: a person could type it into their app.
    key = page.locator("#two-factor-key").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key), key
    app_codes = pyotp.TOTP(key.replace(" ", ""))

    code_field = page.get_by_label("Code from your authenticator app")
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    expect(code_field).to_have_attribute("inputmode", "numeric")
    wrong = "000000" if app_codes.now() != "000000" else "111111"
    type_into(page, code_field, wrong)
    page.keyboard.press("Enter")
    expect(error_summary(page)).to_contain_text("The code is not right")
    expect(page).to_have_title(re.compile(r"^Error: Set up two-factor sign-in"))
    expect(page.locator("#two-factor-key")).to_have_text(key)  # the same key after an error
    axe_check(page)

    type_into(page, code_field, "")  # focus it again, by Tab
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(app_codes.now())
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.get_by_role("main").get_by_role("listitem")
    expect(codes).to_have_count(RECOVERY_CODES)
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}", c) for c in codes.all_inner_texts())
    axe_check(page)
    tab_to(page, page.get_by_role("link", name="I have saved my codes, continue"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/moderation$"))
    assert mailbox.messages(MODERATOR)[-1].subject.startswith("Two-factor sign-in is on")

    # Signing out and in again now asks for a code, by keyboard too.
    tab_to(page, account_nav(page).get_by_role("button", name="Sign out"))
    page.keyboard.press("Enter")
    expect(notice(page, "You have signed out")).to_be_visible()
    sign_in_by_keyboard(page, MODERATOR)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    axe_check(page)
    later = app_codes.at(time.time() + 30)  # the next step's: the setup used this one
    type_into(page, page.get_by_label("Code from your authenticator app"), later)
    page.keyboard.press("Enter")
    expect(notice(page, "You are signed in as Moderator Person")).to_be_visible()
    page.goto("/moderation")
    expect(page).to_have_url(re.compile(r"/moderation$"))


def test_second_step_pages_pass_axe(page: Page, axe_check: AxeCheck, users: dict[str, User]):
    user = users["member"]
    secret = twofactor.start_setup(user)
    twofactor.enable(user, pyotp.TOTP(secret).now())
    sign_in_by_keyboard(page, user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your sign-in code")
    tab_to(page, page.get_by_role("link", name="Use a recovery code instead"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with a recovery code")
    type_into(page, page.get_by_label("Recovery code"), "abcd-2345")
    page.keyboard.press("Enter")
    expect(error_summary(page)).to_contain_text("not one of your unused recovery codes")
    axe_check(page)
