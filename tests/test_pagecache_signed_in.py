"""The shared page cache for signed-in readers: one copy per URL, content generation and kind of
reader, with each reader's own header and CSRF token put in; a copy of their own for anyone the
page shows something of their own; never another person's name, token, links or posts."""

from __future__ import annotations

import re

import pytest

from dpse.events.registrations import register_for_event
from dpse.extensions import db
from dpse.forum import service as forum
from dpse.notifications import service as notifications
from dpse.notifications.models import TargetType
from tests.casestudies.factories import make_case_study
from tests.conftest import login
from tests.events.factories import new_user
from tests.forum.factories import make_thread, posts_of

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def cache_on(app):
    app.config.update(PAGE_CACHE=True, PAGE_CACHE_URL="", PAGE_CACHE_SECONDS=60)
    yield
    app.extensions.pop("dpse_page_cache", None)


@pytest.fixture(autouse=True)
def _no_holding(app):
    """New accounts' first posts are held unless this is off (tests hold one on purpose)."""
    app.config["HOLD_FIRST_POSTS"] = 0


@pytest.fixture
def published(users):
    return make_case_study(users["member"], "published", title="Open Councils website")


def signed_in(app, email):
    client = app.test_client()
    login(client, email)
    client.get("/people")  # shows (and so clears) the "signed in" message
    return client


def html_of(client, path):
    return page(client, path)[1]


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response, response.get_data(as_text=True)


def test_readers_of_one_kind_share_a_copy_with_their_own_name_and_token(
    app, cache_on, published, users, count_queries
):
    ann = signed_in(app, new_user("ann@testshire.gov.uk").email)
    bob = signed_in(app, new_user("bob@testshire.gov.uk").email)
    path = f"/case-studies/{published.slug}"
    first, ann_html = page(ann, path)
    assert first.headers["X-Page-Cache"] == "shared-miss"
    with count_queries() as queries:
        second, bob_html = page(bob, path)
    assert second.headers["X-Page-Cache"] == "shared-hit"
    # The session's account, then the generation, the involvement condition and the header's
    # unread count in one statement: nothing that grows with the page.
    assert queries.count == 2, queries.statements
    assert "content_generation" in queries.statements[1]
    assert "notification" in queries.statements[1] and "helpful_mark" in queries.statements[1]
    assert "Open Councils website" in bob_html
    assert "Ann" not in bob_html.split("<main")[0] and "Bob" in bob_html.split("<main")[0]
    ann_tokens, bob_tokens = set(TOKEN.findall(ann_html)), set(TOKEN.findall(bob_html))
    assert bob_tokens and not bob_tokens & ann_tokens
    assert "dpse-csrf-token-hole" not in bob_html and "dpse:account-nav" not in bob_html
    # Bob's token (from the shared copy) is his: marking the case study helpful works.
    marked = bob.post(f"{path}/helpful", data={"csrf_token": bob_tokens.pop(), "helpful": "1"})
    assert marked.status_code == 302
    # That was a public change: everyone's copy is fresh again, and Bob's is now his own.
    again, ann_html = page(ann, path)
    assert again.headers["X-Page-Cache"] == "shared-miss"
    assert "1 person found this helpful" in ann_html
    assert "Helpful (marked)" not in ann_html
    _, bob_html = page(bob, path)
    assert "Helpful (marked)" in bob_html


def test_an_author_gets_a_copy_of_their_own(app, cache_on, published, users):
    reader = signed_in(app, new_user("reader@testshire.gov.uk").email)
    author = signed_in(app, users["member"].email)
    path = f"/case-studies/{published.slug}"
    _, html = page(reader, path)
    assert "Manage this case study" not in html
    response, html = page(author, path)
    assert response.headers["X-Page-Cache"] == "shared-miss"
    assert "Manage this case study" in html
    _, html = page(reader, path)
    assert "Manage this case study" not in html


def test_each_role_gets_its_own_copy(app, cache_on, users):
    thread = make_thread(users["member"], title="Moving from Squiz")
    path = f"/forum/t/{thread.id}-{thread.slug}"
    reader = signed_in(app, new_user("reader@testshire.gov.uk").email)
    moderator = signed_in(app, users["moderator"].email)
    _, html = page(reader, path)
    assert "Moderate this thread" not in html
    response, html = page(moderator, path)
    assert response.headers["X-Page-Cache"] == "shared-miss"
    assert "Moderate this thread" in html
    _, html = page(reader, path)
    assert "Moderate this thread" not in html


def test_a_held_post_shows_only_to_its_author_and_moderators(app, cache_on, users):
    thread = make_thread(users["member"], title="Moving from Squiz")
    writer_account = new_user("writer@testshire.gov.uk")
    forum.reply(writer_account, thread, "A reply waiting for review")
    held = posts_of(thread)[-1]
    held.held_for_review = True
    db.session.commit()
    path = f"/forum/t/{thread.id}-{thread.slug}"
    reader = signed_in(app, new_user("reader@testshire.gov.uk").email)
    writer = signed_in(app, writer_account.email)
    _, html = page(reader, path)
    assert "A reply waiting for review" not in html
    _, html = page(writer, path)
    assert "A reply waiting for review" in html
    _, html = page(reader, path)
    assert "A reply waiting for review" not in html


