"""People's data rights in a real browser, by keyboard alone: download your data, change your
email address, delete your account; every page checked with axe."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from dpse.accounts import export
from dpse.accounts.models import User
from dpse.extensions import db
from tests.browser.conftest import Mailbox
from tests.browser.pages import sign_in
from tests.casestudies.factories import make_case_study
from tests.conftest import PASSWORD

AxeCheck = Callable[[Page], None]
TABS = 80  # more stops than any of these pages has


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user moves through the page."""
    for _ in range(TABS):
        page.keyboard.press("Tab")
        if target.evaluate("node => node === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def type_into(page: Page, field: Locator, text: str) -> None:
    tab_to(page, field)
    page.keyboard.type(text)


def follow(page: Page, link: Locator) -> None:
    tab_to(page, link)
    page.keyboard.press("Enter")


def test_download_data_change_email_and_delete_the_account(
    page: Page, axe_check: AxeCheck, mailbox: Mailbox, users: dict[str, User], tmp_path
):
    member = users["member"]
    make_case_study(member, "published", title="Our keyboard-first portal")
    sign_in(page, member.email, PASSWORD)
    page.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    axe_check(page)

    # Download your data: ask, the job builds it, the page offers the file.
    follow(page, page.get_by_role("link", name="Download your data"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Download your data")
    axe_check(page)
    follow(page, page.get_by_role("button", name="Ask for a download of your data"))
    expect(page.get_by_text("Being prepared.")).to_be_visible()
    axe_check(page)
    db.session.rollback()
    assert export.build_pending() == 1
    page.reload()
    link = page.get_by_role("link", name=re.compile("^Download your data"))
    expect(page.get_by_text("Ready.")).to_be_visible()
    axe_check(page)
    tab_to(page, link)
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    saved = tmp_path / "data.zip"
    download_info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        studies = json.loads(archive.read("case_studies.json"))
    assert [s["title"] for s in studies] == ["Our keyboard-first portal"]

    # Change your email address: a link to the new one confirms it.
    page.goto("/account")
    follow(page, page.get_by_role("link", name="Change your email address"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your email address")
    axe_check(page)
    type_into(page, page.get_by_label("New email address"), "moved@testshire.gov.uk")
    type_into(page, page.get_by_label("Your password"), PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text("We have sent a link to moved@testshire.gov.uk")).to_be_visible()
    page.goto(mailbox.link("moved@testshire.gov.uk", "/account/email/confirm/"))
    expect(page.get_by_text("Your email address is now moved@testshire.gov.uk")).to_be_visible()
    axe_check(page)

    # Delete the account, keeping the case study as a former member's.
    follow(page, page.get_by_role("link", name="Delete your account"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    axe_check(page)
    follow(page, page.get_by_role("button", name="Delete my account"))  # nothing chosen yet
    expect(page.locator(".error-summary")).to_contain_text("Choose whether to keep or remove")
    axe_check(page)
    keep = page.get_by_label(re.compile("^Keep my public posts"))
    tab_to(page, keep)
    page.keyboard.press("Space")
    expect(keep).to_be_checked()
    type_into(page, page.get_by_label("Your password"), PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your account has been deleted")).to_be_visible()
    axe_check(page)
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login"))
    page.goto("/case-studies")
    follow(page, page.get_by_role("link", name="Our keyboard-first portal"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Our keyboard-first portal")
    expect(page.get_by_text("Former member")).to_be_visible()
    axe_check(page)
