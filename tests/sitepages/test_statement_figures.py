"""The accessibility statement's figures about the project's own checks are the browser tests'
own: every address it counts is opened by them, at the widths it names, failing on the impacts
it names."""

from __future__ import annotations

import re
from pathlib import Path

from dpse.sitepages import checks

BROWSER_TESTS = Path(__file__).resolve().parents[1] / "browser"


def _browser_tests() -> str:
    return "\n".join(p.read_text() for p in sorted(BROWSER_TESTS.glob("test_*.py")))


def test_every_counted_address_is_opened_by_a_browser_test():
    source = _browser_tests()
    for path in checks.WIDE_PATHS + checks.NARROW_PATHS:
        assert f'"{path}' in source, f"{path} is counted but no browser test opens it"
    assert len(set(checks.WIDE_PATHS)) == len(checks.WIDE_PATHS)
    assert len(set(checks.NARROW_PATHS)) == len(checks.NARROW_PATHS)


def test_the_widths_and_failing_impacts_are_those_the_tests_use():
    conftest = (BROWSER_TESTS / "conftest.py").read_text()
    assert '"width": 1280' in conftest
    assert '"width": 320' in _browser_tests()
    impacts = re.search(r"BLOCKING_IMPACTS = frozenset\(\{([^}]*)\}\)", conftest)
    assert impacts is not None
    assert set(re.findall(r'"(\w+)"', impacts.group(1))) == set(checks.FAILING_IMPACTS)


def test_the_statement_words_the_figures():
    figures = checks.figures()
    assert figures["axe_pages"] == str(len(checks.WIDE_PATHS))
    assert figures["widths"] == "1,280 and 320"
