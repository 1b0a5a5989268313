"""Nothing irreversible in one click, and no typing lost, in a real browser by keyboard alone:
deleting a draft goes through its confirmation page ("No, go back" keeps it), and a form sent
with an expired token comes back with what was typed; every page checked with axe."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from dpse.accounts.models import User
from dpse.casestudies.models import CaseStudy
from dpse.extensions import db
from dpse.forum.models import Thread
from dpse.resubmit import EXPIRED_MESSAGE
from tests.browser.pages import error_summary, notice, sign_in
from tests.casestudies.factories import make_case_study
from tests.conftest import PASSWORD
from tests.forum.factories import make_category

AxeCheck = Callable[[Page], None]
TABS = 80  # more stops than any of these pages has


def _tab_to(page: Page, target: Locator) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user moves through the page."""
    for _ in range(TABS):
        page.keyboard.press("Tab")
        if target.evaluate("node => node === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def _press(page: Page, target: Locator) -> None:
    _tab_to(page, target)
    page.keyboard.press("Enter")


def _exists(case_study_id: int) -> bool:
    db.session.rollback()  # see what the server committed
    return db.session.get(CaseStudy, case_study_id) is not None


def test_deleting_a_draft_by_keyboard_asks_first(
    page: Page, axe_check: AxeCheck, users: dict[str, User]
):
    member = users["member"]
    cs = make_case_study(member, title="Our half-written cloud move")
    sign_in(page, member.email, PASSWORD)
    page.goto(f"/case-studies/{cs.slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Our half-written cloud move")

    _press(page, page.get_by_role("link", name="Delete draft"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Delete the draft “Our half-written cloud move”?"
    )
    expect(page).to_have_title(re.compile("^Delete the draft: Our half-written cloud move – "))
    expect(page.get_by_text("deleted for good")).to_be_visible()
    axe_check(page)
    assert _exists(cs.id)

    _press(page, page.get_by_role("link", name="No, go back"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Our half-written cloud move")
    assert _exists(cs.id)

    _press(page, page.get_by_role("link", name="Delete draft"))
    _press(page, page.get_by_role("button", name="Delete the draft"))
    expect(notice(page, "The draft has been deleted.")).to_be_visible()
    axe_check(page)
    assert not _exists(cs.id)


def test_a_thread_sent_after_the_session_expired_comes_back_with_the_text(
    page: Page, axe_check: AxeCheck, users: dict[str, User]
):
    make_category()
    sign_in(page, users["member"].email, PASSWORD)
    page.goto("/forum/new")
    page.get_by_label("Category", exact=True).select_option("drupal")
    _tab_to(page, page.get_by_label("Title", exact=True))
    page.keyboard.type("Moving our council site")
    _tab_to(page, page.get_by_label("Your post", exact=True))
    page.keyboard.type("Three weeks of notes I do not want to lose.")
    # The session's token changes meanwhile (signed in again in another tab, say).
    page.locator("#csrf_token").evaluate("node => { node.value = 'stale' }")
    _press(page, page.get_by_role("button", name="Post thread"))

    expect(error_summary(page)).to_contain_text(EXPIRED_MESSAGE)
    expect(page.get_by_label("Title", exact=True)).to_have_value("Moving our council site")
    expect(page.get_by_label("Your post", exact=True)).to_have_value(
        "Three weeks of notes I do not want to lose."
    )
    axe_check(page)
    db.session.rollback()
    assert db.session.query(Thread).count() == 0

    _press(page, page.get_by_role("button", name="Post thread"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Moving our council site")
