"""The open-data tests' content: public objects of every kind and, beside each, what a
signed-out visitor must never see; and an instance folder of each test's own."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from dpse.accounts import service as accounts
from dpse.accounts.models import Organisation, OrganisationKind, User
from dpse.casestudies.models import CaseStudy
from dpse.events.models import Event
from dpse.extensions import db
from dpse.forum.models import Post, Thread
from dpse.moderation.service import hide_post
from tests.casestudies.factories import make_case_study
from tests.conftest import PASSWORD
from tests.forum.factories import make_category, make_thread, posts_of


@pytest.fixture(autouse=True)
def instance(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty instance folder for this test alone (the run's app shares one otherwise)."""
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setattr(app, "instance_path", str(folder))
    old = app.config["HOLD_FIRST_POSTS"]
    app.config["HOLD_FIRST_POSTS"] = 0  # posts appear at once unless a test holds one
    yield folder
    app.config["HOLD_FIRST_POSTS"] = old


@dataclass
class Site:
    """What must be in the ZIP, and what must never be."""

    published: CaseStudy
    archived: CaseStudy
    draft: CaseStudy
    submitted: CaseStudy
    event: Event
    thread: Thread
    visible_reply: Post
    hidden_reply: Post
    held_reply: Post
    held_thread: Thread
    approved_org: Organisation
    pending_org: Organisation
    pending_member: User
    deactivated: User
    author: User


@pytest.fixture
def site(users: dict[str, User], organisations: dict[str, Organisation], make_event) -> Site:
    author = users["member"]
    author.bio = "I run the **digital** team."
    published = make_case_study(author, "published", title="Open data on CKAN")
    archived = make_case_study(author, "archived", title="An archived story about Plone")
    draft = make_case_study(author, "draft", title="A secret draft about Wagtail")
    submitted = make_case_study(author, "submitted", title="Waiting for review on Joomla")
    event = make_event()
    category = make_category()
    thread = make_thread(author, category, replies=3)
    replies = posts_of(thread)[1:]
    hide_post(users["moderator"], replies[1], "Off topic")
    replies[2].held_for_review = True
    held_thread = make_thread(author, category, title="A thread waiting for a moderator")
    held_thread.held_for_review = True
    held_thread.visible = False
    pending_org = accounts.create_organisation(
        "Pending Borough Council", OrganisationKind.COUNCIL, "UK", approved=False
    )
    pending_member = accounts.create_user(
        "someone@pending.example",
        "Pending Member",
        PASSWORD,
        organisation=pending_org,
        verified=True,
    )
    deactivated = accounts.create_user(
        "gone@testshire.gov.uk", "Gone Person", PASSWORD, verified=True
    )
    deactivated.active = False
    db.session.commit()
    return Site(
        published,
        archived,
        draft,
        submitted,
        event,
        thread,
        replies[0],
        replies[1],
        replies[2],
        held_thread,
        organisations["council"],
        pending_org,
        pending_member,
        deactivated,
        author,
    )


@pytest.fixture
def read_zip() -> Callable[[Path], dict[str, str]]:
    """``read_zip(path)``: every file of the ZIP by name, as text."""

    def read(path: Path) -> dict[str, str]:
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}

    return read


@pytest.fixture
def jsonl_rows() -> Callable[[str], list[dict[str, Any]]]:
    """``jsonl_rows(text)``: the objects of a JSON Lines file."""
    return lambda text: [json.loads(line) for line in text.splitlines() if line]
