"""Forum pages run a fixed number of SQL queries, however many posts or threads they show."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from dpse.accounts.models import OrganisationKind
from dpse.accounts.service import create_organisation, create_user
from dpse.extensions import db
from dpse.forum import service
from dpse.moderation import service as moderation
from tests.casestudies.factories import make_case_study
from tests.conftest import PASSWORD, login
from tests.forum.factories import make_category, make_thread, posts_of

# Thread, its tags, the page of posts (with authors), their count; signed in: the account,
# the follow button, the unread count; moderators: the categories to move to.
THREAD_PAGE_QUERIES = {"anonymous": 4, "member": 7, "moderator": 8}


@contextmanager
def fresh() -> Iterator[None]:
    """Start the request from an empty identity map, as a real server's request does."""
    db.session.expire_all()
    yield


def _people(n: int) -> list:
    """Authors from different organisations (suppliers among them), so nothing is shared."""
    people = []
    for i in range(n):
        kind = OrganisationKind.SUPPLIER if i % 3 == 0 else OrganisationKind.COUNCIL
        org = create_organisation(f"Organisation {i}", kind)
        people.append(
            create_user(f"person{i}@example.org", f"Person {i}", PASSWORD, organisation=org)
        )
    return people


def _grow(thread, people, total: int, moderator) -> None:
    """Add replies (some edited, every tenth hidden) until the thread has ``total`` posts."""
    have = len(posts_of(thread))
    for n in range(have, total):
        post = service.reply(people[n % len(people)], thread, f"Reply {n} with **Markdown**")
        if n % 7 == 0:
            service.edit_post(post.author, post, f"Reply {n}, edited")
        if n % 10 == 4:
            moderation.hide_post(moderator, post, "Testing hidden posts")


@pytest.mark.parametrize("viewer", sorted(THREAD_PAGE_QUERIES))
def test_thread_page_queries_do_not_grow_with_posts(client, users, count_queries, viewer):
    people = _people(8)
    thread = make_thread(people[0], tags=["Drupal", "Solr"])
    service.reply(people[1], thread, "Second")
    service.reply(people[2], thread, "Third")
    if viewer != "anonymous":
        login(client, f"{viewer}@testshire.gov.uk")
    url = f"/forum/t/{thread.id}-{thread.slug}"
    _grow(thread, people, 5, users["moderator"])
    with fresh(), count_queries() as small:
        assert client.get(url).status_code == 200
    _grow(thread, people, 100, users["moderator"])
    with fresh(), count_queries() as large:
        html = client.get(url + "?page=3").get_data(as_text=True)
    assert html.count('class="post') >= 19
    assert small.count == large.count == THREAD_PAGE_QUERIES[viewer], large.statements


def test_category_page_queries_do_not_grow_with_threads(client, users, count_queries):
    people = _people(6)
    category = make_category()
    for n in range(5):
        make_thread(people[n % 6], category, title=f"Thread number {n}", tags=["Drupal"])
    login(client, "member@testshire.gov.uk")
    with fresh(), count_queries() as small:
        assert client.get("/forum/drupal").status_code == 200
    for n in range(5, 60):
        thread = make_thread(people[n % 6], category, title=f"Thread number {n}", tags=["Solr"])
        service.reply(people[(n + 1) % 6], thread, "A reply")
    with fresh(), count_queries() as large:
        html = client.get("/forum/drupal?page=2").get_data(as_text=True)
    assert "Thread number" in html
    assert small.count == large.count, (small.statements, large.statements)
    assert large.count <= 10, large.statements


def test_forum_index_queries_do_not_grow_with_categories(client, users, count_queries):
    for n in range(2):
        make_thread(users["member"], make_category(f"c{n}", f"Category {n}"))
    with fresh(), count_queries() as small:
        assert client.get("/forum").status_code == 200
    for n in range(2, 20):
        make_thread(users["member"], make_category(f"c{n}", f"Category {n}"))
    with fresh(), count_queries() as large:
        assert "Category 19" in client.get("/forum").get_data(as_text=True)
    assert small.count == large.count <= 4


def test_case_study_comments_do_not_add_queries_per_comment(client, users, count_queries):
    people = _people(6)
    cs = make_case_study(users["organiser"], status="published", moderator=users["moderator"])
    for n in range(5):
        service.comment(people[n % 6], "case_study", cs.id, f"Comment {n}")
    login(client, "member@testshire.gov.uk")
    with fresh(), count_queries() as small:
        assert client.get(f"/case-studies/{cs.slug}").status_code == 200
    for n in range(5, 60):
        service.comment(people[n % 6], "case_study", cs.id, f"Comment {n}")
    with fresh(), count_queries() as large:
        assert "Comment 49<" in client.get(f"/case-studies/{cs.slug}").get_data(as_text=True)
    assert small.count == large.count


def test_moderation_queue_queries_do_not_grow_with_flags(app, client, users, count_queries):
    people = _people(6)
    thread = make_thread(users["member"])
    login(client, "moderator@testshire.gov.uk")

    def add(n: int) -> None:
        post = service.reply(people[n % 6], thread, f"Post {n}")
        moderation.flag_post(users["supplier"], post, "Please look at this")
        app.config["HOLD_FIRST_POSTS"] = 1000
        service.reply(people[n % 6], thread, f"Held {n}")
        app.config["HOLD_FIRST_POSTS"] = 0

    for n in range(2):
        add(n)
    with fresh(), count_queries() as small:
        assert client.get("/moderation").status_code == 200
    for n in range(2, 30):
        add(n)
    with fresh(), count_queries() as large:
        assert "Held 29" in client.get("/moderation").get_data(as_text=True)
    assert small.count == large.count
