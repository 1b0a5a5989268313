"""One open flag per person per object, kept by the database; a report or a moderator's action
sent twice at once ends as one, with a friendly answer — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from dpse.accounts.models import User
from dpse.casestudies.models import CaseStudy
from dpse.extensions import db
from dpse.forum import service as forum
from dpse.forum.models import Post
from dpse.moderation import service
from dpse.moderation.models import Flag, FlagStatus
from dpse.notifications.models import Notification
from tests.casestudies.factories import make_case_study
from tests.concurrency import DUPLICATES, at_once, browsers, post_from_each
from tests.forum.factories import make_thread


def _open_flags(**target: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Flag).filter_by(status=FlagStatus.OPEN, **target)
    )


def test_a_report_sent_24_times_at_once_makes_one_flag(app: Flask, users):
    thread = make_thread(users["member"])
    post_id = forum.opening_post_id(thread)
    url = f"/moderation/flag/post/{post_id}"
    clients, token = browsers(app, "supplier@testshire.gov.uk", DUPLICATES, url)
    responses, errors = post_from_each(
        app, clients, url, {"csrf_token": token, "reason": "Advertising a product"}
    )
    assert errors == []
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [302] + [400] * (DUPLICATES - 1)
    for refused in (r for r in responses if r.status_code == 400):
        assert "You have already reported this post" in refused.get_data(as_text=True)
    assert _open_flags(post_id=post_id) == 1


def test_a_case_study_reported_at_once_keeps_one_open_flag(app: Flask, users):
    cs = make_case_study(users["member"], status="published", moderator=users["moderator"])
    reporter_id, cs_id = users["supplier"].id, cs.id

    def report() -> int:
        reporter = db.session.get(User, reporter_id)
        return service.flag_case_study(reporter, db.session.get(CaseStudy, cs_id), "Wrong dates").id

    made, errors = at_once(app, [report] * DUPLICATES)
    assert len(made) == 1
    assert len(errors) == DUPLICATES - 1
    assert {type(e) for e in errors} == {service.ModerationError}
    assert {e.message for e in errors} == {service.ALREADY_CASE_STUDY}
    assert _open_flags(case_study_id=cs_id) == 1


def test_the_database_keeps_one_open_flag_per_person_per_object(users):
    thread = make_thread(users["member"])
    post_id = forum.opening_post_id(thread)
    reporter, other = users["supplier"].id, users["organiser"].id

    def flag(reporter_id: int, status: FlagStatus = FlagStatus.OPEN) -> None:
        db.session.add(Flag(post_id=post_id, reporter_id=reporter_id, reason="Spam", status=status))
        db.session.commit()

    flag(reporter, FlagStatus.RESOLVED)
    flag(reporter, FlagStatus.RESOLVED)  # reports already dealt with do not count
    flag(reporter)
    flag(other)  # someone else may report the same post
    with pytest.raises(IntegrityError):
        flag(reporter)
    db.session.rollback()
    assert _open_flags(post_id=post_id) == 2


def test_a_held_post_released_by_two_moderators_at_once_is_released_once(app: Flask, users):
    thread = make_thread(users["member"])
    held = forum.reply(users["supplier"], thread, "A first post, held for review", hold=True)
    post_id, moderator_id = held.id, users["moderator"].id

    def release() -> Callable[[], None]:
        def job() -> None:
            moderator = db.session.get(User, moderator_id)
            service.release_post(moderator, db.session.get(Post, post_id))

        return job

    done, errors = at_once(app, [release() for _ in range(DUPLICATES)])
    assert len(done) == 1
    assert {str(e) for e in errors} <= {"This post is not waiting for review"}
    assert len(errors) == DUPLICATES - 1
    approved = select(func.count()).where(Notification.source == f"approved:{post_id}")
    assert db.session.scalar(approved) == 1
    assert db.session.get(Post, post_id).held_for_review is False
