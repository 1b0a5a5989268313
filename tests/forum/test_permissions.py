"""Every role × forum, moderation and follow action, through the real endpoints."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dpse.accounts.roles import Role
from dpse.accounts.service import create_user
from dpse.audit import AuditLog
from dpse.extensions import db
from dpse.forum import service
from dpse.forum.models import Post, Thread
from dpse.moderation import service as moderation
from dpse.moderation.models import Flag, FlagStatus
from dpse.notifications.models import Subscription
from tests.casestudies.factories import make_case_study
from tests.conftest import PASSWORD, login, post_form
from tests.forum.factories import make_category, make_thread, posts_of

ROLES = ["anonymous", "author", *[r.value for r in Role]]
SIGNED_IN = {"author", "member", "supplier", "organiser", "moderator", "admin"}
MODERATORS = {"moderator", "admin"}

# action -> the roles allowed to do it ("author" wrote the thread, its posts and the case study)
TABLE = {
    "read_thread": set(ROLES),
    "read_held_thread": {"author"} | MODERATORS,
    "read_hidden_post": MODERATORS,
    "start_thread": SIGNED_IN,
    "reply": SIGNED_IN,
    "reply_to_locked_thread": set(),
    "comment_on_case_study": SIGNED_IN,
    "edit_own_post": {"author"},
    "delete_own_post": {"author"},
    "see_post_history": MODERATORS,
    "flag_post": SIGNED_IN - {"author"},
    "flag_case_study": SIGNED_IN - {"author"},
    "hide_post": MODERATORS,
    "restore_post": MODERATORS,
    "approve_held_post": MODERATORS,
    "pin_thread": MODERATORS,
    "lock_thread": MODERATORS,
    "move_thread": MODERATORS,
    "resolve_flag": MODERATORS,
    "see_moderation_queue": MODERATORS,
    "see_audit_log": MODERATORS,
    "manage_categories": {"admin"},
    "follow_thread": SIGNED_IN,
    "see_notifications": SIGNED_IN,
}


class Setup:
    """The objects each attempt works on, made fresh for every test."""

    def __init__(self, users):
        self.author = create_user("author@testshire.gov.uk", "Author", PASSWORD, verified=True)
        self.category = make_category()
        self.other_category = make_category("hosting", "Hosting")
        self.thread = make_thread(self.author, self.category, replies=1)
        self.post = posts_of(self.thread)[1]
        self.case_study = make_case_study(
            self.author, status="published", moderator=users["moderator"]
        )
        self.moderator = users["moderator"]

    @property
    def url(self) -> str:
        return f"/forum/t/{self.thread.id}-{self.thread.slug}"


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _ok(response) -> bool:
    return response.status_code in (302, 303) and "/login" not in response.headers["Location"]


def _attempt(client, s: Setup, action: str, app) -> bool:  # noqa: PLR0911, PLR0912
    token_page = "/account" if client.get("/account").status_code == 200 else "/login"
    if action == "read_thread":
        return client.get(s.url).status_code == 200
    if action == "read_held_thread":
        app.config["HOLD_FIRST_POSTS"] = 5
        held = service.create_thread(s.author, s.category, "Held thread here", "Waiting")
        app.config["HOLD_FIRST_POSTS"] = 0
        return client.get(f"/forum/t/{held.id}-{held.slug}").status_code == 200
    if action == "read_hidden_post":
        moderation.hide_post(s.moderator, s.post, "Off topic")
        return "Reply number 0" in client.get(s.url).get_data(as_text=True)
    if action == "start_thread":
        data = {"category": "drupal", "title": "A new thread", "body": "Hello", "action": "post"}
        return _ok(post_form(client, "/forum/new", data, token_page))
    if action in ("reply", "reply_to_locked_thread"):
        if action == "reply_to_locked_thread":
            moderation.set_locked(s.moderator, s.thread, True)
        data = {"body": "My reply", "action": "post"}
        ok = _ok(post_form(client, f"{s.url}/reply", data, token_page))
        assert ok == (_count(Post, Post.body == "My reply") == 1)
        return ok
    if action == "comment_on_case_study":
        data = {"body": "My comment", "action": "post"}
        return _ok(
            post_form(client, f"/forum/discuss/case_study/{s.case_study.id}", data, token_page)
        )
    if action == "edit_own_post":
        data = {"body": "Edited", "action": "post"}
        ok = _ok(post_form(client, f"/forum/p/{s.post.id}/edit", data, token_page))
        assert ok == (s.post.body == "Edited")
        return ok
    if action == "delete_own_post":
        ok = _ok(post_form(client, f"/forum/p/{s.post.id}/delete", {}, token_page))
        assert ok == (s.post.hidden_at is not None)
        return ok
    if action == "see_post_history":
        return client.get(f"/forum/p/{s.post.id}/history").status_code == 200
    if action == "flag_post":
        data = {"reason": "This is spam"}
        ok = _ok(post_form(client, f"/moderation/flag/post/{s.post.id}", data, token_page))
        assert ok == (_count(Flag) == 1)
        return ok
    if action == "flag_case_study":
        url = f"/moderation/flag/case-study/{s.case_study.slug}"
        return _ok(post_form(client, url, {"reason": "Wrong figures"}, token_page))
    if action == "hide_post":
        url = f"/moderation/posts/{s.post.id}/hide"
        ok = _ok(post_form(client, url, {"reason": "Advertising"}, token_page))
        assert ok == (s.post.hidden_at is not None)
        return ok
    if action == "restore_post":
        moderation.hide_post(s.moderator, s.post, "Advertising")
        ok = _ok(post_form(client, f"/moderation/posts/{s.post.id}/restore", {}, token_page))
        assert ok == (s.post.hidden_at is None)
        return ok
    if action == "approve_held_post":
        app.config["HOLD_FIRST_POSTS"] = 5
        held = service.reply(s.author, s.thread, "Held reply")
        app.config["HOLD_FIRST_POSTS"] = 0
        ok = _ok(post_form(client, f"/moderation/posts/{held.id}/release", {}, token_page))
        assert ok == (not held.held_for_review)
        return ok
    if action in ("pin_thread", "lock_thread"):
        verb = action.split("_")[0]
        url = f"/moderation/threads/{s.thread.id}/{verb}"
        ok = _ok(post_form(client, url, {}, token_page))
        assert ok == (s.thread.pinned if verb == "pin" else s.thread.locked)
        return ok
    if action == "move_thread":
        url = f"/moderation/threads/{s.thread.id}/move"
        ok = _ok(post_form(client, url, {"category": "hosting"}, token_page))
        assert ok == (s.thread.category_id == s.other_category.id)
        return ok
    if action == "resolve_flag":
        flag = moderation.flag_post(s.moderator, s.post, "Looks like spam")
        ok = _ok(post_form(client, f"/moderation/flags/{flag.id}/resolve", {}, token_page))
        assert ok == (flag.status == FlagStatus.RESOLVED)
        return ok
    if action == "see_moderation_queue":
        return client.get("/moderation").status_code == 200
    if action == "see_audit_log":
        return client.get("/moderation/audit").status_code == 200
    if action == "follow_thread":
        data = {"target_type": "thread", "target_id": str(s.thread.id)}
        before = _count(Subscription)
        ok = _ok(post_form(client, "/notifications/follow", data, token_page))
        if not ok:
            assert _count(Subscription) == before
        return ok
    if action == "manage_categories":
        data = {"name": "Data and open standards", "description": ""}
        ok = _ok(post_form(client, "/forum/categories", data, token_page))
        assert ok == (client.get("/forum/data-and-open-standards").status_code == 200)
        return ok
    if action == "see_notifications":
        return client.get("/notifications").status_code == 200
    raise AssertionError(action)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(TABLE))
def test_forum_permission_table(app, client, users, role, action):
    s = Setup(users)
    if role == "author":
        assert login(client, s.author.email).status_code == 302
    elif role != "anonymous":
        assert login(client, f"{role}@testshire.gov.uk").status_code == 302
    allowed = _attempt(client, s, action, app)
    assert allowed is (role in TABLE[action])
    if not allowed:  # nothing was done in their name (set-up actions are the moderator's)
        assert _count(AuditLog, AuditLog.actor_id != s.moderator.id) == 0
        assert _count(Thread) >= 1


def test_templates_show_exactly_the_allowed_controls(client, users):
    s = Setup(users)
    login(client, "member@testshire.gov.uk")
    html = client.get(s.url).get_data(as_text=True)
    assert "Quote" in html and "Flag" in html and "Moderate this thread" not in html
    assert f"/forum/p/{s.post.id}/edit" not in html and "Moderation</a>" not in html
    post_form(client, "/logout", {}, form_url="/account")
    login(client, "author@testshire.gov.uk")
    html = client.get(s.url).get_data(as_text=True)
    assert f"/forum/p/{s.post.id}/edit" in html
    post_form(client, "/logout", {}, form_url="/account")
    login(client, "moderator@testshire.gov.uk")
    html = client.get(s.url).get_data(as_text=True)
    assert "Moderate this thread" in html and f"/moderation/posts/{s.post.id}/hide" in html
    assert "Moderation</a>" in html
