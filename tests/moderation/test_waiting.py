"""Moderators see what waits: the queue's count in the header, a notification for each new
submission, held post and flag, and an audit log that names objects by their title."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from dpse import audit
from dpse.accounts.roles import Role
from dpse.casestudies import service as casestudies
from dpse.casestudies.queries import review_queue
from dpse.extensions import db
from dpse.forum import service as forum
from dpse.moderation import service
from dpse.moderation.models import Flag
from dpse.notifications import queries as notification_queries
from dpse.notifications.models import Notification
from dpse.notifications.service import set_email_enabled
from dpse.permissions import can_moderate
from tests.casestudies.factories import make_case_study
from tests.conftest import login
from tests.forum.factories import make_thread, posts_of

BADGE = re.compile(
    r"Moderation(?: <span class=\"count-badge\">(\d+)<span class=\"visually-hidden\">"
    r" (items?) waiting</span></span>)?</a>"
)


def _notifications(kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.kind == kind).order_by(Notification.id)
        )
    )


def _held_reply(app, author, thread, body: str = "My first post here"):
    """A reply from an account whose posts wait for review."""
    app.config["HOLD_FIRST_POSTS"] = 1
    try:
        return forum.reply(author, thread, body)
    finally:
        app.config["HOLD_FIRST_POSTS"] = 0


def _one_of_each(app, users) -> None:
    """One open flag, one held post and one submitted case study."""
    thread = make_thread(users["member"])
    service.flag_post(users["supplier"], posts_of(thread)[0], "Looks like advertising")
    _held_reply(app, users["supplier"], thread)
    make_case_study(users["organiser"], status="submitted")


# --- who the moderators are ------------------------------------------------------------------


def test_the_moderators_are_exactly_who_can_moderate_and_active(users):
    told = {u.id for u in notification_queries.moderators()}
    assert told == {u.id for u in users.values() if can_moderate(u)}
    assert {Role(r) for r in users if users[r].id in told} == {Role.MODERATOR, Role.ADMIN}
    users["admin"].active = False
    db.session.commit()
    assert [u.id for u in notification_queries.moderators()] == [users["moderator"].id]


# --- the header ------------------------------------------------------------------------------


def test_the_header_counts_what_waits_for_moderators_and_admins(app, client, users):
    login(client, "moderator@testshire.gov.uk")
    assert BADGE.search(client.get("/forum").get_data(as_text=True)).groups() == (None, None)
    _one_of_each(app, users)
    for who in ("moderator", "admin"):
        other = app.test_client()
        login(other, f"{who}@testshire.gov.uk")
        found = BADGE.search(other.get("/forum").get_data(as_text=True))
        assert found.groups() == ("3", "items"), who
    service.resolve_flag(users["moderator"], db.session.scalars(select(Flag)).one())
    (submitted,) = review_queue()
    casestudies.publish(users["moderator"], submitted)
    assert BADGE.search(client.get("/forum").get_data(as_text=True)).groups() == ("1", "item")


def test_members_see_no_moderation_link_or_count(app, client, users):
    _one_of_each(app, users)
    login(client, "member@testshire.gov.uk")
    html = client.get("/forum").get_data(as_text=True)
    assert "Moderation" not in html and "waiting" not in html


def test_the_queue_count_costs_moderators_no_extra_query(app, client, users, count_queries):
    member = app.test_client()
    login(member, "member@testshire.gov.uk")
    login(client, "moderator@testshire.gov.uk")
    db.session.expire_all()
    with count_queries() as as_member:
        assert member.get("/forum").status_code == 200
    with count_queries() as empty:
        assert client.get("/forum").status_code == 200
    for _ in range(3):
        _one_of_each(app, users)
    db.session.expire_all()
    with count_queries() as full:
        html = client.get("/forum").get_data(as_text=True)
    assert BADGE.search(html).groups() == ("9", "items")
    # The count rides in the statement that counts unread notifications.
    assert as_member.count == empty.count == full.count, full.statements


# --- notifications ---------------------------------------------------------------------------


def test_a_submitted_case_study_tells_each_moderator_once(users):
    author, moderator, admin = users["organiser"], users["moderator"], users["admin"]
    set_email_enabled(moderator, True)
    cs = make_case_study(author, status="submitted")
    told = _notifications("review")
    assert sorted(n.user_id for n in told) == [moderator.id, admin.id]
    by_user = {n.user_id: n for n in told}
    assert by_user[moderator.id].email_pending and not by_user[admin.id].email_pending
    assert told[0].text == (
        f"Organiser Person (@{author.handle}) sent the case study “{cs.title}” for review"
    )
    assert told[0].url == f"/case-studies/{cs.slug}"
    # Returned (the notes go: it no longer waits) and sent again: news again, once each.
    casestudies.return_for_changes(moderator, cs, "Please add results")
    assert _notifications("review") == []
    casestudies.submit(author, cs)
    assert sorted(n.user_id for n in _notifications("review")) == [moderator.id, admin.id]


def test_a_moderator_submitting_is_not_told_of_it(users):
    make_case_study(users["moderator"], status="submitted")
    assert [n.user_id for n in _notifications("review")] == [users["admin"].id]


def test_a_held_post_tells_each_moderator_once(app, users):
    thread = make_thread(users["member"], title="Moving to Drupal")
    set_email_enabled(users["admin"], True)
    held = _held_reply(app, users["supplier"], thread)
    assert held.held_for_review
    told = _notifications("held_post")
    assert sorted(n.user_id for n in told) == [users["moderator"].id, users["admin"].id]
    # Posting sends the emails that are due at once: the admin's went, the moderator's never will.
    emailed = [n.email_pending or n.emailed_at is not None for n in told]
    assert emailed == [n.user_id == users["admin"].id for n in told]
    supplier = users["supplier"]
    assert told[0].text == (
        f"Supplier Person (@{supplier.handle}) posted in “Moving to Drupal”: "
        "the post waits for review"
    )
    assert told[0].url == f"/moderation#held-{held.id}"
    forum.reply(users["member"], thread, "Not held")  # public posts tell the moderators nothing
    assert len(_notifications("held_post")) == 2


def test_a_flag_tells_each_moderator_once_and_not_the_reporter(users):
    thread = make_thread(users["member"], title="Moving to Drupal")
    post = posts_of(thread)[0]
    flag = service.flag_post(users["supplier"], post, "Looks like advertising")
    told = _notifications("flag")
    assert sorted(n.user_id for n in told) == [users["moderator"].id, users["admin"].id]
    supplier, member = users["supplier"], users["member"]
    assert told[0].text == (
        f"Supplier Person (@{supplier.handle}) flagged a post by Member Person "
        f"(@{member.handle}) in “Moving to Drupal”: “Looks like advertising”"
    )
    assert told[0].url == f"/moderation#flag-{flag.id}"
    with pytest.raises(service.ModerationError):
        service.flag_post(users["supplier"], post, "Again, advertising")
    service.flag_post(users["moderator"], post, "Advertising, I agree")  # not told of their own
    assert sorted(n.user_id for n in _notifications("flag")) == sorted(
        [users["moderator"].id, users["admin"].id, users["admin"].id]
    )


def test_a_flagged_case_study_names_it(users):
    cs = make_case_study(users["organiser"], status="published", moderator=users["moderator"])
    service.flag_case_study(users["member"], cs, "The links are out of date")
    (first, _) = _notifications("flag")
    assert f"flagged the case study “{cs.title}”" in first.text


# --- the audit log ---------------------------------------------------------------------------


def test_the_audit_log_names_objects_by_title_linked(client, users):
    moderator, admin, member = users["moderator"], users["admin"], users["member"]
    thread = make_thread(member, title="Moving to Drupal")
    post = posts_of(thread)[0]
    service.hide_post(moderator, post, "Off topic here")
    service.set_locked(moderator, thread, True)
    cs = make_case_study(users["organiser"], status="published", moderator=moderator)
    flag = service.flag_case_study(member, cs, "The links are out of date")
    service.resolve_flag(moderator, flag)
    audit.record(admin, "change_role", "user", member.id, "Member to organiser")
    audit.record(admin, "hide_post", "post", 999_999)  # since deleted
    db.session.commit()
    login(client, "moderator@testshire.gov.uk")
    html = client.get("/moderation/audit").get_data(as_text=True)
    assert f'<a href="/forum/p/{post.id}">Post in “Moving to Drupal”</a>' in html
    assert f'<a href="/forum/t/{thread.id}-{thread.slug}">Moving to Drupal</a>' in html
    assert f'<a href="/case-studies/{cs.slug}">{cs.title}</a>' in html
    assert f'<a href="/people/{member.handle}">Member Person (@{member.handle})</a>' in html
    assert "<td>Post 999999</td>" in html
    assert f"<td>Moderator Person (@{moderator.handle})</td>" in html


def test_the_audit_page_queries_do_not_grow_with_its_entries(client, users, count_queries):
    moderator = users["moderator"]

    def act(n: int) -> None:
        thread = make_thread(users["member"], title=f"Thread number {n}")
        service.set_pinned(moderator, thread, True)
        service.hide_post(moderator, posts_of(thread)[0], "Off topic here")
        cs = make_case_study(
            users["organiser"], status="published", moderator=moderator, title=f"Case study {n}"
        )
        service.resolve_flag(moderator, service.flag_case_study(users["member"], cs, "Outdated"))
        audit.record(moderator, "note", "user", users["member"].id)
        db.session.commit()

    act(0)
    login(client, "moderator@testshire.gov.uk")
    db.session.expire_all()
    with count_queries() as small:
        assert client.get("/moderation/audit").status_code == 200
    for n in range(1, 12):
        act(n)
    db.session.expire_all()
    with count_queries() as large:
        html = client.get("/moderation/audit").get_data(as_text=True)
    assert "Thread number 11" in html and "Case study 11" in html
    assert small.count == large.count, large.statements


# --- handled: the notes go -------------------------------------------------------------------


def test_the_notes_go_once_a_moderator_has_handled_what_waited(app, users):
    """A flag resolved, a held post approved or rejected, a case study published or returned:
    nothing waits any more, so no moderator is pointed at it."""
    moderator = users["moderator"]
    thread = make_thread(users["member"], title="Moving to Drupal")
    opening = posts_of(thread)[0]
    flag = service.flag_post(users["supplier"], opening, "Looks like advertising")
    service.flag_post(users["organiser"], opening, "Spam, clearly")
    held = _held_reply(app, users["supplier"], thread)
    rejected = _held_reply(app, users["organiser"], thread, "Another first post")
    published = make_case_study(users["organiser"], status="submitted", title="One")
    returned = make_case_study(users["organiser"], status="submitted", title="Two")
    waiting = {k: len(_notifications(k)) for k in ("flag", "held_post", "review")}
    assert waiting == {"flag": 4, "held_post": 4, "review": 4}  # two moderators each

    service.resolve_flag(moderator, flag, "Not advertising")
    assert len(_notifications("flag")) == 2  # the other flag still waits
    service.hide_post(moderator, opening, "Advertising after all")  # resolves the other flag
    assert _notifications("flag") == []
    service.release_post(moderator, held)
    service.hide_post(moderator, rejected, "Off topic")
    assert _notifications("held_post") == []
    casestudies.publish(moderator, published)
    assert len(_notifications("review")) == 2
    casestudies.return_for_changes(moderator, returned, "Please add results")
    assert _notifications("review") == []
    # Other people's notes stay: the author hears their post was approved.
    assert [n.user_id for n in _notifications("approved")] == [users["supplier"].id]
