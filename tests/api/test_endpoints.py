"""The API's answers: content and filters, pages and their links, problem details, caching
headers and 304s, CORS, the rate limit, and a bounded number of SQL statements per list."""

from __future__ import annotations

import pytest

from dpse.extensions import limiter
from tests.casestudies.factories import make_case_study

PROBLEM = "application/problem+json"


def test_case_study_list_filters_sorts_and_facets_like_the_page(client, site, conforms):
    body = client.get("/api/v1/case-studies").get_json()
    conforms("CaseStudyPage", body)
    assert [cs["slug"] for cs in body["items"]] == [site.published.slug]
    assert body["total"] == 1 and body["next"] is None and body["prev"] is None
    assert {"value": "success", "label": "Success", "count": 1, "selected": False} in body[
        "facets"
    ]["outcome"]

    chosen = client.get("/api/v1/case-studies?outcome=failure&sort=helpful").get_json()
    assert chosen["items"] == [] and chosen["sort"] == "helpful"
    by_tag = client.get("/api/v1/case-studies?technology=drupal").get_json()
    assert [cs["slug"] for cs in by_tag["items"]] == [site.published.slug]
    assert by_tag["items"][0]["tags"][0]["kind"] in {"technology", "topic"}


def test_pages_carry_next_and_prev_links(client, users):
    for n in range(3):
        make_case_study(users["member"], "published", title=f"Case study number {n}")
    first = client.get("/api/v1/case-studies?per_page=2&sort=newest").get_json()
    assert (first["total"], first["page"], first["per_page"], first["pages"]) == (3, 1, 2, 2)
    assert first["prev"] is None
    assert first["next"].startswith("http://dpse.test/api/v1/case-studies?")
    second = client.get(first["next"]).get_json()
    assert len(second["items"]) == 1 and second["next"] is None
    assert "page=1" in second["prev"] and "per_page=2" in second["prev"]
    seen = {cs["slug"] for cs in first["items"] + second["items"]}
    assert len(seen) == 3


def test_one_case_study_gives_markdown_and_the_stored_html(client, site, conforms):
    response = client.get(f"/api/v1/case-studies/{site.published.slug}")
    body = response.get_json()
    conforms("CaseStudy", body)
    assert body["what_we_built_markdown"] == "A **LocalGov Drupal** site."
    assert body["what_we_built_html"] == site.published.what_we_built_html
    assert "<strong>LocalGov Drupal</strong>" in body["what_we_built_html"]
    assert body["published_at"].endswith("+00:00")
    assert body["authors"][0]["handle"] == site.author.handle
    assert "email" not in response.get_data(as_text=True)
    assert response.headers["Last-Modified"]


def test_events_upcoming_past_and_filters(client, site, conforms, make_event):
    body = client.get("/api/v1/events").get_json()
    conforms("EventPage", body)
    assert [e["slug"] for e in body["items"]] == [site.event.slug]
    assert client.get("/api/v1/events?when=past").get_json()["items"] == []
    assert client.get("/api/v1/events?format=online&tag=none").get_json()["total"] == 0
    one = client.get(f"/api/v1/events/{site.event.slug}").get_json()
    conforms("Event", one)
    assert one["starts_at"].endswith("+00:00") and one["timezone"]
    assert "online_url" not in one  # the joining link is for people with a place


def test_forum_categories_threads_and_posts(client, site, conforms):
    categories = client.get("/api/v1/forum/categories").get_json()
    conforms("CategoryList", categories)
    (category,) = categories["items"]
    assert category["thread_count"] == 1
    threads = client.get(category["threads_api_url"]).get_json()
    conforms("ThreadPage", threads)
    assert [t["id"] for t in threads["items"]] == [site.thread.id]
    thread = client.get(threads["items"][0]["api_url"]).get_json()
    conforms("Thread", thread)
    assert [p["id"] for p in thread["posts"]["items"]] == [
        thread["posts"]["items"][0]["id"],
        site.visible_reply.id,
    ]


