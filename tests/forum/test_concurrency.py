"""Replies posted at the same moment from several workers keep the counts right."""

from __future__ import annotations

import threading

from flask import Flask

from dpse.accounts.models import User
from dpse.extensions import db
from dpse.forum import service
from dpse.forum.models import Thread
from tests.forum.factories import make_thread


def test_simultaneous_replies_are_all_counted(app: Flask, users):
    thread = make_thread(users["member"])
    thread_id, people = thread.id, [u.id for u in users.values()]
    db.session.commit()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker(person_id: int) -> None:
        with app.app_context():
            try:
                person = db.session.get(User, person_id)
                target = db.session.get(Thread, thread_id)
                start.wait()
                for n in range(5):
                    service.reply(person, target, f"Reply {n} from {person_id}")
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=worker, args=(p,)) for p in people[:4]]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    assert db.session.get(Thread, thread_id).reply_count == 20
