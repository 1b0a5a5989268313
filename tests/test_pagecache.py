"""The anonymous page cache: whole pages for visitors without a session, fresh after any change
to public content, never for signed-in people, never a page carrying someone's token or name."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from dpse import pagecache
from dpse.accounts import service as accounts
from dpse.casestudies import service as casestudies
from dpse.casestudies.models import CaseStudy, Outcome
from dpse.extensions import db
from dpse.mixins import utcnow
from dpse.notifications.models import Notification
from tests.casestudies.factories import case_study_data, make_case_study
from tests.conftest import login
from tests.test_hosts import redis_url  # noqa: F401 - the fixture


@pytest.fixture
def cache_on(app):
    app.config.update(PAGE_CACHE=True, PAGE_CACHE_URL="", PAGE_CACHE_SECONDS=60)
    yield
    app.extensions.pop("dpse_page_cache", None)


@pytest.fixture
def published(users):
    return make_case_study(users["member"], "published", title="Open Councils website")


def visit(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response


def test_a_visitor_without_a_session_gets_the_page_from_the_cache(
    app, client, cache_on, published, count_queries
):
    path = f"/case-studies/{published.slug}"
    first = visit(client, path)
    assert first.headers["X-Page-Cache"] == "miss"
    assert "Set-Cookie" not in first.headers
    with count_queries() as queries:
        second = visit(client, path)
    assert second.headers["X-Page-Cache"] == "hit"
    assert second.get_data() == first.get_data()
    assert queries.count == 1  # the content generation, nothing else
    # The security headers are the response's own, not stored ones.
    assert "Content-Security-Policy" in second.headers
    assert visit(client, "/case-studies").headers["X-Page-Cache"] == "miss"  # per URL
    assert visit(client, path + "?x=1").headers["X-Page-Cache"] == "miss"


def test_a_change_to_public_content_shows_at_once(app, client, cache_on, published, users):
    path = f"/case-studies/{published.slug}"
    visit(client, path)
    assert visit(client, path).headers["X-Page-Cache"] == "hit"
    casestudies.update_case_study(
        users["member"], published, case_study_data(title="Open Councils website, two years on")
    )
    page = visit(client, path)
    assert page.headers["X-Page-Cache"] == "miss"
    assert "two years on" in page.get_data(as_text=True)

    # A list page shows a new case study at once too.
    visit(client, "/case-studies")
    make_case_study(users["member"], "published", title="A brand new story")
    assert "A brand new story" in visit(client, "/case-studies").get_data(as_text=True)


def test_bulk_statements_count_as_changes(app, client, cache_on, published):
    path = f"/case-studies/{published.slug}"
    visit(client, path)
    db.session.execute(
        update(CaseStudy).where(CaseStudy.id == published.id).values(title="Renamed in bulk")
    )
    db.session.commit()
    page = visit(client, path)
    assert page.headers["X-Page-Cache"] == "miss"
    assert "Renamed in bulk" in page.get_data(as_text=True)


def test_private_writes_leave_cached_pages_fresh(app, client, cache_on, published, users):
    path = f"/case-studies/{published.slug}"
    visit(client, path)
    before = pagecache.current_generation()
    db.session.add(Notification(user_id=users["member"].id, kind="test", text="private", url="/"))
    users["admin"].last_login_at = utcnow()  # a sign-in: a private column of a public table
    db.session.commit()
    assert pagecache.current_generation() == before
    assert visit(client, path).headers["X-Page-Cache"] == "hit"
    users["admin"].display_name = "Renamed Admin"  # shown on pages: public
    db.session.commit()
    assert pagecache.current_generation() == before + 1


def test_a_rolled_back_change_does_not_bump(app, published):
    before = pagecache.current_generation()
    published.title = "Never saved"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert pagecache.current_generation() == before


def test_signed_in_people_never_get_or_make_an_anonymous_copy(
    app, client, cache_on, published, users
):
    path = f"/case-studies/{published.slug}"
    visit(app.test_client(), path)  # an anonymous copy exists
    login(client, "member@testshire.gov.uk")
    client.get("/people")  # shows (and so clears) the "signed in" message
    for _ in range(2):
        page = visit(client, path)
        # Their own copy (they wrote it: tests/test_pagecache_signed_in.py), never the visitors'.
        assert page.headers["X-Page-Cache"] in ("shared-miss", "shared-hit")
        assert "Member Person" in page.get_data(as_text=True)  # their name in the header
    # What they saw was not kept for anyone else.
    anonymous = app.test_client()
    page = visit(anonymous, path)
    assert page.headers["X-Page-Cache"] == "hit"
    assert "Sign out" not in page.get_data(as_text=True)


def test_pages_with_a_form_token_or_a_session_are_not_cached(app, client, cache_on, published):
    first = visit(client, "/login")  # a form: its CSRF token goes into a new session
    assert "X-Page-Cache" not in first.headers and "Set-Cookie" in first.headers
    stranger = app.test_client()
    second = visit(stranger, "/login")
    assert "X-Page-Cache" not in second.headers
    # The first visitor now carries a session (perhaps with a flash message waiting): they
    # get pages rendered for them, even ones others get from the cache.
    path = f"/case-studies/{published.slug}"
    visit(stranger.application.test_client(), path)
    assert "X-Page-Cache" not in visit(client, path).headers


def test_entries_age_out(app, client, cache_on, published):
    app.config["PAGE_CACHE_SECONDS"] = 0
    path = f"/case-studies/{published.slug}"
    visit(client, path)
    assert visit(client, path).headers["X-Page-Cache"] == "miss"


def test_errors_and_posts_are_not_cached(app, client, cache_on):
    assert client.get("/case-studies/no-such-story").status_code == 404
    assert "X-Page-Cache" not in client.get("/case-studies/no-such-story").headers


def test_the_cache_is_off_unless_configured(app, client, published):
    app.config["PAGE_CACHE"] = False
    path = f"/case-studies/{published.slug}"
    assert "X-Page-Cache" not in visit(client, path).headers
    assert "X-Page-Cache" not in visit(client, path).headers


def test_the_memory_store_stays_within_its_size():
    store = pagecache.MemoryStore(max_bytes=10_000)
    for n in range(50):
        store.put(f"page-{n}", (1, 0.0, b"x" * 1_000, "text/html"))
    assert store.size <= 10_000
    assert store.get("page-49") is not None and store.get("page-0") is None
    store.put("huge", (1, 0.0, b"x" * 5_000, "text/html"))  # over a quarter: not kept
    assert store.get("huge") is None


def test_several_workers_share_pages_through_redis(app, client, published, users, redis_url):  # noqa: F811
    app.config.update(PAGE_CACHE=True, PAGE_CACHE_URL=redis_url, PAGE_CACHE_SECONDS=60)
    try:
        path = f"/case-studies/{published.slug}"
        assert visit(client, path).headers["X-Page-Cache"] == "miss"
        app.extensions.pop("dpse_page_cache")  # another worker: a store of its own, same Redis
        assert visit(app.test_client(), path).headers["X-Page-Cache"] == "hit"
        author = users["member"]
        accounts.update_profile(author, "Renamed Author", "", "", author.organisation_id)
        page = visit(client, path)
        assert page.headers["X-Page-Cache"] == "miss"
        assert "Renamed Author" in page.get_data(as_text=True)
    finally:
        app.extensions.pop("dpse_page_cache", None)


def test_list_facets_are_counted_once_per_content_generation(
    app, client, cache_on, published, users, count_queries
):
    # Signed in, as two kinds of reader: each renders the list (no shared copy of the
    # other's), the second with the facet counts the first made.
    login(client, "member@testshire.gov.uk")
    supplier = app.test_client()
    login(supplier, "supplier@testshire.gov.uk")
    supplier.get("/people")  # shows (and so clears) the "signed in" message
    client.get("/case-studies")
    with count_queries() as first:
        client.get("/case-studies?outcome=success")
    with count_queries() as again:
        response = supplier.get("/case-studies?outcome=success")
        page = response.get_data(as_text=True)
    assert response.headers["X-Page-Cache"] == "shared-miss"
    # The facet queries: the four column facets in one pass, both tag kinds in one, suppliers.
    assert again.count == first.count - 3
    assert ">Failure (" not in page  # no failure yet
    make_case_study(
        users["member"],
        "published",
        title="Another failure",
        outcome=Outcome.FAILURE,
        lessons_learned="Start smaller.",
    )
    page = client.get("/case-studies").get_data(as_text=True)
    assert ">Failure (1)</option>" in page and ">Success (1)</option>" in page


def test_no_public_page_starts_a_session_for_a_visitor(app, published, users, make_event):
    """A page that puts anything in a new visitor's session (a form's CSRF token made for
    nobody) sets a cookie, which keeps that visitor and the page out of the page cache."""
    from tests.forum.factories import make_thread

    app.config["HOLD_FIRST_POSTS"] = 0  # a new member's first posts would wait for review
    thread = make_thread(users["member"], title="Anyone using LocalGov Drupal?", replies=2)
    db.session.commit()
    event = make_event()
    member = users["member"]
    pages = [
        "/",
        "/case-studies",
        f"/case-studies/{published.slug}",
        "/events",
        f"/events/{event.slug}",
        "/forum",
        f"/forum/{thread.category.slug}",
        f"/forum/t/{thread.id}-{thread.slug}",
        f"/tags/{published.tags[0].slug}",
        "/people",
        f"/people/{member.handle}",
        "/organisations",
        f"/organisations/{member.organisation.slug}",
        "/search?q=drupal",
        "/accessibility",
        "/privacy",
        "/terms",
        "/contact",
        "/api",
    ]
    for path in pages:
        response = app.test_client().get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
