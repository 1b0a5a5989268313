"""The forum in a real browser: a member starts a thread, a supplier replies with a quote, the
member (following the thread) sees the notification and flags the reply, a moderator hides it
from the queue; two people talk under a case study. axe checks every forum page on the way."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from dpse.accounts.models import User
from dpse.casestudies.models import CaseStudy
from tests.browser.pages import account_nav, error_summary, notice, sign_in
from tests.casestudies.factories import make_case_study
from tests.conftest import PASSWORD
from tests.forum.factories import make_category

AxeCheck = Callable[[Page], None]
TITLE = "Moving our alert banner to the emergency planning team"


@pytest.fixture
def forum_ready(app: Flask, users: dict[str, User]) -> Iterator[None]:
    """Two categories, and no holding of new accounts' posts (tested elsewhere)."""
    make_category("drupal", "Drupal and LocalGov Drupal")
    make_category("accessibility", "Accessibility")
    old = app.config["HOLD_FIRST_POSTS"]
    app.config["HOLD_FIRST_POSTS"] = 0
    yield
    app.config["HOLD_FIRST_POSTS"] = old


def test_thread_quote_notification_flag_and_hide(
    new_page: Callable[..., Page], axe_check: AxeCheck, forum_ready: None
):
    member = new_page()
    sign_in(member, "member@testshire.gov.uk", PASSWORD)
    account_nav(member).get_by_role("link", name="Notifications").wait_for()
    member.get_by_role("navigation", name="Main").get_by_role("link", name="Forum").click()
    axe_check(member)
    member.get_by_role("link", name="Start a thread").click()
    member.get_by_role("button", name="Post thread").click()
    expect(error_summary(member)).to_contain_text("Give the thread a title")
    axe_check(member)

    member.get_by_label("Category").select_option(label="Drupal and LocalGov Drupal")
    member.get_by_label("Title").fill(TITLE)
    member.get_by_label("Your post").fill("Our duty officers should publish it **themselves**.")
    member.get_by_label("Tags").fill("LocalGov Drupal, incident response")
    member.get_by_role("button", name="Preview").click()
    expect(member.get_by_role("region", name="Preview").locator("strong")).to_have_text(
        "themselves"
    )
    member.get_by_role("button", name="Post thread").click()
    expect(member.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(notice(member, "Your thread has started.")).to_be_visible()
    expect(member.get_by_role("button", name="Stop following")).to_be_visible()
    axe_check(member)
    thread_url = member.url

    supplier = new_page()
    sign_in(supplier, "supplier@testshire.gov.uk", PASSWORD)
    supplier.goto("/forum/drupal")
    axe_check(supplier)
    supplier.get_by_role("link", name=TITLE, exact=True).click()
    supplier.get_by_role("link", name="Quote the post by Member Person").click()
    body = supplier.get_by_label("Your reply")
    expect(body).to_have_value(re.compile(r"^Member Person wrote:\n\n> Our duty officers"))
    axe_check(supplier)
    body.press("End")
    body.type("Buy our emergency banner add-on today!")
    supplier.get_by_role("button", name="Post reply").click()
    reply = supplier.locator("article.post").nth(1)
    expect(reply.locator("blockquote")).to_contain_text("Our duty officers")
    expect(reply.get_by_text("Supplier-written")).to_be_visible()
    axe_check(supplier)

    member.goto("/")
    account_nav(member).get_by_role("link", name=re.compile(r"Notifications 1 unread")).click()
    axe_check(member)
    member.get_by_role("link", name=f"Supplier Person replied in “{TITLE}”").click()
    expect(member).to_have_url(re.compile(r"#post-\d+$"))
    target = member.locator("article.post:target")
    expect(target).to_contain_text("Buy our emergency banner add-on today!")
    target.get_by_role("link", name="Flag the post by Supplier Person").click()
    axe_check(member)
    member.get_by_label("What is wrong?").fill("An advert, not an answer")
    member.get_by_role("button", name="Send to the moderators").click()
    expect(notice(member, "the moderators will look at this post")).to_be_visible()

    moderator = new_page()
    sign_in(moderator, "moderator@testshire.gov.uk", PASSWORD)
    account_nav(moderator).get_by_role("link", name="Moderation").click()
    expect(moderator.get_by_role("heading", name="Flags (1)")).to_be_visible()
    axe_check(moderator)
    flag = moderator.get_by_role("listitem").filter(has_text="An advert, not an answer")
    expect(flag.get_by_label("Reason for hiding")).to_have_value("An advert, not an answer")
    flag.get_by_role("button", name="Hide the post by Supplier Person").click()
    expect(notice(moderator, "The post is hidden")).to_be_visible()
    expect(moderator.get_by_role("heading", name="Flags (0)")).to_be_visible()
    moderator.get_by_role("link", name="audit log").click()
    expect(moderator.get_by_role("cell", name="Hid a post")).to_be_visible()
    axe_check(moderator)
    moderator.goto(thread_url)
    expect(moderator.get_by_text("Only moderators can see this post.")).to_be_visible()
    axe_check(moderator)

    member.goto(thread_url)
    expect(member.get_by_text("Buy our emergency banner")).to_have_count(0)
    expect(member.locator("article.post")).to_have_count(1)
    member.get_by_role("link", name="incident response").click()
    expect(member.get_by_role("link", name=TITLE, exact=True)).to_be_visible()
    axe_check(member)


def test_conversation_under_a_case_study(
    new_page: Callable[..., Page], axe_check: AxeCheck, users: dict[str, User], forum_ready: None
):
    cs: CaseStudy = make_case_study(
        users["organiser"], status="published", moderator=users["moderator"]
    )
    member = new_page()
    sign_in(member, "member@testshire.gov.uk", PASSWORD)
    member.goto(f"/case-studies/{cs.slug}")
    comments = member.get_by_role("region", name="Comments")
    expect(comments.get_by_text("No comments yet.")).to_be_visible()
    comments.get_by_label("Your comment").fill("How long did the *content* rewrite take?")
    comments.get_by_role("button", name="Preview").click()
    expect(member.get_by_role("region", name="Preview").locator("em")).to_have_text("content")
    axe_check(member)
    member.get_by_role("button", name="Post comment").click()
    expect(member).to_have_url(re.compile(rf"/case-studies/{cs.slug}#post-\d+$"))
    expect(member.get_by_role("heading", name="Comments (1)")).to_be_visible()
    axe_check(member)

    author = new_page()
    sign_in(author, "organiser@testshire.gov.uk", PASSWORD)
    author.goto("/notifications")
    author.get_by_role("link", name=re.compile("Member Person commented on")).click()
    author.get_by_role("link", name="Quote the post by Member Person").click()
    author.get_by_label("Your reply").press("End")
    author.get_by_label("Your reply").type("Nine months. @Member-Person, the plan is linked above.")
    author.get_by_role("button", name="Post reply").click()
    expect(author).to_have_url(re.compile(rf"/case-studies/{cs.slug}#post-\d+$"))
    expect(author.get_by_role("heading", name="Comments (2)")).to_be_visible()

    member.goto("/notifications")
    expect(
        member.get_by_role(
            "link", name=re.compile(r"Organiser Person \(@organiser-person\) mentioned you")
        )
    ).to_be_visible()
    axe_check(member)


@pytest.mark.parametrize(
    "path",
    [
        "/forum",
        "/forum/drupal",
        "/forum/new",
        "/notifications",
        "/notifications/settings",
        "/moderation",
        "/moderation/audit",
    ],
)
def test_forum_pages_pass_axe(page: Page, axe_check: AxeCheck, forum_ready: None, path: str):
    sign_in(page, "moderator@testshire.gov.uk", PASSWORD)
    expect(notice(page, "You are signed in as")).to_be_visible()
    response = page.goto(path)
    assert response is not None and response.status == 200
    axe_check(page)


def test_forum_fits_a_320_pixel_screen(
    new_page: Callable[..., Page], axe_check: AxeCheck, users: dict[str, User], forum_ready: None
):
    from dpse.forum import service

    thread = service.create_thread(
        users["member"],
        make_category("drupal", "Drupal and LocalGov Drupal"),
        "A thread with a rather long title about Solr synonyms for council services",
        "See https://git.example.org/a/very/long/path/without/any/spaces/at/all/in/it.txt",
        ["Solr"],
    )
    page = new_page(viewport={"width": 320, "height": 800})
    sign_in(page, "member@testshire.gov.uk", PASSWORD)
    for path in ("/forum", "/forum/drupal", f"/forum/t/{thread.id}-{thread.slug}"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
        axe_check(page)
