"""Follows and notifications: who hears about what, exactly once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from dpse.extensions import db
from dpse.forum import service as forum
from dpse.moderation import service as moderation
from dpse.notifications import queries, service
from dpse.notifications.models import Notification, TargetType
from dpse.tags.queries import tag_by_slug
from tests.casestudies.factories import make_case_study
from tests.forum.factories import make_thread


def _notifications() -> list[Notification]:
    return list(db.session.scalars(select(Notification).order_by(Notification.id)))


def _by_user() -> Counter:
    return Counter(n.user_id for n in _notifications())


def test_follow_and_unfollow(users):
    member = users["member"]
    assert service.follow(member, TargetType.TAG, 7) is True
    assert service.follow(member, TargetType.TAG, 7) is False
    assert service.is_following(member, TargetType.TAG, 7)
    assert [u.id for u in service.followers_of((TargetType.TAG, 7))] == [member.id]
    assert service.unfollow(member, TargetType.TAG, 7) is True
    assert service.unfollow(member, TargetType.TAG, 7) is False
    assert service.followers_of((TargetType.TAG, 7)) == []


def test_followers_of_several_targets_are_listed_once_and_only_if_active(users):
    member, supplier = users["member"], users["supplier"]
    service.follow(member, TargetType.TAG, 1)
    service.follow(member, TargetType.THREAD, 2)
    service.follow(supplier, TargetType.THREAD, 2)
    supplier.active = False
    db.session.commit()
    found = service.followers_of((TargetType.TAG, 1), (TargetType.THREAD, 2))
    assert [u.id for u in found] == [member.id]


def test_a_reply_notifies_each_follower_once_and_never_the_author(users):
    member, supplier, organiser = users["member"], users["supplier"], users["organiser"]
    thread = make_thread(member)
    service.follow(organiser, TargetType.THREAD, thread.id)
    forum.reply(supplier, thread, "An answer")
    got = _notifications()
    assert sorted(n.user_id for n in got) == sorted([member.id, organiser.id])
    assert {n.kind for n in got} == {"reply"}
    assert got[0].text == f"Supplier Person replied in “{thread.title}”"
    assert got[0].url == f"/forum/p/{got[0].source.split(':')[1]}"
    # The supplier now follows the thread too (they replied), and the next reply tells them.
    forum.reply(organiser, thread, "Thanks")
    assert _by_user() == Counter({member.id: 2, organiser.id: 1, supplier.id: 1})


def test_a_mention_and_a_follow_on_the_same_post_make_one_notification(users):
    member, supplier = users["member"], users["supplier"]
    thread = make_thread(member)
    forum.reply(supplier, thread, "@Member-Person and again @member-person, have a look")
    (only,) = _notifications()
    assert only.user_id == member.id and only.kind == "mention"
    assert only.text == f"Supplier Person (@supplier-person) mentioned you in “{thread.title}”"


def test_mentioning_someone_who_does_not_follow_notifies_them_once(users):
    member, admin = users["member"], users["admin"]
    thread = make_thread(member, body="Paging @Admin-Person, @Admin-Person")
    (only,) = _notifications()
    assert only.user_id == admin.id and only.kind == "mention"
    # Mentioning yourself does nothing.
    forum.reply(member, thread, "Note to self, @Member-Person")
    assert len(_notifications()) == 1


def test_editing_in_a_mention_notifies_only_the_newly_mentioned(users):
    member, supplier, organiser = users["member"], users["supplier"], users["organiser"]
    thread = make_thread(member)
    post = forum.reply(supplier, thread, "An answer")
    assert _by_user() == Counter({member.id: 1})
    forum.edit_post(supplier, post, "An answer, cc @Organiser-Person and @Member-Person")
    assert _by_user() == Counter({member.id: 1, organiser.id: 1})
    forum.edit_post(supplier, post, "An answer, cc @Organiser-Person (edited again)")
    assert _by_user() == Counter({member.id: 1, organiser.id: 1})


def test_following_a_tag_tells_you_about_new_threads_with_it(users):
    member, supplier = users["member"], users["supplier"]
    make_thread(member, title="First Solr thread", tags=["Solr"])
    db.session.execute(db.delete(Notification))
    solr = tag_by_slug("solr")
    service.follow(supplier, TargetType.TAG, solr.id)
    thread = make_thread(member, title="Solr synonyms", tags=["Solr", "search"])
    (only,) = _notifications()
    assert only.user_id == supplier.id and only.kind == "new_thread"
    assert only.text == f"Member Person started “{thread.title}” in {thread.category.name}"
    forum.reply(member, thread, "Bump")  # replies are for thread followers, not tag followers
    assert len(_notifications()) == 1


def test_following_a_case_study_tells_you_about_its_comments(users):
    author, member, supplier = users["organiser"], users["member"], users["supplier"]
    cs = make_case_study(author, status="published", moderator=users["moderator"])
    db.session.execute(db.delete(Notification))  # the moderators were told of its submission
    service.follow(supplier, TargetType.CASE_STUDY, cs.id)
    forum.comment(member, "case_study", cs.id, "What did hosting cost?")
    kinds = {n.user_id: n.kind for n in _notifications()}
    assert kinds == {supplier.id: "comment", author.id: "comment"}
    assert all(cs.title in n.text for n in _notifications())


def test_held_posts_notify_only_moderators_until_approved_and_then_once(app, users):
    member, supplier, moderator = users["member"], users["supplier"], users["moderator"]
    admin = users["admin"]
    thread = make_thread(member)
    app.config["HOLD_FIRST_POSTS"] = 1
    held = forum.reply(supplier, thread, "Hi @Moderator-Person")
    assert held.held_for_review
    waiting = {(moderator.id, "held_post"), (admin.id, "held_post")}
    assert {(n.user_id, n.kind) for n in _notifications()} == waiting
    app.config["HOLD_FIRST_POSTS"] = 0
    moderation.release_post(moderator, held)
    # The post's own notifications (the mention, the followed thread) come with the approval;
    # the moderators' notes that it waited go with it.
    assert _by_user() == Counter({member.id: 1, moderator.id: 1, supplier.id: 1})
    assert "held_post" not in {n.kind for n in _notifications()}
    approved = [n for n in _notifications() if n.user_id == supplier.id]
    assert approved[0].kind == "approved"


def test_hiding_a_post_withdraws_its_notifications(users):
    member, supplier = users["member"], users["supplier"]
    thread = make_thread(member)
    post = forum.reply(supplier, thread, "Buy our hosting, @Admin-Person")
    assert len(_notifications()) == 2
    moderation.hide_post(users["moderator"], post, "Advertising")
    assert _notifications() == []
    assert queries.unread_count(member) == 0


def test_unread_count_and_marking_read(users):
    member = users["member"]
    thread = make_thread(member)
    for n in range(3):
        forum.reply(users["supplier"], thread, f"Reply {n}")
    db.session.expire_all()
    from flask import g

    g.pop("_dpse_header_counts", None)
    assert queries.unread_count(member) == 3
    first = _notifications()[0]
    assert service.open_notification(users["supplier"], first.id) is None  # not theirs
    assert service.open_notification(member, first.id).read_at is not None
    assert service.mark_all_read(member, up_to_id=_notifications()[1].id) == 1
    assert service.mark_all_read(member) == 1
    g.pop("_dpse_header_counts", None)
    assert queries.unread_count(member) == 0
