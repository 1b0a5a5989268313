"""What the project's own automated accessibility checks cover, as the accessibility statement
reports it. tests/sitepages/test_statement_figures.py holds these to the browser tests (the
whole-site crawl in tests/browser/crawl.py and test_crawl.py), so the statement never claims
more than the checks do; raise the figures when the crawl grows."""

from __future__ import annotations

# Page types the crawl visits (at least: the crawl may since have grown).
PAGE_TYPES = 85
# Forms whose error state the crawl checks, as the person each form is for (at least).
FORM_ERROR_STATES = 34
ROLES = (
    "a visitor who is not signed in",
    "a member",
    "a supplier",
    "an event organiser",
    "a moderator",
    "an administrator",
)
WIDTHS = (1280, 320)
# The axe-core rule tags the crawl runs, all of them, with nothing switched off.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice")
# The journeys that check every page they pass through with axe-core (tests/browser/*_flow.py).
JOURNEYS = (
    "creating an account, confirming it and signing in",
    "writing, submitting and publishing a case study",
    "creating an event and registering for it",
    "starting a forum thread and replying",
    "downloading your data, changing your email address and deleting your account, "
    "by keyboard alone",
    "reporting an accessibility problem",
)


def figures() -> dict[str, str]:
    """The figures as the default statement words them."""
    return {
        "page_types": str(PAGE_TYPES),
        "form_error_states": str(FORM_ERROR_STATES),
        "role_count": str(len(ROLES)),
        "roles": ", ".join(ROLES[:-1]) + " and " + ROLES[-1],
        "widths": " and ".join(f"{w:,}" for w in WIDTHS),
        "narrowest": f"{min(WIDTHS):,}",
        "journeys": "; ".join(JOURNEYS),
    }
