"""Registration, sign-in, verification, reset and account pages through the test client."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from dpse.accounts.models import User
from dpse.extensions import db, limiter
from dpse.mail import OutboxEmail
from tests.conftest import CSRF_RE, PASSWORD, login, post_form

GOOD = {
    "email": "ann@testshire.gov.uk",
    "display_name": "Ann Example",
    "new_organisation": "Testshire Council",
    "new_organisation_kind": "council",
    "password": "long enough password",
    "confirm": "long enough password",
}


def _link(path: str) -> str:
    body = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc())).first().body
    return re.search(rf"https?://[^\s]+({path}[^\s]+)", body).group(1)


def test_register_verify_and_see_the_badge(client):
    response = post_form(client, "/register", GOOD)
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302  # not signed in: the answer says nothing
    assert login(client, GOOD["email"], GOOD["password"]).status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "Not confirmed yet" in page
    user = db.session.scalars(select(User)).one()
    profile = client.get(f"/people/{user.handle}").get_data(as_text=True)
    assert "Verified public sector" not in profile

    response = client.get(_link("/verify-email/"))
    assert response.status_code == 302
    profile = client.get(f"/people/{user.handle}").get_data(as_text=True)
    assert "Verified public sector" in profile
    again = client.get(_link("/verify-email/"))
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"email": ""}, "Enter your email address"),
        ({"display_name": ""}, "Enter your name as others should see it"),
        ({"password": "short", "confirm": "short"}, "at least 12 characters"),
        ({"confirm": "something else entirely"}, "The passwords do not match"),
        ({"new_organisation": ""}, "Choose your organisation, or enter its name"),
        ({"organisation_id": "99999"}, "Not a valid choice"),
        ({"organisation_id": "abc"}, "Not a valid choice"),
        ({"new_organisation_kind": "pirate"}, "Not a valid choice"),
        ({"email": "a@" + "b" * 300 + ".gov.uk"}, "254 characters or fewer"),
    ],
)
def test_register_errors_keep_what_was_typed(client, change, message):
    data = {**GOOD, **change}
    response = post_form(client, "/register", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert message in html
    assert 'value="Ann Example"' in html or change.get("display_name") == ""
    assert db.session.scalars(select(User)).all() == []


def _answer(app, url: str, data: dict[str, object], email: str) -> tuple[int, str]:
    """A fresh browser's answer to a form, the address typed and the CSRF token blanked out."""
    response = post_form(app.test_client(), url, {**data, "email": email})
    html = CSRF_RE.sub("", response.get_data(as_text=True)).replace(email, "EMAIL")
    return response.status_code, html


def test_register_answers_the_same_for_a_taken_address_and_emails_its_owner(app, users):
    taken = _answer(app, "/register", GOOD, "member@testshire.gov.uk")
    new = _answer(app, "/register", GOOD, "new.person@testshire.gov.uk")
    assert taken == new
    assert taken[0] == 200 and "Check your email" in taken[1]
    assert "already exists" not in taken[1]
    mails = {m.recipient: m for m in db.session.scalars(select(OutboxEmail))}
    assert "Someone tried to register" in mails["member@testshire.gov.uk"].subject
    assert "/verify-email/" in mails["new.person@testshire.gov.uk"].body
    assert db.session.scalar(select(User).where(User.email == "member@testshire.gov.uk")).id == (
        users["member"].id
    )


def test_sign_in_answers_the_same_for_an_unknown_address(app, users):
    wrong = {"password": "wrong password!!"}
    known = _answer(app, "/login", wrong, "member@testshire.gov.uk")
    unknown = _answer(app, "/login", wrong, "nobody@testshire.gov.uk")
    assert known == unknown and known[0] == 400


def test_forgot_password_answers_the_same_for_an_unknown_address(app, users):
    known = _answer(app, "/forgot-password", {}, "member@testshire.gov.uk")
    unknown = _answer(app, "/forgot-password", {}, "nobody@testshire.gov.uk")
    assert known == unknown and known[0] == 200


def test_login_and_logout(client, users):
    response = login(client, "member@testshire.gov.uk")
    assert response.status_code == 302
    assert "Member Person" in client.get("/").get_data(as_text=True)
    response = post_form(client, "/logout", {}, form_url="/account")
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "You have signed out" in html
    assert "Sign in" in html


def test_failed_login_keeps_the_email_and_says_why(client, users):
    response = login(client, "member@testshire.gov.uk", "wrong password!!")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The email address or password is not right" in html
    assert 'value="member@testshire.gov.uk"' in html
    assert "wrong password!!" not in html


