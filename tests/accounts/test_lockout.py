"""Sign-in throttling that only hurts the attacker: OWASP device cookies.

Guessing an account's password from browsers it never signed in on uses up one allowance they
all share; a browser that signed in before (it holds a device cookie for that account) has an
allowance of its own, and the owner can always get back in through an emailed reset link."""

from __future__ import annotations

import re
from itertools import count

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from dpse.accounts import devices, service
from dpse.extensions import db, limiter
from dpse.mail import OutboxEmail
from tests.conftest import PASSWORD, login, post_form

OWNER = "member@testshire.gov.uk"
WRONG = "not the password!"
_addresses = count(1)


def _from_somewhere_new(client: FlaskClient) -> FlaskClient:
    """Each attempt from another address, as a botnet would (the per-address limit stays out
    of the way, so what is tested is the per-account one)."""
    client.environ_base["REMOTE_ADDR"] = f"198.51.100.{next(_addresses) % 250 + 1}"
    return client


def _exhaust_the_account(app, email: str = OWNER) -> int:
    """Guess from browsers without a device cookie until refused; how many were answered."""
    attacker = app.test_client()
    for tries in range(1, 40):
        status = login(_from_somewhere_new(attacker), email, WRONG).status_code
        if status == 429:
            return tries - 1
        assert status == 400
    pytest.fail("the account's allowance never ran out")


def _device_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie("dpse_device", domain="dpse.test", path="/login")
    return cookie.value if cookie else None


@pytest.fixture
def limits_on(app):
    limiter.enabled = True


def test_guessing_from_elsewhere_cannot_lock_the_owner_out_of_their_device(
    app, client, users, limits_on
):
    assert login(client, OWNER).status_code == 302  # the owner's laptop, some time ago
    assert _device_cookie(client)
    post_form(client, "/logout", {}, form_url="/account")

    assert _exhaust_the_account(app) <= 20
    # Every untrusted browser now shares the lock-out, even with the right password ...
    stranger = _from_somewhere_new(app.test_client())
    assert login(stranger, OWNER).status_code == 429
    # ... but the owner's laptop still signs in.
    response = login(client, OWNER)
    assert response.status_code == 302
    assert "Member Person" in client.get("/").get_data(as_text=True)


def test_the_lock_out_page_points_to_the_reset_by_email(app, users, limits_on):
    _exhaust_the_account(app)
    page = login(_from_somewhere_new(app.test_client()), OWNER).get_data(as_text=True)
    assert "Too many attempts" in page and 'href="/forgot-password"' in page


def test_a_device_that_keeps_failing_uses_up_only_its_own_allowance(app, client, users, limits_on):
    login(client, OWNER)
    post_form(client, "/logout", {}, form_url="/account")
    statuses = [login(_from_somewhere_new(client), OWNER, WRONG).status_code for _ in range(21)]
    assert statuses[:20] == [400] * 20 and statuses[20] == 429
    assert login(_from_somewhere_new(client), OWNER).status_code == 429  # locked out now ...
    other = _from_somewhere_new(app.test_client())
    assert login(other, OWNER).status_code == 302  # ... the account's shared allowance is not


def test_a_device_cookie_counts_only_for_its_own_account(app, client, users, limits_on):
    login(client, "supplier@testshire.gov.uk")  # this browser is trusted for the supplier only
    post_form(client, "/logout", {}, form_url="/account")
    _exhaust_the_account(app)
    assert login(client, OWNER).status_code == 429


def test_the_owner_gets_back_in_through_the_emailed_link(app, client, users, limits_on):
    _exhaust_the_account(app)
    assert login(client, OWNER).status_code == 429
    post_form(client, "/forgot-password", {"email": OWNER})  # not blocked by the sign-in lock
    body = db.session.scalars(select(OutboxEmail.body)).one()
    link = re.search(r"https?://[^\s/]+(/reset-password/\S+)", body).group(1)
    done = post_form(client, link, {"password": "a new password!", "confirm": "a new password!"})
    assert done.status_code == 302
    assert _device_cookie(client)  # the browser that read the email is trusted now
    assert login(client, OWNER, "a new password!").status_code == 302


def test_device_cookie_flags(app, client, users):
    response = login(client, OWNER)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("dpse_device="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/login" in cookie
    assert "Max-Age=31536000" in cookie and "Secure" not in cookie  # tests run without https
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        secure = login(app.test_client(), OWNER, PASSWORD)
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    cookie = next(c for c in secure.headers.getlist("Set-Cookie") if c.startswith("dpse_device="))
    assert "Secure" in cookie


def test_device_cookies_end_with_the_password_and_cannot_be_forged(app, users):
    member = users["member"]
    token = devices.make_device_token(member)
    assert devices.trusted_device(token, "MEMBER@testshire.gov.uk")
    assert devices.trusted_device(token, "admin@testshire.gov.uk") is None
    for bad in (None, "", "garbage", token[:-2] + "xx", "x" * 5000):
        assert devices.trusted_device(bad, OWNER) is None
    service.change_password(member, PASSWORD, "another good password")
    assert devices.trusted_device(token, OWNER) is None
