"""Events in a real browser: an organiser announces an event, a member registers, the organiser
sees them in the attendee list; every events page checked with axe along the way."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from dpse.accounts.models import User
from tests.browser.pages import open_menu
from tests.conftest import PASSWORD

AxeCheck = Callable[[Page], None]
DAY = (date.today() + timedelta(days=60)).isoformat()


def fill_date(page: Page, label: str, iso_day: str) -> None:
    """Type a date into its Day, Month and Year boxes, as a person would."""
    year, month, day = iso_day.split("-")
    group = page.get_by_role("group", name=label, exact=True)
    for box, value in (("Day", day), ("Month", month), ("Year", year)):
        group.get_by_label(box, exact=True).fill(value)


def fill_time(page: Page, label: str, hh_mm: str) -> None:
    """Type a time into its Hour and Minute boxes."""
    hour, minute = hh_mm.split(":")
    group = page.get_by_role("group", name=label, exact=True)
    group.get_by_label("Hour", exact=True).fill(hour)
    group.get_by_label("Minute", exact=True).fill(minute)


TITLE = "Open Councils browser edition"
LINK = "https://meet.example.org/open-councils-room"


def sign_in(page: Page, email: str) -> None:
    """Through the header link and the form, as a person would."""
    page.goto("/")
    open_menu(page)  # folded under "Menu" on a small screen
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="You are signed in")).to_be_visible()


def notice(page: Page, text: str):
    """A flashed message."""
    return page.get_by_role("status").filter(has_text=text)


def test_organiser_announces_member_registers_organiser_sees_them(
    new_page: Callable[..., Page], axe_check: AxeCheck, users: dict[str, User]
):
    organiser = new_page()
    sign_in(organiser, users["organiser"].email)
    organiser.get_by_role("navigation", name="Main").get_by_role("link", name="Events").click()
    expect(organiser.get_by_role("heading", level=1)).to_have_text("Upcoming events")
    axe_check(organiser)

    organiser.get_by_role("link", name="Announce an event").click()
    expect(organiser.get_by_role("heading", level=1)).to_have_text("Announce an event")
    axe_check(organiser)

    # A mistake first: the form says what is wrong and keeps what was typed.
    organiser.get_by_label("Title", exact=True).fill(TITLE)
    organiser.get_by_label("Places (optional)", exact=True).fill("0")
    organiser.get_by_role("button", name="Announce the event").click()
    summary = organiser.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(organiser).to_have_title(re.compile(r"^Error: Announce an event"))
    expect(summary.get_by_role("link", name="Enter the start date")).to_be_visible()
    expect(organiser.get_by_label("Title", exact=True)).to_have_value(TITLE)
    expect(organiser.get_by_label("Places (optional)", exact=True)).to_have_value("0")
    axe_check(organiser)

    organiser.get_by_label("Description", exact=True).fill("Council teams **show and tell**.")
    fill_date(organiser, "Start date", DAY)
    fill_time(organiser, "Start time", "10:00")
    fill_date(organiser, "End date", DAY)
    fill_time(organiser, "End time", "16:00")
    organiser.get_by_label("Time zone", exact=True).select_option("Europe/London")
    organiser.get_by_label("Format", exact=True).select_option(label="Hybrid")
    organiser.get_by_label("Venue", exact=True).fill("Northvale Civic Centre")
    organiser.get_by_label("Venue address (optional)", exact=True).fill(
        "1 Market Square\nNorthvale"
    )
    organiser.get_by_label("Joining link (optional)", exact=True).fill(LINK)
    organiser.get_by_label("Places (optional)", exact=True).fill("30")
    organiser.get_by_label("Tags (optional)", exact=True).fill("LocalGov Drupal, Accessibility")
    organiser.get_by_role("button", name="Announce the event").click()

    expect(notice(organiser, "Your event is announced")).to_be_visible()
    expect(organiser.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(
        organiser.get_by_text(re.compile(r"10:00–16:00 (GMT|BST) \(Europe/London\)"))
    ).to_be_visible()
    expect(organiser.get_by_text("30 in all: 0 going, 30 left")).to_be_visible()
    event_url = organiser.url
    axe_check(organiser)

    member = new_page()
    sign_in(member, users["member"].email)
    member.goto("/events")
    member.get_by_role("link", name=TITLE).click()
    expect(member.get_by_text("Shown here to people with a place.")).to_be_visible()
    expect(member.get_by_role("link", name=LINK)).to_have_count(0)
    axe_check(member)
    member.get_by_role("button", name="Register").click()
    expect(notice(member, "You have a place at this event")).to_be_visible()
    expect(member.get_by_text("You are going.")).to_be_visible()
    expect(member.get_by_role("link", name=LINK)).to_be_visible()
    expect(member.get_by_text("30 in all: 1 going, 29 left")).to_be_visible()
    axe_check(member)

    member.goto("/events/mine")
    expect(member.get_by_role("link", name=TITLE)).to_be_visible()
    member.get_by_role("button", name="Make my private calendar address").click()
    expect(member.get_by_label("Your private calendar address")).to_have_value(
        re.compile(r"/events/feed/[\w-]+\.ics$")
    )
    axe_check(member)

    organiser.goto(event_url)
    organiser.get_by_role("link", name="Attendees", exact=True).click()
    expect(organiser.get_by_role("heading", level=1)).to_contain_text("Attendees")
    going = organiser.get_by_role("table").first
    expect(going.get_by_role("link", name=users["member"].display_name, exact=True)).to_be_visible()
    expect(organiser.get_by_role("heading", name="Going (1)")).to_be_visible()
    axe_check(organiser)

    organiser.get_by_role("link", name="Message attendees").click()
    axe_check(organiser)
    organiser.goto(event_url)
    organiser.get_by_role("link", name="Postpone or cancel").click()
    axe_check(organiser)
    organiser.goto("/events/past")
    axe_check(organiser)


def test_small_screens_do_not_scroll_sideways(
    new_page: Callable[..., Page], axe_check: AxeCheck, users: dict[str, User]
):
    page = new_page(viewport={"width": 320, "height": 640})
    sign_in(page, users["organiser"].email)
    for path in ("/events", "/events/new"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width}px wide at 320px"
    axe_check(page)
