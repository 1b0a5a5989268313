"""Posts made at the same moment from several workers keep counts and follows right."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import func, select

from dpse.accounts.models import User
from dpse.extensions import db
from dpse.forum import service
from dpse.forum.models import Thread
from dpse.notifications.models import Subscription
from tests.casestudies.factories import make_case_study
from tests.concurrency import at_once
from tests.forum.factories import make_thread


def _reply_job(person_id: int, thread_id: int, times: int) -> Callable[[], None]:
    def job() -> None:
        person, thread = db.session.get(User, person_id), db.session.get(Thread, thread_id)
        for n in range(times):
            service.reply(person, thread, f"Reply {n} from {person_id}")

    return job


def test_simultaneous_replies_are_all_counted(app: Flask, users):
    thread = make_thread(users["member"])
    people = [u.id for u in users.values()][:4]
    assert at_once(app, [_reply_job(p, thread.id, 5) for p in people])[1] == []
    assert db.session.get(Thread, thread.id).reply_count == 20


def test_a_double_clicked_reply_follows_once(app: Flask, users):
    thread = make_thread(users["member"])
    supplier = users["supplier"].id
    assert at_once(app, [_reply_job(supplier, thread.id, 1) for _ in range(2)])[1] == []
    follows = select(func.count()).where(
        Subscription.user_id == supplier, Subscription.target_id == thread.id
    )
    assert db.session.scalar(follows) == 1
    assert db.session.get(Thread, thread.id).reply_count == 2


def test_two_first_comments_share_one_thread(app: Flask, users):
    cs = make_case_study(users["organiser"], status="published", moderator=users["moderator"])
    people = [users["member"].id, users["supplier"].id]

    def comment(person_id: int) -> Callable[[], None]:
        def job() -> None:
            person = db.session.get(User, person_id)
            service.comment(person, "case_study", cs.id, f"First! says {person_id}")

        return job

    assert at_once(app, [comment(p) for p in people])[1] == []
    threads = db.session.scalars(select(Thread).where(Thread.case_study_id == cs.id)).all()
    assert len(threads) == 1 and threads[0].reply_count == 1
