"""Flags and moderators' actions, each written to the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dpse.audit import AuditLog
from dpse.extensions import db
from dpse.forum import service as forum
from dpse.moderation import queries, service
from dpse.moderation.models import Flag, FlagStatus
from tests.casestudies.factories import make_case_study
from tests.forum.factories import make_category, make_thread, posts_of


def _audit() -> list[tuple[str, str, int]]:
    rows = db.session.scalars(select(AuditLog).order_by(AuditLog.id))
    return [(a.action, a.target_type, a.target_id) for a in rows]


def test_members_flag_posts_once_and_never_their_own(users):
    thread = make_thread(users["member"])
    post = posts_of(thread)[0]
    with pytest.raises(service.ModerationError, match="cannot report"):
        service.flag_post(users["member"], post, "My own post")
    with pytest.raises(service.ModerationError) as short:
        service.flag_post(users["supplier"], post, "bad")
    assert short.value.field == "reason"
    flag = service.flag_post(users["supplier"], post, "  Personal data in the post\x00 ")
    assert flag.reason == "Personal data in the post" and flag.status == FlagStatus.OPEN
    with pytest.raises(service.ModerationError, match="already reported"):
        service.flag_post(users["supplier"], post, "Again, please")
    service.flag_post(users["organiser"], post, "Me too, please look")
    assert [f.id for f in queries.open_flags()] == [flag.id, flag.id + 1]


def test_flagging_case_studies(users):
    cs = make_case_study(users["organiser"], status="published", moderator=users["moderator"])
    with pytest.raises(service.ModerationError):
        service.flag_case_study(users["organiser"], cs, "I wrote this")
    flag = service.flag_case_study(users["member"], cs, "The budget figures look wrong")
    assert flag.case_study_id == cs.id and flag.target_type == "case_study"
    draft = make_case_study(users["organiser"], title="Not published yet")
    with pytest.raises(service.ModerationError):
        service.flag_case_study(users["member"], draft, "Cannot see it anyway")


def test_hiding_a_post_resolves_its_flags_and_is_audited(users):
    moderator = users["moderator"]
    thread = make_thread(users["member"])
    post = forum.reply(users["supplier"], thread, "Advert")
    flag = service.flag_post(users["member"], post, "Advertising")
    with pytest.raises(service.ModerationError):
        service.hide_post(moderator, post, "")
    service.hide_post(moderator, post, "Advertising is not allowed")
    assert flag.status == FlagStatus.RESOLVED and flag.resolved_by_id == moderator.id
    assert flag.resolution == "Post hidden: Advertising is not allowed"
    with pytest.raises(service.ModerationError, match="already hidden"):
        service.hide_post(moderator, post, "Twice")
    assert queries.open_flags() == []
    assert _audit() == [("hide_post", "post", post.id)]


def test_every_moderation_action_is_audited(app, users):
    moderator = users["moderator"]
    thread = make_thread(users["member"], make_category())
    other = make_category("hosting", "Hosting")
    app.config["HOLD_FIRST_POSTS"] = 1
    held = forum.reply(users["supplier"], thread, "First post")
    rejected = forum.reply(users["supplier"], thread, "Second post")
    app.config["HOLD_FIRST_POSTS"] = 0
    service.release_post(moderator, held)
    service.hide_post(moderator, rejected, "Duplicate")
    service.restore_post(moderator, rejected)
    service.set_pinned(moderator, thread, True)
    service.set_pinned(moderator, thread, False)
    service.set_locked(moderator, thread, True)
    service.set_locked(moderator, thread, False)
    service.move_thread(moderator, thread, other)
    flag = service.flag_post(users["organiser"], held, "Please check the figures")
    service.resolve_flag(moderator, flag, "Checked with the author")
    assert [a for a, _, _ in _audit()] == [
        "release_post",
        "reject_post",
        "restore_post",
        "pin_thread",
        "unpin_thread",
        "lock_thread",
        "unlock_thread",
        "move_thread",
        "resolve_flag",
    ]
    move = db.session.scalars(select(AuditLog).where(AuditLog.action == "move_thread")).one()
    assert move.detail == "From Drupal and LocalGov Drupal to Hosting"
    assert all(a.actor_id == moderator.id for a in db.session.scalars(select(AuditLog)))


def test_actions_that_change_nothing_are_refused(users):
    moderator = users["moderator"]
    thread = make_thread(users["member"])
    post = posts_of(thread)[0]
    for action in (
        lambda: service.set_pinned(moderator, thread, False),
        lambda: service.set_locked(moderator, thread, False),
        lambda: service.move_thread(moderator, thread, thread.category),
        lambda: service.restore_post(moderator, post),
        lambda: service.release_post(moderator, post),
    ):
        with pytest.raises(service.ModerationError):
            action()
    flag = service.flag_post(users["supplier"], post, "Looks wrong to me")
    service.resolve_flag(moderator, flag)
    assert flag.resolution == "No action needed"
    with pytest.raises(service.ModerationError):
        service.resolve_flag(moderator, flag)
    assert [a for a, _, _ in _audit()] == ["resolve_flag"]


def test_only_moderators_act(users):
    thread = make_thread(users["member"])
    with pytest.raises(service.ModerationError):
        service.set_locked(users["organiser"], thread, True)
    with pytest.raises(service.ModerationError):
        service.hide_post(users["supplier"], posts_of(thread)[0], "Nope, not mine to hide")
    assert not thread.locked and db.session.scalars(select(Flag)).all() == []
