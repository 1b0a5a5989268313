"""Admins add, rename and reorder the forum's categories; every change is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dpse.audit import AuditLog
from dpse.extensions import db
from dpse.forum import queries, service
from dpse.forum.service import ForumError
from tests.conftest import login, post_form
from tests.forum.factories import make_category


def test_admin_adds_and_edits_categories(client, users):
    make_category("introductions", "Introductions")
    login(client, "admin@testshire.gov.uk")
    assert "Manage the categories" in client.get("/forum").get_data(as_text=True)
    bad = post_form(client, "/forum/categories", {"name": "AI", "description": "x"})
    assert bad.status_code == 400 and 'value="AI"' in bad.get_data(as_text=True)
    added = post_form(
        client, "/forum/categories", {"name": "Open data", "description": "CKAN and friends"}
    )
    assert added.headers["Location"] == "/forum/categories"
    category = queries.category_by_slug("open-data")
    assert category.position == 2 and category.description == "CKAN and friends"
    url = f"/forum/categories/{category.id}"
    assert 'value="Open data"' in client.get(url).get_data(as_text=True)
    saved = post_form(
        client, url, {"name": "Open data portals", "description": "", "position": "0"}
    )
    assert saved.status_code == 302
    assert [c.slug for c in queries.categories()] == ["open-data", "introductions"]
    assert category.name == "Open data portals"  # the address stays
    bad = post_form(client, url, {"name": "Open data", "position": "-1"})
    assert bad.status_code == 400
    actions = [a.action for a in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert actions == ["create_category", "edit_category"]
    assert client.get("/forum/categories/9999").status_code == 404


def test_reserved_and_duplicate_names_get_their_own_address(users):
    first = service.create_category(users["admin"], "Tags", "")
    second = service.create_category(users["admin"], "Tags", "")
    assert first.slug == "tags-forum" and second.slug == "tags-forum-2"
    with pytest.raises(ForumError):
        service.create_category(users["moderator"], "Not allowed", "")
