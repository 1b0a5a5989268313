"""The accessibility statement's figures about the project's own checks are the browser tests'
own: the crawl visits at least the page types and form error states it counts, as the roles
and at the widths it names, with every rule it says it runs."""

from __future__ import annotations

import re
from pathlib import Path

from dpse.accounts.roles import Role
from dpse.sitepages import checks
from tests.browser import crawl

TEST_CRAWL = (Path(__file__).resolve().parents[1] / "browser" / "test_crawl.py").read_text()


def test_the_crawl_covers_at_least_what_the_statement_counts():
    assert len(crawl.PAGES) >= checks.PAGE_TYPES
    assert len(crawl.ERROR_STATES) >= checks.FORM_ERROR_STATES
    assert len(crawl.ROLES) == len(checks.ROLES) == len(Role) + 1  # every role and visitors


def test_the_widths_and_rules_are_those_the_crawl_uses():
    widths = re.search(r"^WIDTHS = \(([^)]*)\)", TEST_CRAWL, re.MULTILINE)
    assert widths is not None
    assert tuple(int(w) for w in widths.group(1).split(",") if w.strip()) == checks.WIDTHS
    tags = re.search(r'"values": \[([^\]]*)\]', TEST_CRAWL)
    assert tags is not None
    assert set(re.findall(r'"([\w-]+)"', tags.group(1))) == set(checks.AXE_TAGS)
    assert "any violation of any impact fails" in TEST_CRAWL


def test_the_statement_words_the_figures():
    figures = checks.figures()
    assert figures["widths"] == "1,280 and 320"
    assert figures["roles"].endswith(", a moderator and an administrator")
