"""Hidden posts are seen by moderators only, everywhere; held posts by their author too."""

from __future__ import annotations

import pytest

from dpse.forum import service
from dpse.moderation import service as moderation
from dpse.notifications.models import TargetType
from dpse.notifications.service import follow
from tests.casestudies.factories import make_case_study
from tests.conftest import login, post_form
from tests.forum.factories import make_thread

SECRET = "Buy our hosting now"


@pytest.fixture
def hidden(users):
    """A thread whose newest reply (tagged, mentioning the admin) a moderator hid."""
    thread = make_thread(users["member"], tags=["Hosting"])
    follow(users["organiser"], TargetType.THREAD, thread.id)
    post = service.reply(users["supplier"], thread, f"{SECRET}, @Admin-Person")
    moderation.hide_post(users["moderator"], post, "Advertising")
    return thread, post


def _pages(thread, post) -> dict[str, str]:
    return {
        "thread": f"/forum/t/{thread.id}-{thread.slug}",
        "category": "/forum/drupal",
        "index": "/forum",
        "tag": "/tags/hosting",
        "notifications": "/notifications",
    }


@pytest.mark.parametrize("role", ["anonymous", "member", "supplier", "organiser", "admin"])
def test_hidden_posts_are_invisible_to_everyone_but_moderators(client, users, hidden, role):
    thread, post = hidden
    if role != "anonymous":
        login(client, f"{role}@testshire.gov.uk")
    moderator = role == "admin"
    for name, url in _pages(thread, post).items():
        response = client.get(url)
        if name == "notifications" and role == "anonymous":
            continue
        html = response.get_data(as_text=True)
        assert (SECRET in html) is (moderator and name == "thread"), name
        assert "Supplier Person replied" not in html, name  # the notification was withdrawn
    index = client.get("/forum").get_data(as_text=True)
    assert ">1</td>" in index and ">2</td>" not in index  # one thread, one post counted
    assert client.get(f"/forum/p/{post.id}").status_code == (302 if moderator else 404)
    quote = client.get(f"/forum/t/{thread.id}-{thread.slug}/reply?quote={post.id}")
    assert quote.status_code in ((200,) if moderator else (302, 404))


def test_the_author_does_not_see_their_hidden_post_either(client, users, hidden):
    thread, post = hidden
    login(client, "supplier@testshire.gov.uk")
    html = client.get(f"/forum/t/{thread.id}-{thread.slug}").get_data(as_text=True)
    assert SECRET not in html
    assert client.get(f"/forum/p/{post.id}/edit").status_code == 404


def test_moderators_see_why_and_can_restore(client, users, hidden):
    thread, post = hidden
    login(client, "moderator@testshire.gov.uk")
    html = client.get(f"/forum/t/{thread.id}-{thread.slug}").get_data(as_text=True)
    assert "Hidden</strong> by Moderator Person" in html and "Advertising" in html
    response = post_form(
        client, f"/moderation/posts/{post.id}/restore", {"next": f"/forum/p/{post.id}"}, "/forum"
    )
    assert response.headers["Location"] == f"/forum/p/{post.id}"
    assert post.hidden_at is None and thread.reply_count == 1


def test_hidden_comments_disappear_from_the_case_study_page(client, users):
    cs = make_case_study(users["organiser"], status="published", moderator=users["moderator"])
    service.comment(users["member"], "case_study", cs.id, "A fair question")
    spam = service.comment(users["supplier"], "case_study", cs.id, SECRET)
    moderation.hide_post(users["moderator"], spam, "Advertising")
    html = client.get(f"/case-studies/{cs.slug}").get_data(as_text=True)
    assert SECRET not in html and "Comments (1)" in html
    login(client, "moderator@testshire.gov.uk")
    assert SECRET in client.get(f"/case-studies/{cs.slug}").get_data(as_text=True)


def test_held_posts_are_seen_by_their_author_and_moderators_only(app, client, users):
    thread = make_thread(users["member"])
    app.config["HOLD_FIRST_POSTS"] = 1
    held = service.reply(users["supplier"], thread, "My first post here")
    url = f"/forum/t/{thread.id}-{thread.slug}"
    assert "My first post here" not in client.get(url).get_data(as_text=True)
    login(client, "supplier@testshire.gov.uk")
    html = client.get(url).get_data(as_text=True)
    assert "My first post here" in html and "Waiting for review." in html
    post_form(client, "/logout", {}, form_url="/account")
    login(client, "member@testshire.gov.uk")
    assert "My first post here" not in client.get(url).get_data(as_text=True)
    assert client.get(f"/forum/p/{held.id}").status_code == 404


def test_a_held_new_thread_is_private_until_approved(app, client, users):
    app.config["HOLD_FIRST_POSTS"] = 1
    login(client, "member@testshire.gov.uk")
    data = {"category": "drupal", "title": "My first thread", "body": "Hello", "action": "post"}
    from tests.forum.factories import make_category

    make_category()
    response = post_form(client, "/forum/new", data)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "checked by a moderator" in page and "waiting for a moderator" in page
    assert "My first thread" in client.get("/forum/drupal").get_data(as_text=True)
    post_form(client, "/logout", {}, form_url="/account")
    assert "My first thread" not in client.get("/forum/drupal").get_data(as_text=True)
    assert client.get(response.headers["Location"]).status_code == 404
    login(client, "moderator@testshire.gov.uk")
    queue = client.get("/moderation").get_data(as_text=True)
    assert "Posts waiting for review (1)" in queue and "My first thread" in queue
