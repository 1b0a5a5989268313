"""Forum pages through the test client: browse, write, quote, preview, edit, permalinks."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from dpse.extensions import db
from dpse.forum import queries, service
from dpse.forum.models import Post, Thread
from dpse.moderation import service as moderation
from tests.casestudies.factories import make_case_study
from tests.conftest import login, post_form
from tests.forum.factories import make_category, make_thread, posts_of

NEW = {
    "category": "drupal",
    "title": "Upgrading to LocalGov Drupal 3",
    "body": "Has anyone **upgraded** yet?",
    "tags": "LocalGov Drupal, upgrades",
    "action": "post",
}


def _url(thread: Thread) -> str:
    return f"/forum/t/{thread.id}-{thread.slug}"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_index_and_category_pages(client, users):
    thread = make_thread(users["member"], replies=2)
    make_category("hosting", "Hosting and infrastructure")
    index = client.get("/forum").get_data(as_text=True)
    assert "Drupal and LocalGov Drupal" in index and "Hosting and infrastructure" in index
    assert thread.title in index and ">3<" in index  # three posts in Drupal
    page = client.get("/forum/drupal").get_data(as_text=True)
    assert thread.title in page and "Started by Member Person" in page
    assert client.get("/forum/no-such-category").status_code == 404


def test_category_lists_pinned_first_then_by_last_activity(client, users):
    category = make_category()
    old = make_thread(users["member"], category, title="Old but pinned")
    quiet = make_thread(users["member"], category, title="Quiet thread")
    busy = make_thread(users["member"], category, title="Busy thread")
    service.reply(users["supplier"], quiet, "Bump")  # now more recent than busy
    moderation.set_pinned(users["moderator"], old, True)
    html = client.get("/forum/drupal").get_data(as_text=True)
    order = [html.index(t.title) for t in (old, quiet, busy)]
    assert order == sorted(order)
    assert "Pinned</span>" in html


def test_member_starts_a_thread_with_preview_first(client, users):
    make_category()
    login(client, "member@testshire.gov.uk")
    preview = post_form(client, "/forum/new", {**NEW, "action": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "<strong>upgraded</strong>" in html
    assert 'value="Upgrading to LocalGov Drupal 3"' in html and _count(Thread) == 0
    response = post_form(client, "/forum/new", NEW)
    assert response.status_code == 302
    thread = db.session.scalars(select(Thread)).one()
    assert response.headers["Location"] == _url(thread)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your thread has started." in page and "<strong>upgraded</strong>" in page
    assert "Stop following" in page


def test_new_thread_form_keeps_input_on_error(client, users):
    make_category()
    login(client, "member@testshire.gov.uk")
    response = post_form(client, "/forum/new", {**NEW, "title": "Hi"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and "The title must be 5 to 200 characters" in html
    assert "Has anyone **upgraded** yet?" in html and 'value="LocalGov Drupal, upgrades"' in html
    assert _count(Thread) == 0


def test_reply_and_quote_without_javascript(client, users):
    thread = make_thread(users["member"], body="We moved **3,000 pages**.")
    opening = posts_of(thread)[0]
    login(client, "supplier@testshire.gov.uk")
    page = client.get(f"{_url(thread)}/reply?quote={opening.id}").get_data(as_text=True)
    assert "Member Person wrote:\n\n&gt; We moved **3,000 pages**." in page
    body = "Member Person wrote:\n\n> We moved **3,000 pages**.\n\nHow long did it take?"
    response = post_form(client, f"{_url(thread)}/reply", {"body": body, "action": "post"})
    assert response.status_code == 302
    reply = posts_of(thread)[1]
    assert response.headers["Location"] == f"/forum/p/{reply.id}"
    landing = client.get(response.headers["Location"])
    assert landing.headers["Location"] == f"{_url(thread)}#post-{reply.id}"
    html = client.get(_url(thread)).get_data(as_text=True)
    assert "<blockquote>" in html and "How long did it take?" in html
    assert "Supplier-written" in html  # the reply, by a supplier account
    assert html.count("Supplier-written") == 1


def test_empty_reply_keeps_the_form_and_says_why(client, users):
    thread = make_thread(users["member"])
    login(client, "supplier@testshire.gov.uk")
    response = post_form(client, f"{_url(thread)}/reply", {"body": "  ", "action": "post"})
    assert response.status_code == 400
    assert "Write something before posting" in response.get_data(as_text=True)
    assert thread.reply_count == 0


def test_locked_thread_has_no_form_and_refuses_a_post(client, users):
    thread = make_thread(users["member"])
    moderation.set_locked(users["moderator"], thread, True)
    login(client, "supplier@testshire.gov.uk")
    html = client.get(_url(thread)).get_data(as_text=True)
    assert "Replies are closed" in html and 'name="body"' not in html and "Quote" not in html
    response = post_form(
        client, f"{_url(thread)}/reply", {"body": "Let me in", "action": "post"}, _url(thread)
    )
    assert response.status_code == 403
    assert client.get(f"{_url(thread)}/reply").status_code == 403
    assert thread.reply_count == 0 and _count(Post) == 1


def test_permalinks_land_on_the_right_page(client, users):
    thread = make_thread(users["member"])
    for n in range(44):  # 45 posts: pages of 20, 20 and 5
        service.reply(users["supplier"], thread, f"Reply number {n}")
    posts = posts_of(thread)
    for index, page in ((0, None), (19, None), (20, 2), (39, 2), (40, 3), (44, 3)):
        target = posts[index]
        response = client.get(f"/forum/p/{target.id}")
        expected = _url(thread) + (f"?page={page}" if page else "") + f"#post-{target.id}"
        assert response.headers["Location"] == expected
        html = client.get(expected.split("#")[0]).get_data(as_text=True)
        assert f'id="post-{target.id}"' in html
    # Hidden posts are not counted for readers, so later posts move up a page for them.
    for post in posts[1:6]:
        moderation.hide_post(users["moderator"], post, "Off topic")
    response = client.get(f"/forum/p/{posts[24].id}")
    assert response.headers["Location"] == f"{_url(thread)}#post-{posts[24].id}"


def test_old_or_partial_thread_addresses_redirect(client, users):
    thread = make_thread(users["member"])
    assert client.get(f"/forum/t/{thread.id}").headers["Location"] == _url(thread)
    wrong = client.get(f"/forum/t/{thread.id}-old-title?page=2&x=1")
    assert wrong.status_code == 301 and wrong.headers["Location"] == _url(thread) + "?page=2"


def test_author_edits_and_moderators_see_the_history(client, users):
    thread = make_thread(users["member"], body="Original text")
    post = posts_of(thread)[0]
    login(client, "member@testshire.gov.uk")
    form = client.get(f"/forum/p/{post.id}/edit").get_data(as_text=True)
    assert "Original text" in form
    response = post_form(
        client, f"/forum/p/{post.id}/edit", {"body": "Better text", "action": "post"}
    )
    assert response.status_code == 302 and post.body == "Better text"
    html = client.get(_url(thread)).get_data(as_text=True)
    assert "edited" in html and f"/forum/p/{post.id}/history" not in html
    assert client.get(f"/forum/p/{post.id}/history").status_code == 403
    post_form(client, "/logout", {}, form_url="/account")
    login(client, "moderator@testshire.gov.uk")
    history = client.get(f"/forum/p/{post.id}/history").get_data(as_text=True)
    assert "Original text" in history and "Better text" in history


def test_case_study_page_shows_its_comments_and_takes_new_ones(client, users):
    cs = make_case_study(users["organiser"], status="published", moderator=users["moderator"])
    page = client.get(f"/case-studies/{cs.slug}").get_data(as_text=True)
    assert "Comments" in page and "No comments yet." in page and "Sign in" in page
    login(client, "member@testshire.gov.uk")
    url = f"/forum/discuss/case_study/{cs.id}"
    preview = post_form(
        client,
        url,
        {"body": "Did you use *Solr*?", "action": "preview"},
        f"/case-studies/{cs.slug}",
    )
    assert "<em>Solr</em>" in preview.get_data(as_text=True) and _count(Post) == 0
    response = post_form(
        client, url, {"body": "Did you use *Solr*?", "action": "post"}, f"/case-studies/{cs.slug}"
    )
    post = db.session.scalars(select(Post)).one()
    assert response.headers["Location"] == f"/case-studies/{cs.slug}#post-{post.id}"
    page = client.get(f"/case-studies/{cs.slug}").get_data(as_text=True)
    assert "Comments (1)" in page and "<em>Solr</em>" in page
    thread_page = client.get(_url(post.thread)).get_data(as_text=True)
    assert f'href="/case-studies/{cs.slug}"' in thread_page  # links back


def test_long_discussions_link_to_the_forum_for_the_rest(client, users):
    cs = make_case_study(users["organiser"], status="published", moderator=users["moderator"])
    for n in range(queries.DISCUSSION_LIMIT + 3):
        service.comment(users["member"], "case_study", cs.id, f"Comment {n}")
    page = client.get(f"/case-studies/{cs.slug}").get_data(as_text=True)
    assert "Read the other 3 comments in the forum" in page
    assert f"Comment {queries.DISCUSSION_LIMIT - 1}<" in page
    assert f"Comment {queries.DISCUSSION_LIMIT}<" not in page


def test_unpublished_case_studies_have_no_comments(client, users):
    draft = make_case_study(users["member"])
    login(client, "member@testshire.gov.uk")
    page = client.get(f"/case-studies/{draft.slug}").get_data(as_text=True)
    assert 'id="comments"' not in page
    response = post_form(
        client,
        f"/forum/discuss/case_study/{draft.id}",
        {"body": "Hi", "action": "post"},
        "/account",
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "data", "expected"),
    [
        ("get", "/forum?page=x", None, 200),
        ("get", "/forum/drupal?page=-3", None, 200),
        ("get", "/forum/drupal?page=99999999999999999999", None, 200),
        ("get", "/forum/t/{thread}?page=abc", None, 200),
        ("get", "/forum/t/{thread}?page=500", None, 200),
        ("get", "/forum/t/99999-nothing", None, 404),
        ("get", "/forum/t/abc", None, 404),
        ("get", "/forum/p/99999", None, 404),
        ("get", "/forum/p/99999/edit", None, 404),
        ("get", "/forum/t/{thread}/reply?quote=99999", None, 404),
        ("get", "/forum/t/{thread}/reply?quote=abc", None, 200),
        ("get", "/forum/t/{thread}/reply?quote={other_post}", None, 404),
        ("get", "/forum/discuss/nonsense/1", None, 404),
        ("get", "/forum/discuss/event/99999", None, 404),
        ("post", "/forum/new", {"category": "nope", "title": "A title", "body": "x"}, 400),
        ("post", "/forum/new", {"category": "drupal", "title": ["a", "b"], "body": "x"}, 400),
        ("post", "/forum/new", {"category": "drupal", "title": "A\x00title", "body": "x\x00"}, 302),
        ("get", "/moderation/audit?page=99999999999999999999", None, 403),
        ("get", "/notifications?page=99999999999999999999", None, 200),
        (
            "post",
            "/forum/new",
            {"category": "drupal", "title": "Fine title", "body": "x" * 20001},
            400,
        ),
        ("post", "/forum/t/{thread}/reply", {}, 400),
        ("post", "/forum/t/{thread}/reply", {"body": "<script>alert(1)</script>"}, 302),
        ("post", "/moderation/flag/post/{other_post}", {"reason": ""}, 400),
        ("post", "/notifications/follow", {"target_type": "planet", "target_id": "1"}, 400),
        ("post", "/notifications/follow", {"target_type": "thread", "target_id": "x"}, 400),
        ("post", "/notifications/follow", {"target_type": "thread", "target_id": "99999"}, 404),
        ("get", "/notifications?page=zz", None, 200),
        ("get", "/notifications/99999", None, 404),
    ],
)
def test_bad_input_never_causes_a_server_error(client, users, method, path, data, expected):
    thread = make_thread(users["member"])
    other = make_thread(users["supplier"], title="Another thread entirely")
    path = path.format(thread=f"{thread.id}-{thread.slug}", other_post=posts_of(other)[0].id)
    login(client, "organiser@testshire.gov.uk")
    if method == "get":
        response = client.get(path)
    else:
        response = post_form(client, path, data, form_url="/forum/new")
    assert response.status_code == expected, response.get_data(as_text=True)[:500]
    if "<script>" in str(data):
        html = client.get(f"/forum/p/{posts_of(thread)[-1].id}", follow_redirects=True)
        assert "<script>alert" not in html.get_data(as_text=True)


def test_no_csrf_token_no_post(client, users):
    thread = make_thread(users["member"])
    login(client, "supplier@testshire.gov.uk")
    response = client.post(f"{_url(thread)}/reply", data={"body": "Hi", "action": "post"})
    assert response.status_code == 400 and thread.reply_count == 0


def test_anonymous_visitors_are_sent_to_sign_in(client, users):
    thread = make_thread(users["member"])
    for path in ("/forum/new", f"{_url(thread)}/reply", "/notifications"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = client.get(_url(thread)).get_data(as_text=True)
    assert re.search(r'href="/login\?next=[^"]+">Sign in</a> or', page)


def test_authors_delete_their_own_posts_and_counts_follow(client, users):
    thread = make_thread(users["member"])
    reply = service.reply(users["supplier"], thread, "Posted in the wrong thread")
    login(client, "supplier@testshire.gov.uk")
    page = client.get(_url(thread)).get_data(as_text=True)
    assert f"/forum/p/{reply.id}/delete" in page
    confirm = client.get(f"/forum/p/{reply.id}/delete").get_data(as_text=True)
    assert "Delete your post?" in confirm and "Posted in the wrong thread" in confirm
    response = post_form(client, f"/forum/p/{reply.id}/delete", {})
    assert response.headers["Location"] == _url(thread)
    assert reply.hidden_at is not None and reply.hidden_reason == "Deleted by its author"
    assert thread.reply_count == 0
    assert "Posted in the wrong thread" not in client.get(_url(thread)).get_data(as_text=True)
    assert client.get(f"/forum/p/{reply.id}/delete").status_code == 404
    opening = posts_of(thread)[0]
    assert client.get(f"/forum/p/{opening.id}/delete").status_code == 403


def test_deleting_the_opening_post_takes_the_thread_away(client, users):
    thread = make_thread(users["member"])
    login(client, "member@testshire.gov.uk")
    opening = posts_of(thread)[0]
    assert "the thread disappears" in client.get(f"/forum/p/{opening.id}/delete").get_data(
        as_text=True
    )
    response = post_form(client, f"/forum/p/{opening.id}/delete", {})
    assert response.headers["Location"] == "/forum/drupal"
    assert not thread.visible and not thread.held_for_review
    assert thread.title not in client.get("/forum/drupal").get_data(as_text=True)
    assert client.get(_url(thread)).status_code == 404  # the author's too: it is gone


def test_moderators_and_admins_carry_their_role_next_to_their_posts(client, users):
    thread = make_thread(users["member"])
    for role in ("organiser", "supplier", "moderator", "admin"):
        service.reply(users[role], thread, f"A reply from the {role}")
    page = client.get(_url(thread)).get_data(as_text=True)
    badges = page.count('class="badge badge--role"')
    assert badges == 2
    assert 'badge--role">Moderator</span>' in page and 'badge--role">Admin</span>' in page
