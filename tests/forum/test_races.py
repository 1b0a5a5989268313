"""A double-clicked Save on a post edit makes one revision, never two with one number."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from dpse.accounts.models import User
from dpse.extensions import db
from dpse.forum import service
from dpse.forum.models import Post, PostRevision
from tests.concurrency import DUPLICATES, at_once
from tests.forum.factories import make_thread


def test_a_double_clicked_edit_makes_one_revision(app: Flask, users):
    thread = make_thread(users["member"])
    post_id, author_id = service.opening_post_id(thread), users["member"].id

    def edit() -> bool:
        author = db.session.get(User, author_id)
        return service.edit_post(
            author, db.session.get(Post, post_id), "Edited once, clicked twice"
        )

    results, errors = at_once(app, [edit] * DUPLICATES)
    assert errors == []
    assert sorted(results) == [False] * (DUPLICATES - 1) + [True]
    numbers = db.session.scalars(select(PostRevision.number).where(PostRevision.post_id == post_id))
    assert list(numbers) == [1]
    assert db.session.get(Post, post_id).body == "Edited once, clicked twice"
