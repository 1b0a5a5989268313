"""Hostile and broken queries answer normally; facets, highlights and suggestions work."""

from __future__ import annotations

import pytest

from dpse.casestudies.models import Outcome
from dpse.search.engine import current_engine
from tests.casestudies.factories import make_case_study

HOSTILE = [
    "[a TO z]",
    "*a*",
    "*",
    "?",
    "a*",
    "drup*",
    "title:secret",
    "key:case_study:1",
    "type:event",
    "sector:health",
    "((((",
    "))))",
    '"unclosed phrase',
    "AND OR NOT",
    "NOT",
    "a" * 5000,
    "word " * 400,
    "drupal~2",
    "drupal^100",
    "/regex.*/",
    "<script>alert(1)</script>",
    "%00",
    "\x00\x01",
    "ü" * 300,
]


@pytest.fixture
def corpus(users):
    engine = current_engine()
    made = [
        make_case_study(
            users["member"],
            status="published",
            moderator=users["moderator"],
            title="Accessible forms on Drupal",
            summary="We rebuilt every council form to be accessible & fast <b>bold</b>.",
            technologies=["Drupal"],
        ),
        make_case_study(
            users["member"],
            status="published",
            moderator=users["moderator"],
            title="Search that failed",
            summary="A bespoke search engine we threw away.",
            outcome=Outcome.FAILURE,
            lessons_learned="Use Solr.",
            technologies=["Solr"],
        ),
    ]
    engine.drain()
    return made


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_never_500(client, corpus, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    assert "<script>alert(1)" not in response.get_data(as_text=True)


def test_field_syntax_cannot_reach_other_fields(client, corpus):
    html = client.get("/search?q=outcome:failure").get_data(as_text=True)
    assert "0 results" in html


def test_highlights_mark_the_words_and_escape_the_rest(client, corpus):
    html = client.get("/search?q=accessible").get_data(as_text=True)
    assert "<mark" in html and ">accessible</mark>" in html
    assert "&lt;b&gt;bold" in html
    assert "<b>bold" not in html


def test_facets_filter_and_count(client, corpus):
    html = client.get("/search?q=").get_data(as_text=True)
    assert "2 results" in html
    assert "Failure (1)" in html and "Success (1)" in html  # labels, not stored values
    filtered = client.get("/search?q=&outcome=failure").get_data(as_text=True)
    assert "1 result" in filtered and "Search that failed" in filtered
    by_tag = client.get("/search?tag=solr").get_data(as_text=True)
    assert "1 result" in by_tag


def test_did_you_mean(client, corpus):
    html = client.get("/search?q=acessible").get_data(as_text=True)
    assert "Did you mean" in html and "accessible" in html


@pytest.mark.parametrize(
    "query",
    ["page=abc", "page=-1", "page=100000", "sort=sideways", "type=nonsense", "tag=" + "x" * 500],
)
def test_junk_arguments(client, corpus, query):
    assert client.get(f"/search?q=drupal&{query}").status_code == 200


def test_did_you_mean_leaves_indexed_words_alone(client, corpus):
    # "forms" is indexed as the stem "form": it is a known word, not a typo to correct.
    html = client.get("/search?q=forms+acessible+zzzzzzzz").get_data(as_text=True)
    assert "Did you mean" in html and "forms accessible" in html


def test_search_pages_run_the_same_number_of_queries_for_2_and_20_results(
    client, users, corpus, count_queries
):
    def searched() -> tuple:
        with count_queries() as search_page:
            html = client.get("/search?q=drupal").get_data(as_text=True)
        with count_queries() as case_studies:
            listed = client.get("/case-studies?q=drupal").get_data(as_text=True)
        return search_page, case_studies, html, listed

    small, small_list, _, _ = searched()
    for number in range(18):
        make_case_study(
            users["member"],
            status="published",
            moderator=users["moderator"],
            title=f"Drupal migration number {number}",
            technologies=["Drupal"],
        )
    large, large_list, html, listed = searched()
    assert "Drupal migration number 3" in html
    assert "Drupal migration number 3" in listed
    assert small.count == large.count, (small.statements, large.statements)
    assert small_list.count == large_list.count, (small_list.statements, large_list.statements)
