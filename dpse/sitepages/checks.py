"""What the project's own automated accessibility checks cover, as the accessibility statement
reports it. tests/sitepages/test_statement_figures.py holds these to the browser tests, so the
statement cannot claim more than the checks do."""

from __future__ import annotations

# Addresses the browser tests open at 1,280 pixels wide and check with axe-core: signed out and
# as an administrator (tests/browser/test_accounts_flow.py), and as a moderator (the forum's).
WIDE_PATHS = (
    "/",
    "/account",
    "/account/password",
    "/admin/users",
    "/admin/users/{member}",
    "/case-studies",
    "/events",
    "/forgot-password",
    "/forum",
    "/login",
    "/no-such-page",
    "/organisations",
    "/organisations/{organisation}",
    "/people/{handle}",
    "/register",
    "/search?q=x",
    "/forum/drupal",
    "/forum/new",
    "/notifications",
    "/notifications/settings",
    "/moderation",
    "/moderation/audit",
)
# Addresses also opened 320 pixels wide, where the tests check nothing scrolls sideways.
NARROW_PATHS = (
    "/",
    "/register",
    "/login",
    "/organisations",
    "/events",
    "/events/new",
    "/forum",
    "/forum/drupal",
    "/forum/t/",
)
WIDTHS = (1280, 320)
# The axe-core impacts that fail a test (tests/browser/conftest.py BLOCKING_IMPACTS).
FAILING_IMPACTS = ("serious", "critical")
# The journeys that check every page they pass through with axe-core (tests/browser/*_flow.py).
JOURNEYS = (
    "creating an account, confirming it and signing in",
    "writing, submitting and publishing a case study",
    "creating an event and registering for it",
    "starting a forum thread and replying",
)


def figures() -> dict[str, str]:
    """The figures as the default statement words them."""
    return {
        "axe_pages": str(len(WIDE_PATHS)),
        "narrow_pages": str(len(NARROW_PATHS)),
        "widths": " and ".join(f"{w:,}" for w in WIDTHS),
        "failing_impacts": " or ".join(FAILING_IMPACTS),
        "journeys": "; ".join(JOURNEYS),
    }
