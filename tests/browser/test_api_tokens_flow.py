"""API tokens in a real browser: make one from the account page, copy it from the one page
that shows it, use it, then revoke it through the confirmation page; every page checked with
axe."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from dpse.accounts.models import User
from tests.browser.pages import error_summary, notice, sign_in
from tests.conftest import PASSWORD

AxeCheck = Callable[[Page], None]


def test_make_use_and_revoke_a_token(page: Page, axe_check: AxeCheck, users: dict[str, User]):
    sign_in(page, users["member"].email, PASSWORD)
    page.goto("/account")
    page.get_by_role("link", name="Make or revoke API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    axe_check(page)

    # Nothing chosen: the error summary says so and the name stays typed.
    page.get_by_label("Name", exact=True).fill("Council website sync")
    page.get_by_label("Read", exact=False).uncheck()
    page.get_by_role("button", name="Make the token").click()
    expect(error_summary(page)).to_contain_text("Choose what the token may do")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Council website sync")
    axe_check(page)

    page.get_by_label("Write drafts", exact=False).check()
    page.get_by_label("30 days").check()
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Council website sync")
    secret = page.get_by_label("The token").input_value()
    assert secret.startswith("dpse_")
    axe_check(page)

    answer = page.request.post(
        "/api/v1/case-studies",
        data={"title": "Made by our sync", "summary": "A draft from the council's script."},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.status == 201 and answer.json()["status"] == "draft"

    page.get_by_role("link", name="Back to your API tokens").click()
    expect(page.locator("body")).not_to_contain_text(secret)
    page.get_by_role("link", name="Revoke the token Council website sync").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revoke the token")
    expect(page.get_by_text("cannot be undone")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Revoke the token").click()
    expect(notice(page, "no longer works")).to_be_visible()
    refused = page.request.get("/api/v1/tags", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status == 401
