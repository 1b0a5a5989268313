"""What the browser tests find on a page and do on it, as a person would."""

from __future__ import annotations

from playwright.sync_api import Locator, Page


def account_nav(page: Page) -> Locator:
    """The header's account links (sign in, create an account, your name, sign out)."""
    return page.get_by_role("navigation", name="Account")


def notice(page: Page, text: str) -> Locator:
    """A flashed message containing text."""
    return page.get_by_role("status").filter(has_text=text)


def error_summary(page: Page) -> Locator:
    """The "There is a problem" box at the top of a form page."""
    return page.get_by_role("alert").filter(
        has=page.get_by_role("heading", name="There is a problem")
    )


def open_menu(page: Page) -> None:
    """On a small screen the header's links are folded under "Menu": open it."""
    toggle = page.locator("summary.site-menu__toggle")
    if toggle.is_visible() and page.locator("details.site-menu[open]").count() == 0:
        toggle.click()


def sign_in(page: Page, email: str, password: str) -> None:
    """Through the header link and the form, as a person would."""
    page.goto("/")
    open_menu(page)
    account_nav(page).get_by_role("link", name="Sign in").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
