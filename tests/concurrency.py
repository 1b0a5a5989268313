"""Run jobs at the same moment from several threads, as several gunicorn workers would: each
thread has its own app context, database session and connection, and all start together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from dpse.extensions import db
from tests.conftest import csrf_token, login

DUPLICATES = 24  # how many copies of one request the race tests send at once


def at_once(app: Flask, jobs: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run each job in its own thread, released together by a barrier; (results, errors)."""
    results: list[Any] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], Any]) -> None:
        with app.app_context():
            try:
                start.wait()
                results.append(job())
            except BaseException as exc:  # reported in the test's thread
                errors.append(exc)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=300)
    assert not any(w.is_alive() for w in workers), "a racing job never finished"
    db.session.expire_all()
    return results, errors


def browsers(app: Flask, email: str, count: int, form_url: str) -> tuple[list[FlaskClient], str]:
    """``count`` clients signed in as one person (one session cookie, like tabs of a browser),
    and a CSRF token from ``form_url`` that all of them can send."""
    first = app.test_client()
    login(first, email)
    token = csrf_token(first, form_url)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = first.get_cookie(name, domain=app.config["SERVER_NAME"])
    assert cookie is not None
    clients = [first]
    for _ in range(count - 1):
        other = app.test_client()
        other.set_cookie(name, cookie.value, domain=cookie.domain, path=cookie.path)
        clients.append(other)
    return clients, token


def post_from_each(
    app: Flask, clients: list[FlaskClient], url: str, data: dict[str, object]
) -> tuple[list[Any], list[BaseException]]:
    """The same form posted from every client at once; (responses, errors)."""

    def job(client: FlaskClient) -> Callable[[], Any]:
        return lambda: client.post(url, data=data)

    return at_once(app, [job(c) for c in clients])
