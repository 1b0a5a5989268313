"""Case studies in a real browser: a member writes a failure story, a moderator publishes it,
and a visitor finds it by filtering outcome and technology; axe checks every page on the way."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from dpse.accounts.models import User
from tests.browser.pages import error_summary, sign_in
from tests.conftest import PASSWORD

AxeCheck = Callable[[Page], None]
TITLE = "Our home-made search engine, and why we switched it off"


def test_failure_story_from_draft_to_filtered_list(
    new_page: Callable[..., Page], axe_check: AxeCheck, users: dict[str, User]
):
    author = new_page()
    sign_in(author, "member@testshire.gov.uk", PASSWORD)
    author.goto("/case-studies")
    author.get_by_role("link", name="Share a case study").click()
    axe_check(author)

    author.get_by_label("Title").fill(TITLE)
    author.get_by_label("Summary").fill("Fourteen months of custom search work, replaced by Solr.")
    author.get_by_label("Outcome").select_option(label="Failure")
    author.get_by_label("The challenge").fill("Residents could not find **bin collection** days.")
    author.get_by_label("Technologies").fill("Drupal, Solr")
    author.get_by_role("button", name="Save and submit for review").click()
    # Failures need lessons learned: the form says so and keeps everything typed.
    expect(error_summary(author)).to_contain_text("Lessons learned are required")
    expect(author.get_by_label("Title")).to_have_value(TITLE)
    axe_check(author)

    author.get_by_label("Lessons learned").fill("Buy or reuse search; *never* build it.")
    author.get_by_role("button", name="Preview").click()
    preview = author.get_by_role("region", name="Preview")
    expect(preview.locator("em")).to_have_text("never")
    author.get_by_role("button", name="Save and submit for review").click()
    expect(author.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(author.get_by_role("status").first).to_contain_text("sent to the moderators")
    axe_check(author)
    detail_url = author.url

    visitor = new_page()
    response = visitor.goto(detail_url)
    assert response is not None and response.status == 404  # not published yet

    moderator = new_page()
    sign_in(moderator, "moderator@testshire.gov.uk", PASSWORD)
    moderator.goto("/moderation")
    moderator.get_by_role("link", name=TITLE).click()
    moderator.get_by_role("button", name="Publish").click()
    expect(moderator.get_by_role("status").first).to_contain_text("Published")

    visitor.goto("/case-studies")
    visitor.get_by_label("Outcome").select_option(value="failure")
    visitor.get_by_role("button", name="Apply filters").click()
    visitor.get_by_label("Technology").select_option(value="drupal")
    visitor.get_by_role("button", name="Apply filters").click()
    assert "outcome=failure" in visitor.url and "technology=drupal" in visitor.url
    expect(visitor.get_by_role("heading", name="1 case study")).to_be_visible()
    axe_check(visitor)
    visitor.get_by_role("link", name=TITLE).click()
    expect(visitor.get_by_text("Outcome: ✗ Failure")).to_be_visible()
    expect(visitor.locator(".prose strong")).to_have_text("bin collection")
    axe_check(visitor)
