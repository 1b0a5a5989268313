"""The published pages in a real browser: a visitor reports an accessibility problem (the form's
error state first), an admin finds it in the header count, marks it handled and edits the
statement; every page checked with axe, and none scrolls sideways at 320 pixels."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from dpse.accounts.models import User
from tests.browser.pages import account_nav, error_summary, notice, sign_in
from tests.conftest import PASSWORD

AxeCheck = Callable[[Page], None]
PROBLEM = "The map on the event page cannot be used with a keyboard."


def test_a_report_reaches_the_admin_who_handles_it_and_edits_the_statement(
    new_page: Callable[..., Page], axe_check: AxeCheck, users: dict[str, User], mailbox
):
    visitor = new_page()
    visitor.goto("/")
    visitor.get_by_role("contentinfo").get_by_role("link", name="Accessibility statement").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Accessibility statement")
    axe_check(visitor)
    visitor.get_by_role("link", name="Report an accessibility problem").click()
    visitor.get_by_label("What is the problem?").fill(PROBLEM)
    visitor.get_by_role("button", name="Send the report").click()
    expect(error_summary(visitor)).to_be_visible()
    expect(visitor.get_by_label("What is the problem?")).to_have_value(PROBLEM)
    axe_check(visitor)
    visitor.get_by_role("link", name="Enter your email address, so we can reply").click()
    expect(visitor.get_by_label("Email address")).to_be_focused()
    visitor.keyboard.type("sam@example.org")
    visitor.keyboard.press("Enter")
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("your report has been sent")
    axe_check(visitor)
    (acknowledgement,) = mailbox.messages("sam@example.org")
    assert acknowledgement.subject == "We have received your accessibility report"

    admin = new_page()
    sign_in(admin, users["admin"].email, PASSWORD)
    expect(notice(admin, "You are signed in as")).to_be_visible()
    account_nav(admin).get_by_role("link", name="Accessibility reports 1 open").click()
    expect(admin.get_by_text(PROBLEM)).to_be_visible()
    axe_check(admin)
    admin.get_by_label("What was done").fill("Keyboard support added; replied")
    admin.get_by_role("button", name="Mark handled").click()
    expect(notice(admin, "is marked handled")).to_be_visible()
    expect(account_nav(admin).get_by_role("link", name="Accessibility reports")).to_have_count(0)
    axe_check(admin)

    admin.goto("/accessibility")
    admin.get_by_role("link", name="Edit the accessibility statement").click()
    axe_check(admin)
    admin.get_by_label("Text of the page").fill("# Our statement\n\nWe are fully tested.")
    admin.get_by_label("What changed (optional)").fill("Rewritten")
    admin.get_by_role("button", name="Save the page").click()
    expect(notice(admin, "has been saved")).to_be_visible()
    expect(admin.get_by_role("heading", level=2, name="Our statement")).to_be_visible()
    admin.get_by_role("link", name="Its history (1 revision)").click()
    expect(admin.get_by_role("cell", name="Rewritten")).to_be_visible()
    axe_check(admin)
    admin.get_by_role("link", name="Revision 1").click()
    axe_check(admin)
    admin.goto("/admin/pages")
    axe_check(admin)


@pytest.mark.parametrize(
    "path",
    ["/accessibility", "/privacy", "/terms", "/contact", "/accessibility/report"],
)
def test_the_pages_fit_a_320_pixel_screen(
    new_page: Callable[..., Page], axe_check: AxeCheck, path: str
):
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto(path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
    axe_check(page)
