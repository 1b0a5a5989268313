"""The README stays true: CI runs its test command, and it documents every DPSE_* variable."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    command = re.search(r'^TEST_COMMAND="(.+)"$', ci, re.M).group(1)
    assert f"    {command}\n" in README


def test_every_dpse_variable_is_documented():
    used: set[str] = set()
    for folder in ("dpse", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(re.findall(r"\bDPSE_[A-Z_]+[A-Z]\b", path.read_text()))
    undocumented = sorted(v for v in used if f"`{v}`" not in README)
    assert undocumented == []
