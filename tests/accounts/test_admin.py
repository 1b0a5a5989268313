"""Admin pages: find accounts, change roles, deactivate."""

from __future__ import annotations

from dpse.accounts.roles import Role
from tests.conftest import login, post_form


def test_admin_finds_users_by_name_or_email(client, users):
    login(client, "admin@testshire.gov.uk")
    html = client.get("/admin/users?q=SUPPLIER").get_data(as_text=True)
    assert "supplier@testshire.gov.uk" in html
    assert "member@testshire.gov.uk" not in html


def test_admin_changes_a_role(client, users):
    login(client, "admin@testshire.gov.uk")
    member = users["member"]
    response = post_form(client, f"/admin/users/{member.id}", {"role": "organiser", "active": "y"})
    assert response.status_code == 302
    assert member.role == Role.ORGANISER
    assert "Saved changes" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_admin_form_rejects_unknown_role_and_keeps_the_page(client, users):
    login(client, "admin@testshire.gov.uk")
    member = users["member"]
    response = post_form(client, f"/admin/users/{member.id}", {"role": "emperor", "active": "y"})
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert member.role == Role.MEMBER


def test_admin_cannot_demote_themself_through_the_form(client, users):
    login(client, "admin@testshire.gov.uk")
    admin = users["admin"]
    response = post_form(client, f"/admin/users/{admin.id}", {"role": "member"}, "/account")
    assert response.status_code == 400
    assert "cannot change your own role" in response.get_data(as_text=True)
    assert admin.role == Role.ADMIN and admin.active


def test_unknown_user_is_404(client, users):
    login(client, "admin@testshire.gov.uk")
    assert client.get("/admin/users/424242").status_code == 404