def test_login_redirects_only_to_local_next(client, users):
    token_page = "/login?next=/organisations"
    response = post_form(
        client, token_page, {"email": "member@testshire.gov.uk", "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/organisations")


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_login_never_redirects_off_site(client, users, target):
    response = post_form(
        client, f"/login?next={target}", {"email": "member@testshire.gov.uk", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://dpse.test/")


def test_pages_needing_login_redirect_to_it(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_login_is_rate_limited(client, users):
    limiter.enabled = True
    statuses = [
        login(client, "member@testshire.gov.uk", "wrong password!!").status_code for _ in range(11)
    ]
    assert statuses[:10] == [400] * 10
    assert statuses[10] == 429
    assert "Too many attempts" in login(client, "member@testshire.gov.uk").get_data(as_text=True)


def test_forgot_password_says_the_same_for_unknown_addresses(client, users):
    known = post_form(client, "/forgot-password", {"email": "member@testshire.gov.uk"})
    unknown = post_form(client, "/forgot-password", {"email": "nobody@testshire.gov.uk"})
    assert known.status_code == unknown.status_code == 200
    assert "Check your email" in known.get_data(as_text=True)
    assert "Check your email" in unknown.get_data(as_text=True)
    assert db.session.scalars(select(OutboxEmail)).one().recipient == "member@testshire.gov.uk"


def test_reset_password_through_the_link(client, users):
    post_form(client, "/forgot-password", {"email": "member@testshire.gov.uk"})
    link = _link("/reset-password/")
    short = post_form(client, link, {"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 12 characters" in short.get_data(as_text=True)
    done = post_form(client, link, {"password": "the new password", "confirm": "the new password"})
    assert done.status_code == 302
    assert login(client, "member@testshire.gov.uk", "the new password").status_code == 302
    reused = client.get(link)
    assert reused.status_code == 400
    assert "already been used" in reused.get_data(as_text=True)


def test_pages_with_a_token_in_their_address_send_no_referrer(client, users):
    """Their styles' requests would carry the token to the access log in the Referer."""
    post_form(client, "/forgot-password", {"email": "member@testshire.gov.uk"})
    for url in (_link("/reset-password/"), "/reset-password/bad", "/verify-email/bad"):
        assert client.get(url).headers["Referrer-Policy"] == "no-referrer"


def test_change_password_checks_the_current_one(client, users):
    login(client, "member@testshire.gov.uk")
    wrong = post_form(
        client,
        "/account/password",
        {"current_password": "nope nope nope", "new_password": "x" * 12, "confirm": "x" * 12},
    )
    assert wrong.status_code == 400
    assert "Your current password is not right" in wrong.get_data(as_text=True)
    ok = post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": "y" * 12, "confirm": "y" * 12},
    )
    assert ok.status_code == 302
    assert "Member Person" in client.get("/account").get_data(as_text=True)  # still signed in


def test_profile_edit_keeps_input_on_error_and_renders_markdown_safely(client, users):
    login(client, "member@testshire.gov.uk")
    bad = post_form(client, "/account", {"display_name": "", "job_title": "Web lead", "bio": "Hi"})
    assert bad.status_code == 400
    assert 'value="Web lead"' in bad.get_data(as_text=True)
    good = post_form(
        client,
        "/account",
        {
            "display_name": "Mem Ber",
            "job_title": "Web lead",
            "bio": "**Bold** <script>alert(1)</script> [x](javascript:alert(1))",
        },
    )
    assert good.status_code == 302
    html = client.get(f"/people/{users['member'].handle}").get_data(as_text=True)
    assert "<strong>Bold</strong>" in html
    assert "<script>alert(1)" not in html
    assert 'href="javascript' not in html.lower()


def test_profile_and_organisation_pages(client, users, organisations):
    supplier = users["supplier"]
    html = client.get(f"/people/{supplier.handle}").get_data(as_text=True)
    assert supplier.display_name in html and "Supplier" in html
    org = client.get("/organisations/acme-drupal-ltd").get_data(as_text=True)
    assert "Acme Drupal Ltd" in org and supplier.display_name in org
    listing = client.get("/organisations").get_data(as_text=True)
    assert "Testshire Council" in listing
    assert client.get("/organisations/no-such-org").status_code == 404
    assert client.get("/people/99999").status_code == 404


def test_deactivated_profile_is_hidden_from_the_public(client, users):
    from dpse.accounts import service

    service.set_active(users["admin"], users["member"], False)
    assert client.get(f"/people/{users['member'].handle}").status_code == 404
    login(client, "admin@testshire.gov.uk")
    assert client.get(f"/people/{users['member'].handle}").status_code == 200
