"""Every role × action in one table, checked through the real pages."""

from __future__ import annotations

import pytest

from dpse import permissions
from dpse.accounts.roles import Role
from tests.conftest import login, post_form

ROLES = ["anonymous", *[r.value for r in Role]]

# action -> the roles allowed to do it
TABLE = {
    "view_public_pages": set(ROLES),
    "edit_own_account": {r.value for r in Role},
    "list_users": {"admin"},
    "change_someone_elses_role": {"admin"},
    "deactivate_someone": {"admin"},
}


def _as(client, role: str) -> None:
    if role != "anonymous":
        assert login(client, f"{role}@testshire.gov.uk").status_code == 302


def _try(client, users, action: str) -> bool:
    target = users["member"] if users else None
    if action == "view_public_pages":
        urls = ["/", "/organisations", f"/people/{target.handle}", "/case-studies", "/search?q=x"]
        return all(client.get(u).status_code == 200 for u in urls)
    if action == "edit_own_account":
        return client.get("/account").status_code == 200
    if action == "list_users":
        return client.get("/admin/users").status_code == 200
    other = users["moderator"]
    url = f"/admin/users/{other.id}"
    if action == "change_someone_elses_role":
        data = {"role": "organiser", "active": "y"}
    else:
        data = {"role": other.role.value}  # unticked "active"
    response = post_form(client, url, data, form_url="/account")
    from dpse.extensions import db

    db.session.refresh(other)
    changed = (
        other.role == Role.ORGANISER if action == "change_someone_elses_role" else not other.active
    )
    assert (response.status_code in (302, 303)) == changed
    return changed


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(TABLE))
def test_role_action_table(client, users, role, action):
    if role == "anonymous" and action in ("change_someone_elses_role", "deactivate_someone"):
        # an anonymous visitor has no form to take a token from: post without one
        response = client.post(f"/admin/users/{users['moderator'].id}", data={"role": "admin"})
        assert response.status_code in (302, 400)
        assert users["moderator"].role == Role.MODERATOR
        return
    _as(client, role)
    assert _try(client, users, action) is (role in TABLE[action])


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_non_admins_get_403_on_admin_pages(client, users, role):
    _as(client, role)
    expected = 200 if role == "admin" else 403
    assert client.get("/admin/users").status_code == expected
    assert client.get(f"/admin/users/{users['member'].id}").status_code == expected


def test_predicates_for_anonymous_are_all_false(users):
    from flask_login import AnonymousUserMixin

    anon = AnonymousUserMixin()
    member = users["member"]
    assert not permissions.is_admin(anon)
    assert not permissions.can_moderate(anon)
    assert not permissions.can_contribute(anon)
    assert not permissions.can_edit_profile(anon, member)
    assert permissions.can_view_profile(anon, member)


def test_predicate_hierarchy(users):
    assert permissions.can_moderate(users["moderator"]) and permissions.can_moderate(users["admin"])
    assert not permissions.can_moderate(users["organiser"])
    assert permissions.can_organise_events(users["organiser"])
    assert not permissions.can_organise_events(users["supplier"])
    assert permissions.can_edit_profile(users["member"], users["member"])
    assert not permissions.can_edit_profile(users["member"], users["supplier"])
    assert permissions.can_edit_profile(users["admin"], users["supplier"])


def test_templates_hide_the_admin_link_from_non_admins(client, users):
    _as(client, "member")
    assert "/admin/users" not in client.get("/").get_data(as_text=True)
    post_form(client, "/logout", {}, form_url="/account")
    _as(client, "admin")
    assert "/admin/users" in client.get("/").get_data(as_text=True)
