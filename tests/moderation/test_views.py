"""The moderation queue, acting on flags, the audit log, and the moderators' forms."""

from __future__ import annotations

from sqlalchemy import select

from dpse.audit import AuditLog
from dpse.extensions import db
from dpse.forum import service as forum
from dpse.moderation import service
from dpse.moderation.models import FlagStatus
from tests.casestudies.factories import make_case_study
from tests.conftest import login, post_form
from tests.forum.factories import make_category, make_thread, posts_of


def test_member_flags_a_post_and_a_moderator_hides_it_from_the_queue(client, app, users):
    thread = make_thread(users["member"])
    post = forum.reply(users["supplier"], thread, "Buy our hosting")
    login(client, "member@testshire.gov.uk")
    form = client.get(f"/moderation/flag/post/{post.id}").get_data(as_text=True)
    assert "Buy our hosting" in form and "Only the moderators see this." in form
    empty = post_form(client, f"/moderation/flag/post/{post.id}", {"reason": ""})
    assert empty.status_code == 400 and "Say what is wrong" in empty.get_data(as_text=True)
    sent = post_form(client, f"/moderation/flag/post/{post.id}", {"reason": "Advertising"})
    assert sent.headers["Location"] == f"/forum/p/{post.id}"
    again = post_form(client, f"/moderation/flag/post/{post.id}", {"reason": "Advertising!"})
    assert again.status_code == 400 and "already reported" in again.get_data(as_text=True)

    moderator = app.test_client()
    login(moderator, "moderator@testshire.gov.uk")
    queue = moderator.get("/moderation").get_data(as_text=True)
    assert "Flags (1)" in queue and "Buy our hosting" in queue and "Advertising" in queue
    hidden = post_form(
        moderator,
        f"/moderation/posts/{post.id}/hide",
        {"reason": "Advertising", "next": "/moderation"},
        "/moderation",
    )
    assert hidden.headers["Location"] == "/moderation"
    assert post.hidden_at is not None
    assert "Flags (0)" in moderator.get("/moderation").get_data(as_text=True)
    audit = moderator.get("/moderation/audit").get_data(as_text=True)
    assert "Hid a post" in audit and "Moderator Person" in audit and "Advertising" in audit


def test_hide_form_explains_errors_and_keeps_the_input(client, users):
    thread = make_thread(users["member"])
    post = posts_of(thread)[0]
    login(client, "moderator@testshire.gov.uk")
    page = client.get(f"/moderation/posts/{post.id}/hide?next=/forum").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/forum"' in page
    response = post_form(client, f"/moderation/posts/{post.id}/hide", {"reason": "no"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in html and 'value="no"' in html
    assert post.hidden_at is None


def test_next_never_leaves_the_site(client, users):
    thread = make_thread(users["member"])
    login(client, "moderator@testshire.gov.uk")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = post_form(
            client, f"/moderation/threads/{thread.id}/pin", {"next": target}, "/moderation"
        )
        assert response.headers["Location"] == f"/forum/t/{thread.id}-{thread.slug}"
        service.set_pinned(users["moderator"], thread, False)


def test_moderator_moves_locks_and_pins_from_the_thread_page(client, users):
    thread = make_thread(users["member"])
    make_category("hosting", "Hosting")
    url = f"/forum/t/{thread.id}-{thread.slug}"
    login(client, "moderator@testshire.gov.uk")
    page = client.get(url).get_data(as_text=True)
    assert "Moderate this thread" in page and 'option value="hosting"' in page
    post_form(client, f"/moderation/threads/{thread.id}/lock", {"next": url}, url)
    post_form(client, f"/moderation/threads/{thread.id}/pin", {"next": url}, url)
    moved = post_form(client, f"/moderation/threads/{thread.id}/move", {"category": "hosting"}, url)
    assert moved.headers["Location"] == url
    assert thread.locked and thread.pinned and thread.category.slug == "hosting"
    page = client.get(url).get_data(as_text=True)
    assert "Unlock" in page and "Unpin" in page and "Replies are closed" in page
    same = post_form(client, f"/moderation/threads/{thread.id}/move", {"category": "hosting"}, url)
    assert same.status_code == 400 and "already in that category" in same.get_data(as_text=True)
    bad = post_form(client, f"/moderation/threads/{thread.id}/move", {"category": "nope"}, url)
    assert bad.status_code == 400
    actions = [a.action for a in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions == ["lock_thread", "pin_thread", "move_thread"]


def test_queue_releases_held_posts_and_resolves_case_study_flags(client, app, users):
    thread = make_thread(users["member"])
    app.config["HOLD_FIRST_POSTS"] = 1
    held = forum.reply(users["supplier"], thread, "My first reply")
    app.config["HOLD_FIRST_POSTS"] = 0
    cs = make_case_study(users["organiser"], status="published", moderator=users["moderator"])
    flag = service.flag_case_study(users["member"], cs, "The dates do not add up")
    login(client, "moderator@testshire.gov.uk")
    queue = client.get("/moderation").get_data(as_text=True)
    assert "Posts waiting for review (1)" in queue and "My first reply" in queue
    assert cs.title in queue and "The dates do not add up" in queue
    post_form(
        client, f"/moderation/posts/{held.id}/release", {"next": "/moderation"}, "/moderation"
    )
    assert not held.held_for_review and thread.reply_count == 1
    post_form(
        client,
        f"/moderation/flags/{flag.id}/resolve",
        {"note": "Corrected by the author", "next": "/moderation"},
        "/moderation",
    )
    assert flag.status == FlagStatus.RESOLVED and flag.resolution == "Corrected by the author"
    queue = client.get("/moderation").get_data(as_text=True)
    assert "Flags (0)" in queue and "Posts waiting for review (0)" in queue
    audit = client.get("/moderation/audit?action=resolve_flag").get_data(as_text=True)
    assert "<td>Resolved a flag</td>" in audit and "<td>Approved a held post</td>" not in audit


def test_members_can_flag_a_case_study_from_its_page(client, users):
    cs = make_case_study(users["organiser"], status="published", moderator=users["moderator"])
    login(client, "member@testshire.gov.uk")
    page = client.get(f"/case-studies/{cs.slug}").get_data(as_text=True)
    assert f"/moderation/flag/case-study/{cs.slug}" in page
    response = post_form(
        client, f"/moderation/flag/case-study/{cs.slug}", {"reason": "Out of date links"}
    )
    assert response.headers["Location"] == f"/case-studies/{cs.slug}"
    assert client.get("/moderation/flag/case-study/no-such-thing").status_code == 404


def test_audit_log_names_posts_threads_and_categories_by_title_linked(client, users):
    thread = make_thread(users["member"])
    post = posts_of(thread)[0]
    service.hide_post(users["moderator"], post, "Off topic here")
    service.set_pinned(users["moderator"], thread, True)
    category = forum.create_category(users["admin"], "Accessibility", "")
    login(client, "admin@testshire.gov.uk")
    audit = client.get("/moderation/audit").get_data(as_text=True)
    title = "Has anyone moved from Squiz to Drupal?"
    assert f'<a href="/forum/p/{post.id}">Post in “{title}”</a>' in audit
    assert f'<a href="/forum/t/{thread.id}-{thread.slug}">{title}</a>' in audit
    assert f'<a href="/forum/{category.slug}">Accessibility</a>' in audit
