"""Posting is rate-limited per account; over the limit the form comes back with the text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from dpse.extensions import db, limiter
from dpse.forum.models import Post
from tests.casestudies.factories import make_case_study
from tests.conftest import login, post_form
from tests.forum.factories import make_thread


@pytest.fixture
def limited(app: Flask) -> Iterator[None]:
    """Two posts a minute, with the limiter on for this test."""
    old = app.config["POST_RATE_LIMIT"]
    app.config["POST_RATE_LIMIT"] = "2 per minute"
    limiter.enabled = True
    limiter.reset()
    yield
    app.config["POST_RATE_LIMIT"] = old


def _posts() -> int:
    return db.session.scalar(select(func.count(Post.id)))


def test_third_post_in_a_minute_is_refused_with_the_text_kept(client, users, limited):
    thread = make_thread(users["member"])
    url = f"/forum/t/{thread.id}-{thread.slug}/reply"
    login(client, "supplier@testshire.gov.uk")
    for n in range(2):
        assert post_form(client, url, {"body": f"Post {n}", "action": "post"}).status_code == 302
    response = post_form(client, url, {"body": "One too many, kept", "action": "post"})
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "posting faster than the forum allows" in html and "One too many, kept" in html
    assert _posts() == 3  # the opening post and two replies


def test_the_limit_is_shared_by_threads_replies_and_comments(client, users, limited):
    thread = make_thread(users["member"])
    cs = make_case_study(users["organiser"], status="published", moderator=users["moderator"])
    login(client, "supplier@testshire.gov.uk")
    reply = {"body": "A reply", "action": "post"}
    assert post_form(client, f"/forum/t/{thread.id}-{thread.slug}/reply", reply).status_code == 302
    new = {"category": "drupal", "title": "Another thread", "body": "Hi", "action": "post"}
    assert post_form(client, "/forum/new", new).status_code == 302
    comment = {"body": "A comment", "action": "post"}
    response = post_form(client, f"/forum/discuss/case_study/{cs.id}", comment, "/forum/new")
    assert response.status_code == 429 and "A comment" in response.get_data(as_text=True)


def test_previews_and_errors_do_not_count_and_people_are_limited_separately(
    client, app, users, limited
):
    thread = make_thread(users["member"])
    url = f"/forum/t/{thread.id}-{thread.slug}/reply"
    login(client, "supplier@testshire.gov.uk")
    for _ in range(3):
        preview = post_form(client, url, {"body": "Draft", "action": "preview"})
        assert preview.status_code == 200
        assert post_form(client, url, {"body": "", "action": "post"}).status_code == 400
    for n in range(2):
        assert post_form(client, url, {"body": f"Post {n}", "action": "post"}).status_code == 302
    other = app.test_client()
    login(other, "organiser@testshire.gov.uk")
    assert post_form(other, url, {"body": "Mine", "action": "post"}).status_code == 302


def test_previews_have_an_allowance_of_their_own_and_keep_the_text(client, app, users, limited):
    app.config["PREVIEW_RATE_LIMIT"], old = "2 per minute", app.config["PREVIEW_RATE_LIMIT"]
    try:
        thread = make_thread(users["member"])
        url = f"/forum/t/{thread.id}-{thread.slug}/reply"
        login(client, "supplier@testshire.gov.uk")
        for _ in range(2):
            preview = post_form(client, url, {"body": "**Draft**", "action": "preview"})
            assert "<strong>Draft</strong>" in preview.get_data(as_text=True)
        refused = post_form(client, url, {"body": "**Draft** kept", "action": "preview"})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 429
        assert "previewing faster than the site allows" in html
        assert "**Draft** kept" in html and "<strong>Draft</strong>" not in html
        # Posting is a separate allowance: the text can still be posted.
        assert post_form(client, url, {"body": "Posted", "action": "post"}).status_code == 302
    finally:
        app.config["PREVIEW_RATE_LIMIT"] = old
