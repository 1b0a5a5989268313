"""Highlighting: the query's words marked in a result's summary, everything else escaped."""

from __future__ import annotations

from markupsafe import Markup, escape
from whoosh import query
from whoosh.analysis import Analyzer
from whoosh.highlight import ContextFragmenter, HtmlFormatter, highlight

from dpse.search.parsing import negated

SNIPPET_CHARS = 240
_FRAGMENTER = ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)
_FORMATTER = HtmlFormatter(tagname="mark", between=" … ")


def highlight_terms(q: query.Query) -> frozenset[str]:
    """The analysed words of the query that the summary highlight marks (not excluded ones)."""
    excluded = set()
    for node in negated(q):
        excluded.update(text for _, text in node.iter_all_terms())
    return frozenset(
        text for name, text in q.iter_all_terms() if name == "summary" and text not in excluded
    )


def snippet(summary: str, marked: frozenset[str], analyzer: Analyzer) -> Markup:
    """The summary's best fragments with the marked words in <mark>, or its start, escaped."""
    fragments = ""
    if marked and summary:
        fragments = highlight(summary, marked, analyzer, _FRAGMENTER, _FORMATTER, top=2)
    # HtmlFormatter escapes the text and adds only <mark>; the fallback is escaped here.
    return Markup(fragments) if fragments else escape(summary[:SNIPPET_CHARS])  # noqa: S704
