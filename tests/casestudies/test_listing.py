"""The list page: filters with counts, drafts never leaking, bounded SQL queries."""

from __future__ import annotations

import pytest

from dpse.casestudies.models import Outcome, Sector
from tests.casestudies.factories import make_case_study
from tests.conftest import login


def _publish_many(users, n: int, **overrides):
    made = []
    for i in range(n):
        made.append(
            make_case_study(
                users["member"],
                status="published",
                moderator=users["moderator"],
                title=f"Case study number {i}",
                outcome=[Outcome.SUCCESS, Outcome.FAILURE][i % 2],
                lessons_learned="Lessons",
                technologies=["Drupal"] if i % 3 else ["Wagtail"],
                **overrides,
            )
        )
    return made


def test_filters_combine_and_show_counts(client, users):
    _publish_many(users, 6)
    html = client.get("/case-studies?outcome=failure").get_data(as_text=True)
    assert "3 case studies" in html
    assert '<option value="failure" selected>Failure (3)</option>' in html
    assert '<option value="success" >Success (3)</option>' in html  # counted without own filter
    html = client.get("/case-studies?outcome=failure&technology=drupal").get_data(as_text=True)
    assert "2 case studies" in html
    assert "Case study number 1<" in html and "Case study number 3<" not in html


def test_free_text_filter(client, users):
    _publish_many(users, 2)
    make_case_study(
        users["member"], status="published", moderator=users["moderator"], title="Open data on CKAN"
    )
    html = client.get("/case-studies?q=ckan").get_data(as_text=True)
    assert "1 case study" in html and "Open data on CKAN" in html
    assert client.get("/case-studies?q=%25_%5C").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "outcome=bogus",
        "year=abc",
        "page=-4",
        "page=99999",
        "sort=evil",
        "sector=%00",
        "q=" + "a" * 5000,
    ],
)
def test_junk_parameters_never_500(client, users, query):
    _publish_many(users, 2)
    assert client.get(f"/case-studies?{query}").status_code == 200


@pytest.mark.parametrize("status", ["draft", "submitted", "returned"])
def test_unpublished_never_leak_to_other_people(app, client, users, status):
    secret = make_case_study(
        users["member"], status=status, moderator=users["moderator"], title="Secret project Zebra"
    )
    urls = [
        "/case-studies",
        "/case-studies?q=zebra",
        f"/case-studies/{secret.slug}",
        "/tags/drupal",
        "/organisations/testshire-council",
        f"/case-studies/{secret.slug}/history",
    ]
    login(client, "supplier@testshire.gov.uk")
    for url in urls:
        response = client.get(url)
        assert "Zebra" not in response.get_data(as_text=True), url
    assert client.get(f"/case-studies/{secret.slug}").status_code == 404
    # the author and moderators do see it
    for email in ("member@testshire.gov.uk", "moderator@testshire.gov.uk"):
        other = app.test_client()
        login(other, email)
        assert other.get(f"/case-studies/{secret.slug}").status_code == 200


def test_archived_leaves_lists_but_keeps_its_page(client, users):
    cs = make_case_study(users["member"], status="archived", moderator=users["moderator"])
    assert cs.title not in client.get("/case-studies").get_data(as_text=True)
    page = client.get(f"/case-studies/{cs.slug}").get_data(as_text=True)
    assert "archived" in page


def test_list_page_runs_the_same_number_of_queries_for_5_and_50(client, users, count_queries):
    _publish_many(users, 5)
    with count_queries() as small:
        assert client.get("/case-studies").status_code == 200
    _publish_many(users, 45, sector=Sector.HEALTH)
    with count_queries() as large:
        html = client.get("/case-studies").get_data(as_text=True)
    assert "50 case studies" in html
    assert small.count == large.count
    assert large.count <= 15


def test_sorts(client, users):
    made = _publish_many(users, 3)
    from dpse.casestudies import service

    service.toggle_helpful(users["supplier"], made[0])
    html = client.get("/case-studies?sort=helpful").get_data(as_text=True)
    assert html.index("Case study number 0<") < html.index("Case study number 2<")
    newest = client.get("/case-studies?sort=newest").get_data(as_text=True)
    assert newest.index("Case study number 2<") < newest.index("Case study number 0<")


def test_filters_read_from_the_url_keep_their_order_and_drop_junk():
    """Links keep the facets' order (outcome first, text last); junk is dropped, not an error."""
    from werkzeug.datastructures import MultiDict

    from dpse.casestudies.queries import Filters, without

    args = MultiDict(
        {
            "q": "  drupal  ",
            "year": "２０２１",
            "supplier": " acme ",
            "sector": "not-a-sector",
            "outcome": "success",
            "topic": "x" * 150,
        }
    )
    filters = Filters.from_args(args)
    assert list(filters.active().items()) == [
        ("outcome", "success"),
        ("topic", "x" * 100),
        ("supplier", "acme"),
        ("q", "drupal"),
    ]
    assert without(filters, "topic") == {"outcome": "success", "supplier": "acme", "q": "drupal"}


def test_facet_counts_match_counting_by_hand(app, users):
    """Each facet counts the case studies matching every *other* filter (columns in one pass,
    tags in one query or two): checked against counting the rows in Python."""
    from collections import Counter

    from dpse.casestudies import queries

    countries = ["United Kingdom", "Netherlands", "", "France"]
    for i in range(12):
        make_case_study(
            users["member"],
            status="published",
            moderator=users["moderator"],
            title=f"Facet case {i}",
            outcome=[Outcome.SUCCESS, Outcome.FAILURE, Outcome.MIXED][i % 3],
            sector=[Sector.LOCAL_GOVERNMENT, Sector.HEALTH][i % 2],
            country=countries[i % 4],
            lessons_learned="Lessons",
            technologies=["Drupal"] if i % 3 else ["Wagtail", "Drupal"],
            topics=["search"] if i % 4 else ["forms"],
        )
    rows = [
        {
            "outcome": cs.outcome.value,
            "sector": cs.sector.value,
            "country": cs.country.lower(),
            "year": str(cs.year) if cs.year else "",
            "technology": {t.slug for t in cs.technologies},
            "topic": {t.slug for t in cs.topics},
        }
        for cs in queries.list_case_studies(queries.Filters(), per_page=100).items
    ]

    def passes(row, filters, skip):
        for name in ("outcome", "sector", "country", "year", "technology", "topic"):
            wanted = getattr(filters, name).lower()
            if not wanted or name == skip:
                continue
            value = row[name]
            if (wanted not in value) if isinstance(value, set) else (value != wanted):
                return False
        return True

    for args in (
        {},
        {"outcome": "failure"},
        {"outcome": "success", "sector": "health"},
        {"outcome": "failure", "sector": "local-government", "country": "united kingdom"},
        {"country": "netherlands", "technology": "wagtail"},
        {"topic": "search", "outcome": "mixed", "technology": "drupal"},
    ):
        filters = queries.Filters(**args)
        facets = queries.list_case_studies(filters, per_page=100).facets
        for name in ("outcome", "sector", "country", "technology", "topic"):
            expected = Counter()
            for row in rows:
                if passes(row, filters, name):
                    values = row[name] if isinstance(row[name], set) else {row[name]}
                    expected.update(v for v in values if v)
            got = {f.value.lower(): f.count for f in facets[name]}
            assert got == dict(expected), (args, name)
