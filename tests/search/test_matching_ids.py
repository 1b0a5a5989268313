"""The case-study list's text filter: every matching id of one type, exactly, unranked."""

from __future__ import annotations

from datetime import datetime, timedelta

from dpse.search.engine import current_engine
from dpse.search.parsing import parse_user_query
from dpse.search.schema import SearchDocument


def _document(doc_type: str, number: int, words: str) -> SearchDocument:
    return SearchDocument(
        type=doc_type,
        id=number,
        title=f"Case {number} {words}",
        summary=words,
        body=words,
        url=f"/x/{number}",
        date=datetime(2020, 1, 1) + timedelta(hours=number),
    )


def test_every_match_is_returned_past_the_old_two_thousand(app):
    engine = current_engine()
    with engine.index().writer() as writer:
        for number in range(1, 2_301):
            writer.add_document(**_document("case_study", number, "council portal").fields())
        for number in range(1, 51):
            writer.add_document(**_document("event", number, "council portal").fields())
        writer.add_document(**_document("case_study", 9_999, "parking bins").fields())
    assert engine.matching_ids("case_study", "council") == list(range(1, 2_301))
    assert engine.matching_ids("case_study", "parking -council") == [9_999]
    assert engine.matching_ids("event", "portal") == list(range(1, 51))


def test_matching_ids_agree_with_whooshs_own_matches(app):
    engine = current_engine()
    words = ["council", "portal", "drupal", "bins"]
    with engine.index().writer() as writer:
        for number in range(1, 301):
            text = " ".join(words[i] for i in range(4) if number % (i + 2) == 0)
            writer.add_document(**_document("case_study", number, text).fields())
    for text in ("council", "council portal", "council OR bins", '"council portal"', "NOT drupal"):
        with engine.searching() as searcher:
            q = parse_user_query(text, searcher.schema)
            found = sorted(
                int(hit["key"].partition(":")[2]) for hit in searcher.search(q, limit=None)
            )
        assert engine.matching_ids("case_study", text) == found, text
