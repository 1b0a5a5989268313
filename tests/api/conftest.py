"""The API tests' content: one public object of each kind and, beside each, what a signed-out
visitor must never see (a draft, a hidden post, a held post, a pending organisation…)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft202012Validator, FormatChecker

from dpse.accounts import service as accounts
from dpse.accounts.models import Organisation, OrganisationKind, User
from dpse.casestudies.models import CaseStudy
from dpse.events.models import Event
from dpse.extensions import db
from dpse.forum.models import Category, Post, Thread
from dpse.moderation.service import hide_post
from tests.casestudies.factories import make_case_study
from tests.conftest import PASSWORD
from tests.forum.factories import make_category, make_thread, posts_of


@pytest.fixture(autouse=True)
def _no_holding(app: Flask) -> Iterator[None]:
    """Posts by fresh accounts appear at once unless a test holds one itself."""
    old = app.config["HOLD_FIRST_POSTS"]
    app.config["HOLD_FIRST_POSTS"] = 0
    yield
    app.config["HOLD_FIRST_POSTS"] = old


@dataclass
class Site:
    """What the tests read through the API."""

    published: CaseStudy
    archived: CaseStudy
    draft: CaseStudy
    submitted: CaseStudy
    event: Event
    category: Category
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
        category,
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
def openapi(client) -> dict[str, Any]:
    """The OpenAPI document the app serves."""
    return client.get("/api/v1/openapi.json").get_json()


@pytest.fixture
def conforms(openapi: dict[str, Any]):
    """``conforms("CaseStudy", body)``: validate a body against a schema of the document."""

    def check(name: str, body: Any) -> None:
        schema = {"$ref": f"#/components/schemas/{name}", "components": openapi["components"]}
        Draft202012Validator(schema, format_checker=FormatChecker()).validate(body)

    return check
