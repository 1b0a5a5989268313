"""Every role × case-study action, through the real endpoints."""

from __future__ import annotations

import pytest

from dpse.accounts.roles import Role
from dpse.accounts.service import create_user
from dpse.casestudies.models import Status
from tests.casestudies.factories import make_case_study
from tests.conftest import PASSWORD, login, post_form

ROLES = ["anonymous", "author", *[r.value for r in Role]]
EVERYONE_SIGNED_IN = {"author", "member", "supplier", "organiser", "moderator", "admin"}
EDITORS = {"author", "moderator", "admin"}
MODERATORS = {"moderator", "admin"}

# action: (status the case study starts in, roles allowed, how to try it)
TABLE = {
    "view_draft": ("draft", EDITORS),
    "view_published": ("published", set(ROLES)),
    "create": ("draft", EVERYONE_SIGNED_IN),
    "edit": ("published", EDITORS),
    "submit": ("draft", EDITORS),
    "publish": ("submitted", MODERATORS),
    "return": ("submitted", MODERATORS),
    "archive": ("published", EDITORS),
    "delete_draft": ("draft", EDITORS),
    "history": ("published", EDITORS),
    "restore": ("published", MODERATORS),
    "mark_helpful": ("published", EVERYONE_SIGNED_IN - {"author"}),
}


def _sign_in(client, users, role):
    if role == "anonymous":
        return
    email = f"{role}@testshire.gov.uk"
    assert login(client, email).status_code == 302


def _attempt(client, cs, action) -> bool:
    base = f"/case-studies/{cs.slug}"
    if action.startswith("view"):
        return client.get(base).status_code == 200
    if action == "create":
        return client.get("/case-studies/new").status_code == 200
    if action == "edit":
        return client.get(base + "/edit").status_code == 200
    if action == "history":
        return client.get(base + "/history").status_code == 200
    token_page = "/account" if client.get("/account").status_code == 200 else "/login"
    posts = {
        "submit": (base + "/submit", {}),
        "publish": (base + "/publish", {}),
        "return": (base + "/return", {"reason": "Please add figures"}),
        "archive": (base + "/archive", {"confirm": "yes"}),
        "delete_draft": (base + "/delete", {"confirm": "yes"}),
        "restore": (base + "/history/1/restore", {}),
        "mark_helpful": (base + "/helpful", {}),
    }
    url, data = posts[action]
    response = post_form(client, url, data, form_url=token_page)
    return response.status_code == 302 and "/login" not in response.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(TABLE))
def test_case_study_permission_table(client, users, role, action):
    status, allowed = TABLE[action]
    author = create_user("author@testshire.gov.uk", "Author", PASSWORD, verified=True)
    cs = make_case_study(author, status=status, moderator=users["moderator"])
    if action == "restore":  # give it something to restore
        from dpse.casestudies import service

        data = service.data_from(cs)
        data.results = "changed"
        service.update_case_study(author, cs, data)
    before = cs.status
    _sign_in(client, users, role)
    assert _attempt(client, cs, action) is (role in allowed)
    if role not in allowed and action in ("publish", "archive", "submit", "return"):
        assert cs.status == before


def test_status_changes_really_happen_for_allowed_roles(client, users):
    cs = make_case_study(users["member"], status="submitted")
    _sign_in(client, users, "moderator")
    post_form(client, f"/case-studies/{cs.slug}/publish", {}, form_url="/account")
    assert cs.status == Status.PUBLISHED


# The same table, asked of the service directly: each write re-checks the view's predicate.
SERVICE_CALLS = {
    "edit": lambda s, user, cs: s.update_case_study(user, cs, s.data_from(cs)),
    "submit": lambda s, user, cs: s.submit(user, cs),
    "publish": lambda s, user, cs: s.publish(user, cs, notify=False),
    "return": lambda s, user, cs: s.return_for_changes(user, cs, "Please add figures"),
    "archive": lambda s, user, cs: s.archive(user, cs),
    "delete_draft": lambda s, user, cs: s.delete_draft(user, cs),
    "restore": lambda s, user, cs: s.restore_revision(user, cs, 1),
    "mark_helpful": lambda s, user, cs: s.set_helpful(user, cs, True),
}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
@pytest.mark.parametrize("action", sorted(SERVICE_CALLS))
def test_the_service_refuses_what_the_view_refuses(users, role, action):
    from dpse.casestudies import service

    status, allowed = TABLE[action]
    author = create_user("author@testshire.gov.uk", "Author", PASSWORD, verified=True)
    cs = make_case_study(author, status=status, moderator=users["moderator"])
    if action == "restore":  # give it something to restore
        data = service.data_from(cs)
        data.results = "changed"
        service.update_case_study(author, cs, data)
    user = author if role == "author" else users[role]
    if role in allowed:
        SERVICE_CALLS[action](service, user, cs)
    else:
        with pytest.raises(service.NotAllowed):
            SERVICE_CALLS[action](service, user, cs)