def test_search_tags_organisations_and_people(client, site, conforms):
    search = client.get("/api/v1/search?q=ckan").get_json()
    conforms("SearchPage", search)
    assert [hit["title"] for hit in search["items"]] == ["Open data on CKAN"]
    assert search["per_page"] == 10
    assert client.get("/api/v1/search?type=event").get_json()["total"] == 1
    tags = client.get("/api/v1/tags?per_page=100").get_json()
    conforms("TagPage", tags)
    assert "drupal" in {t["slug"] for t in tags["items"]}
    organisations = client.get("/api/v1/organisations").get_json()
    conforms("OrganisationPage", organisations)
    org = client.get(f"/api/v1/organisations/{site.approved_org.slug}").get_json()
    conforms("OrganisationSummary", org)
    people = client.get("/api/v1/people?q=member").get_json()
    conforms("PersonPage", people)
    person = client.get(f"/api/v1/people/{site.author.handle}").get_json()
    conforms("Person", person)
    assert set(person) >= {"bio_markdown", "bio_html", "display_name", "handle"}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("sort=best", "sort"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=-1", "page"),
        ("per_page=101", "per_page"),
        ("per_page=99999999999999999999999", "per_page"),
        ("outcome=great", "outcome"),
        ("sector=", "sector"),
        ("year=twenty", "year"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_bad_parameters_are_400_problems_naming_the_parameter(client, query, parameter):
    response = client.get(f"/api/v1/case-studies?{query}")
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["status"] == 400 and problem["parameter"] == parameter
    assert parameter in problem["detail"] and problem["type"] and problem["title"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/events?when=tomorrow",
        "/api/v1/events?month=2027-13",
        "/api/v1/events?format=hybridish",
        "/api/v1/search?type=page",
        "/api/v1/search?page=101",
        "/api/v1/people?verified=maybe",
        "/api/v1/forum/threads/1?per_page=0",
    ],
)
def test_other_lists_refuse_bad_values_too(client, path):
    response = client.get(path)
    assert response.status_code == 400 and response.mimetype == PROBLEM


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/case-studies/no-such-thing",
        "/api/v1/events/no-such-thing",
        "/api/v1/forum/categories/no-such-thing/threads",
        "/api/v1/forum/threads/999999",
        "/api/v1/forum/threads/0",
        "/api/v1/organisations/no-such-thing",
        "/api/v1/people/no-such-person",
        "/api/v1/no-such-endpoint",
        "/api/v1/",
    ],
)
def test_unknown_objects_and_paths_are_404_problems(client, path):
    response = client.get(path)
    assert response.status_code == 404 and response.mimetype == PROBLEM
    assert response.get_json()["status"] == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_writing_is_405_problem_and_html_pages_keep_their_404(client):
    # (POST /api/v1/case-studies makes a draft with a token: tests/api/test_tokens.py)
    response = client.post("/api/v1/events", json={"title": "x"})
    assert response.status_code == 405 and response.mimetype == PROBLEM
    assert "GET" in response.headers["Allow"]
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_etag_and_last_modified_answer_304(client, site):
    url = f"/api/v1/case-studies/{site.published.slug}"
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    listing = client.get("/api/v1/case-studies")
    again = client.get("/api/v1/case-studies", headers={"If-None-Match": listing.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_cors_caching_and_security_headers(client, site):
    response = client.get("/api/v1/case-studies", headers={"Origin": "https://elsewhere.example"})
    headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Cache-Control"] == "public, max-age=60"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "ETag" in headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/v1/case-studies",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "If-None-Match",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]


def test_rate_limit_per_address_is_429_with_retry_after(app, client):
    old = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "3 per minute"
    limiter.enabled = True
    limiter.reset()
    try:
        answers = [client.get("/api/v1/tags").status_code for _ in range(3)]
        refused = client.get("/api/v1/tags")
        other = client.get("/api/v1/tags", environ_base={"REMOTE_ADDR": "192.0.2.9"})
    finally:
        limiter.enabled = False
        limiter.reset()
        app.config["API_RATE_LIMIT"] = old
    assert answers == [200, 200, 200]
    assert refused.status_code == 429 and refused.mimetype == PROBLEM
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.get_json()["status"] == 429
    assert other.status_code == 200  # another address has its own allowance


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/case-studies?per_page=100",
        "/api/v1/events?per_page=100",
        "/api/v1/forum/categories/drupal/threads?per_page=100",
        "/api/v1/tags?per_page=100",
        "/api/v1/organisations?per_page=100",
        "/api/v1/people?per_page=100",
    ],
)
def test_lists_run_a_bounded_number_of_queries(client, users, make_event, count_queries, path):
    from tests.forum.factories import make_category, make_thread

    category = make_category()

    def fill(n: int) -> int:
        for i in range(n):
            make_case_study(users["member"], "published", title=f"Story {path[-5:]} {i}")
            make_event(title=f"Event {i}")
            make_thread(users["member"], category, title=f"Thread number {i}")
        with count_queries() as counted:
            assert client.get(path).status_code == 200
        return counted.count

    few = fill(1)
    many = fill(6)
    assert many == few, path


def test_a_long_thread_runs_a_bounded_number_of_queries(client, users, count_queries):
    from tests.forum.factories import make_thread

    short = make_thread(users["member"], replies=1, title="A short thread")
    long = make_thread(users["member"], replies=12, title="A long thread")
    counts = []
    for thread in (short, long):
        with count_queries() as counted:
            assert client.get(f"/api/v1/forum/threads/{thread.id}").status_code == 200
        counts.append(counted.count)
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/case-studies/%00",
        "/api/v1/people/%C0%AF",
        "/api/v1/people/%F0%9F%98%80",
        "/api/v1/events/%0A",
        "/api/v1/forum/threads/99999999999999999999",
        "/api/v1/case-studies?q=%00%00",
        "/api/v1/search?q=*",
        "/api/v1/search?q=a%20OR%20(",
        "/api/v1/people?q=%25_",
        "/api/v1/organisations/%2e%2e",
        "/api/v1/case-studies?page=10000&per_page=100",
        "/api/v1/search?q=" + "x" * 250,
    ],
)
def test_odd_input_is_never_a_server_error(client, path):
    response = client.get(path)
    assert response.status_code < 500
    assert response.mimetype in ("application/json", PROBLEM)
