"""The revision comparison: readable word by word, and bounded however hostile the texts."""

from __future__ import annotations

import difflib
import random

import pytest

from dpse.casestudies import revisions
from dpse.casestudies.revisions import MAX_PAIRS, word_diff


def _sides(changes) -> tuple[str, str]:
    old = "".join(c.text for c in changes if c.kind in ("equal", "delete"))
    new = "".join(c.text for c in changes if c.kind in ("equal", "insert"))
    return old, new


def test_small_edits_are_shown_word_by_word():
    changes = word_diff("We moved 3,000 pages.", "We moved 4,000 pages quickly.")
    assert [(c.kind, c.text) for c in changes] == [
        ("equal", "We moved "),
        ("delete", "3,000"),
        ("insert", "4,000"),
        ("equal", " "),
        ("delete", "pages."),
        ("insert", "pages quickly."),
    ]


@pytest.fixture
def pairs_compared(monkeypatch):
    """The size (pieces × pieces) of every comparison the module asks difflib for."""
    sizes: list[int] = []

    class Recording(difflib.SequenceMatcher):
        def __init__(self, isjunk, a, b, autojunk=True):
            sizes.append(len(a) * len(b))
            super().__init__(isjunk, a, b, autojunk)

    monkeypatch.setattr(revisions.difflib, "SequenceMatcher", Recording)
    return sizes


def _shuffled_section(seed: int, lines: bool) -> str:
    rng = random.Random(seed)
    words = [f"w{rng.randint(0, 50)}" for _ in range(3_300)]  # ~20,000 characters
    sep = "\n" if lines else " "
    return sep.join(rng.sample(words, len(words)))


@pytest.mark.parametrize("lines", [False, True], ids=["one-line", "a-word-a-line"])
def test_hostile_sections_stay_within_the_bound_and_exact(pairs_compared, lines):
    old, new = _shuffled_section(1, lines), _shuffled_section(2, lines)
    changes = word_diff(old, new)
    assert _sides(changes) == (old, new)
    assert pairs_compared and max(pairs_compared) <= MAX_PAIRS


def test_a_long_section_with_a_few_changed_lines_is_still_shown_word_by_word(pairs_compared):
    paragraphs = [f"Paragraph {n} says something about the migration." for n in range(400)]
    old = "\n".join(paragraphs)
    paragraphs[200] = "Paragraph 200 says something new about the migration."
    new = "\n".join(paragraphs)
    changes = word_diff(old, new)
    assert _sides(changes) == (old, new)
    assert [c.text for c in changes if c.kind == "insert"] == ["new "]
    assert max(pairs_compared) <= MAX_PAIRS