def test_following_and_a_place_at_an_event_are_the_readers_own(app, cache_on, users, make_event):
    event = make_event(title="Open Councils 2027", capacity=10)
    path = f"/events/{event.slug}"
    attendee_account = new_user("attendee@testshire.gov.uk")
    register_for_event(event, attendee_account)
    follower_account = new_user("follower@testshire.gov.uk")
    notifications.follow(follower_account, TargetType.EVENT, event.id)
    db.session.commit()
    reader = signed_in(app, new_user("reader@testshire.gov.uk").email)
    attendee = signed_in(app, attendee_account.email)
    follower = signed_in(app, follower_account.email)
    _, reader_html = page(reader, path)
    _, attendee_html = page(attendee, path)
    _, follower_html = page(follower, path)
    _, reader_again = page(reader, path)
    assert "Cancel my place" in attendee_html
    for html in (reader_html, follower_html, reader_again):
        assert "Cancel my place" not in html
    assert "Stop following" in follower_html
    for html in (reader_html, attendee_html, reader_again):
        assert "Stop following" not in html


def test_a_waiting_flash_message_is_shown_not_a_shared_copy(app, cache_on, published, users):
    reader = signed_in(app, new_user("reader@testshire.gov.uk").email)
    path = f"/case-studies/{published.slug}"
    page(reader, path)
    with reader.session_transaction() as session:
        session["_flashes"] = [("success", "Your profile was saved.")]
    response, html = page(reader, path)
    assert "X-Page-Cache" not in response.headers
    assert "Your profile was saved." in html
    response, html = page(reader, path)
    assert response.headers["X-Page-Cache"] == "shared-hit"
    assert "Your profile was saved." not in html


def test_off_when_the_page_cache_is_off(app, published, users):
    app.config["PAGE_CACHE"] = False
    reader = signed_in(app, users["member"].email)
    for _ in range(2):
        response, _ = page(reader, f"/case-studies/{published.slug}")
        assert "X-Page-Cache" not in response.headers


def test_lists_and_search_share_one_copy_per_role(app, cache_on, published, users):
    ann = signed_in(app, new_user("ann@testshire.gov.uk").email)
    supplier = signed_in(app, users["supplier"].email)
    bob = signed_in(app, new_user("bob@testshire.gov.uk").email)
    for path in ("/", "/case-studies", "/search?q=councils"):
        page(ann, path)
        response, html = page(bob, path)
        assert response.headers["X-Page-Cache"] == "shared-hit"
        assert "Bob" in html.split("<main")[0] and "Ann" not in html.split("<main")[0]
        response, _ = page(supplier, path)
        assert response.headers["X-Page-Cache"] == "shared-miss"


def test_a_moderators_header_counts_ride_in_their_own_statement(app, cache_on, published, users):
    """The one statement is built once per view and kind of reader: a member's has no
    moderation count, a moderator's has it, and each reader's own numbers are read."""
    path = f"/case-studies/{published.slug}"
    make_case_study(users["member"], "submitted", title="Waiting for review")
    moderator = signed_in(app, users["moderator"].email)
    reader = signed_in(app, new_user("reader@testshire.gov.uk").email)
    for _ in range(2):
        _, html = page(moderator, path)
        assert re.search(r"Moderation <span class=\"count-badge\">1<", html)
        _, html = page(reader, path)
        assert "Moderation" not in html.split("<main")[0]
    built = app.extensions["dpse_reader_statements"]
    case_study_view = "dpse.casestudies.views.pages"
    roles = [key[2] for key in built if getattr(key[0], "__module__", "") == case_study_view]
    assert sorted(roles) == ["member", "moderator"]  # one each, used twice
    unread = re.compile(r'>Notifications(?: <span class="count-badge">(\d+)<)?')
    before = int(unread.search(html_of(moderator, path)).group(1) or 0)
    notifications.notify(users["moderator"], "reply", "Someone replied", "/forum")
    db.session.commit()
    assert int(unread.search(html_of(moderator, path)).group(1) or 0) == before + 1
    assert unread.search(html_of(reader, path)).group(1) is None


def test_a_shared_copys_reads_need_no_transaction_on_postgresql(app, cache_on, published, users):
    """On PostgreSQL the account and the one statement are read in autocommit (no BEGIN, no
    ROLLBACK); rendering the page runs in a transaction; the connection goes back to the pool
    in transactions, for the next request whatever it does."""
    from sqlalchemy import event

    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: pysqlite starts no transaction for a SELECT")
    path = f"/case-studies/{published.slug}"
    reader = signed_in(app, new_user("reader@testshire.gov.uk").email)
    ran: list[tuple[bool, str]] = []

    def keep(conn, _cursor, statement, *_args):
        # (The tests' search index follows the change log on a connection of its own.)
        if "FROM search_" not in statement:
            ran.append((conn.connection.dbapi_connection.autocommit, statement))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        miss, _ = page(reader, path)
        rendered = list(ran)
        ran.clear()
        hit, html = page(reader, path)
        read = list(ran)
        ran.clear()
        # A signed-in POST (a write) is never in autocommit: marking helpful commits as one.
        token = TOKEN.search(html).group(1)
        assert reader.post(f"{path}/helpful", data={"csrf_token": token}).status_code == 302
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert any(sql.startswith("INSERT INTO helpful_mark") for _, sql in ran)
    assert not any(autocommit for autocommit, _ in ran), ran
    assert (miss.headers["X-Page-Cache"], hit.headers["X-Page-Cache"]) == (
        "shared-miss",
        "shared-hit",
    )
    assert [autocommit for autocommit, _ in read] == [True, True], read
    assert "Open Councils website" in html
    # The miss: the two reads in autocommit, then the view's own reads in a transaction.
    assert [autocommit for autocommit, _ in rendered[:2]] == [True, True]
    assert len(rendered) > 2 and not any(autocommit for autocommit, _ in rendered[2:])
    with db.engine.connect() as conn:  # the pool's connection is back in transactions
        assert conn.connection.dbapi_connection.autocommit is False
