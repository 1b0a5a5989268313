"""Forum use cases without a client: threads, replies, counts, locking, editing, holding."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from dpse.extensions import db
from dpse.forum import discussions, queries, service
from dpse.forum.models import Post, PostRevision, Thread
from dpse.moderation import service as moderation
from dpse.notifications.models import Subscription, TargetType
from tests.casestudies.factories import make_case_study
from tests.forum.factories import make_category, make_thread, posts_of


def _summary(slug: str) -> queries.CategorySummary:
    return next(s for s in queries.overview() if s.category.slug == slug)


def test_starting_a_thread_makes_the_opening_post_and_follows_it(users):
    member = users["member"]
    thread = make_thread(member, tags=["LocalGov Drupal", "accessibility"])
    posts = posts_of(thread)
    assert len(posts) == 1 and posts[0].author_id == member.id
    assert thread.reply_count == 0 and thread.visible and not thread.pinned
    assert thread.slug == "has-anyone-moved-from-squiz-to-drupal"
    assert {t.slug for t in thread.tags} == {"accessibility", "localgov-drupal"}
    assert thread.last_activity_at == posts[0].created_at
    follow = db.session.scalar(select(Subscription).where(Subscription.user_id == member.id))
    assert (follow.target_type, follow.target_id) == (TargetType.THREAD, thread.id)


def test_counts_and_last_activity_after_reply_hide_restore_and_move(users):
    member, moderator = users["member"], users["moderator"]
    drupal = make_category("drupal", "Drupal")
    hosting = make_category("hosting", "Hosting")
    thread = make_thread(member, drupal)
    first_activity = thread.last_activity_at
    reply = service.reply(users["supplier"], thread, "We did this last year.")
    assert thread.reply_count == 1
    assert thread.last_activity_at == reply.created_at > first_activity
    assert (_summary("drupal").threads, _summary("drupal").posts) == (1, 2)

    moderation.hide_post(moderator, reply, "Advertising")
    assert thread.reply_count == 0 and thread.last_activity_at == first_activity
    assert _summary("drupal").posts == 1

    moderation.restore_post(moderator, reply)
    assert thread.reply_count == 1 and thread.last_activity_at == reply.created_at

    moderation.move_thread(moderator, thread, hosting)
    assert (_summary("drupal").threads, _summary("drupal").posts) == (0, 0)
    assert (_summary("hosting").threads, _summary("hosting").posts) == (1, 2)
    assert _summary("hosting").latest.id == thread.id and _summary("drupal").latest is None


def test_hiding_the_opening_post_hides_the_thread_from_lists(users):
    thread = make_thread(users["member"], replies=2)
    moderation.hide_post(users["moderator"], posts_of(thread)[0], "Spam thread")
    assert not thread.visible
    assert _summary("drupal").threads == 0
    assert queries.threads_page(thread.category, users["supplier"], 1, 20).items == []
    assert queries.threads_page(thread.category, users["moderator"], 1, 20).items == [thread]


def test_locked_threads_refuse_replies_and_edits(users):
    thread = make_thread(users["member"])
    moderation.set_locked(users["moderator"], thread, True)
    with pytest.raises(service.ForumError, match="locked"):
        service.reply(users["supplier"], thread, "Still here?")
    with pytest.raises(service.ForumError, match="locked"):
        service.edit_post(users["member"], posts_of(thread)[0], "Changed")
    assert thread.reply_count == 0
    moderation.set_locked(users["moderator"], thread, False)
    service.reply(users["supplier"], thread, "Open again")
    assert thread.reply_count == 1


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [
        ("Hi", "Body", "title"),
        ("x" * 201, "Body", "title"),
        ("A good title", "   \n ", "body"),
        ("A good title", "x" * 20_001, "body"),
    ],
)
def test_thread_rules(users, title, body, field):
    with pytest.raises(service.ForumError) as caught:
        service.create_thread(users["member"], make_category(), title, body)
    assert caught.value.field == field
    assert db.session.scalars(select(Thread)).all() == []


def test_editing_keeps_the_earlier_text_for_moderators(users):
    thread = make_thread(users["member"], body="First version")
    post = posts_of(thread)[0]
    assert service.edit_post(users["member"], post, "Second version") is True
    assert service.edit_post(users["member"], post, "Second version") is False
    service.edit_post(users["member"], post, "Third version")
    history = queries.revisions(post)
    assert [r.body for r in history] == ["Second version", "First version"]
    assert [r.number for r in history] == [2, 1]
    assert post.body == "Third version" and post.edited_at is not None
    with pytest.raises(service.ForumError):
        service.edit_post(users["supplier"], post, "Not mine")
    assert db.session.scalar(select(PostRevision).where(PostRevision.number == 3)) is None


def test_quote_makes_an_attributed_blockquote(users):
    thread = make_thread(users["supplier"], body="Line one\n\nLine **two**")
    quoted = queries.quote(posts_of(thread)[0])
    assert quoted == "Supplier Person wrote:\n\n> Line one\n>\n> Line **two**\n\n"


def test_new_accounts_first_posts_are_held_until_approved(app, users):
    app.config["HOLD_FIRST_POSTS"] = 2
    member, moderator = users["member"], users["moderator"]
    thread = make_thread(member)
    opening = posts_of(thread)[0]
    assert opening.held_for_review and not thread.visible
    assert _summary("drupal").threads == 0
    second = service.reply(member, thread, "Anyone?")
    assert second.held_for_review and thread.reply_count == 0
    assert {p.id for p in queries.held_posts()} == {opening.id, second.id}

    moderation.release_post(moderator, opening)
    assert thread.visible and not opening.held_for_review
    third = service.reply(member, thread, "Still me")
    assert third.held_for_review  # only one approved so far
    moderation.release_post(moderator, second)
    assert thread.reply_count == 1
    assert not service.reply(member, thread, "Trusted now").held_for_review
    # Moderators are never held, whatever their history.
    assert not service.reply(moderator, thread, "Welcome").held_for_review


def test_hold_setting_zero_turns_holding_off(app, users):
    app.config["HOLD_FIRST_POSTS"] = 0
    assert not posts_of(make_thread(users["member"]))[0].held_for_review


def test_first_comment_creates_the_discussion_thread(users):
    author, member = users["organiser"], users["member"]
    cs = make_case_study(author, status="published", moderator=users["moderator"])
    post = service.comment(member, "case_study", cs.id, "Did you host Solr yourselves?")
    thread = post.thread
    assert thread.case_study_id == cs.id and thread.is_discussion
    assert thread.category.slug == "case-studies" and thread.category.name == "Case studies"
    assert thread.title == f"Comments: {cs.title}"
    assert discussions.thread_for("case_study", cs.id).id == thread.id
    again = service.comment(author, "case_study", cs.id, "As a service.")
    assert again.thread_id == thread.id and thread.reply_count == 1
    followers = set(
        db.session.scalars(
            select(Subscription.user_id).where(
                Subscription.target_type == TargetType.THREAD, Subscription.target_id == thread.id
            )
        )
    )
    assert followers == {author.id, member.id}  # the case study's author follows from the start


def test_comments_only_on_published_case_studies(users):
    draft = make_case_study(users["organiser"])
    with pytest.raises(service.ForumError):
        service.comment(users["member"], "case_study", draft.id, "Hello")
    archived = make_case_study(
        users["organiser"], status="archived", moderator=users["moderator"], title="Old one"
    )
    with pytest.raises(service.ForumError, match="no longer"):
        service.comment(users["member"], "case_study", archived.id, "Hello")
    with pytest.raises(service.ForumError):
        service.comment(users["member"], "event", 9999, "No such event")
    with pytest.raises(service.ForumError):
        service.comment(users["member"], "planet", 1, "No such kind")
    assert db.session.scalars(select(Post)).all() == []


def test_a_held_first_comment_does_not_close_the_discussion(app, users):
    cs = make_case_study(users["organiser"], status="published", moderator=users["moderator"])
    app.config["HOLD_FIRST_POSTS"] = 1
    held = service.comment(users["member"], "case_study", cs.id, "First!")
    assert held.held_for_review and not held.thread.visible
    app.config["HOLD_FIRST_POSTS"] = 0
    public = service.comment(users["supplier"], "case_study", cs.id, "Second, and public")
    assert public.thread_id == held.thread_id and public.thread.visible
    shown = queries.discussion_for("case_study", cs.id, AnonymousUserMixin())
    assert [p.id for p in shown.posts] == [public.id]


def test_backdated_imports_keep_their_dates(users):
    from dpse.mixins import utcnow

    start = utcnow() - timedelta(days=30)
    thread = make_thread(users["member"], when=start)
    reply = service.reply(users["supplier"], thread, "Late reply", when=start + timedelta(hours=2))
    assert thread.created_at == start
    assert thread.last_activity_at == reply.created_at == start + timedelta(hours=2)
