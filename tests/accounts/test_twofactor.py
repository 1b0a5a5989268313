"""Two-factor sign-in: codes from a real TOTP generator (pyotp), single-use recovery codes,
refused and rate-limited guesses, the emails, and staff sent to set it up first."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from dpse.accounts import twofactor
from dpse.accounts.models import RECOVERY_CODES, RecoveryCode, User
from dpse.accounts.service import AccountError
from dpse.accounts.views.auth import SECOND_STEP_KEY
from dpse.config import load_config
from dpse.extensions import db, limiter
from dpse.mail import OutboxEmail
from tests.conftest import PASSWORD, csrf_token, login, post_form

MEMBER = "member@testshire.gov.uk"
KEY_RE = re.compile(r'<code id="two-factor-key">([A-Z2-7 ]+)</code>')


def code(secret: str, steps_from_now: int = 0) -> str:
    """What the person's authenticator app shows, ``steps_from_now`` steps of 30 s away."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_from_now)


def turned_on(user: User) -> list[str]:
    """Two-factor sign-in on for the account, as the setup page does it; its recovery codes."""
    secret = twofactor.start_setup(user)
    return twofactor.enable(user, code(secret))


def emails_to(address: str) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.recipient == address).order_by(OutboxEmail.id)
        )
    )


def signed_in(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


@pytest.fixture
def staff_rule(app: Flask) -> None:
    """The staff requirement as outside the test settings (the conftest restores it)."""
    app.config["TWO_FACTOR_FOR_STAFF"] = True


# The pieces


def test_secret_uri_and_qr_code(app, users):
    secret = twofactor.new_secret()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    uri = twofactor.provisioning_uri(users["member"], secret)
    assert uri.startswith("otpauth://totp/")
    assert f"secret={secret}" in uri
    assert "issuer=Public%20Sector%20Exchange" in uri
    svg = str(twofactor.qr_svg(uri))
    assert svg.startswith('<svg role="img" ')
    assert "<title>QR code for your authenticator app" in svg
    assert "href" not in svg and "http" not in svg  # nothing fetched from anywhere
    assert twofactor.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"


def test_the_staff_rule_is_on_outside_the_test_settings(app, tmp_path):
    def staff_rule(**env: str) -> bool:
        return load_config({"DPSE_INSTANCE_PATH": str(tmp_path), **env})["TWO_FACTOR_FOR_STAFF"]

    assert staff_rule(DPSE_ENV="development") is True
    assert staff_rule(DPSE_ENV="development", DPSE_TWO_FACTOR_FOR_STAFF="0") is False
    production = {"DPSE_SECRET_KEY": "k" * 40, "DPSE_BASE_URL": "https://exchange.example.org"}
    assert staff_rule(DPSE_ENV="production", DPSE_TWO_FACTOR_FOR_STAFF="0", **production) is True
    assert app.config["TWO_FACTOR_FOR_STAFF"] is False  # the suite's staff accounts


def test_setup_keeps_its_secret_until_a_right_code_turns_it_on(app, users):
    user = users["member"]
    secret = twofactor.start_setup(user)
    assert twofactor.start_setup(user) == secret  # reloading the page shows the same QR code
    assert not twofactor.is_enabled(user)
    with pytest.raises(AccountError) as refused:
        twofactor.enable(user, "000000" if code(secret) != "000000" else "111111")
    assert refused.value.field == "code"
    with pytest.raises(AccountError):
        twofactor.enable(user, code(secret, steps_from_now=3))  # a code from 90 s on
    assert not twofactor.is_enabled(user)

    codes = twofactor.enable(user, code(secret, steps_from_now=-1))  # a slow typist's code
    assert twofactor.is_enabled(user)
    assert len(codes) == len(set(codes)) == RECOVERY_CODES
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}", c) for c in codes)
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == RECOVERY_CODES
    assert not {c.replace("-", "") for c in codes} & set(stored)  # only hashes are kept
    assert all(h.startswith("pbkdf2:sha256:1000$") for h in stored)  # the passwords' method
    with pytest.raises(AccountError):
        twofactor.start_setup(user)
    assert [m.subject for m in emails_to(MEMBER)] == [
        "Two-factor sign-in is on – Public Sector Exchange"
    ]


def test_a_code_works_once(app, users):
    limiter.enabled = True  # the used time-steps are kept in the limiter's storage
    user = users["member"]
    secret = twofactor.start_setup(user)
    now = code(secret)
    twofactor.enable(user, now)
    assert not twofactor.check_sign_in_code(user, now)  # seen by the setup already
    following = code(secret, steps_from_now=1)
    assert twofactor.check_sign_in_code(user, following)
    assert not twofactor.check_sign_in_code(user, following)


def test_codes_in_other_shapes_are_refused(app, users):
    user = users["member"]
    turned_on(user)
    for wrong in ("", "12345", "1234567", "abcdef", "١٢٣٤٥٦", "12 34 5"):
        assert not twofactor.check_sign_in_code(user, wrong)
    assert not twofactor.use_recovery_code(user, "not-a-code")


def test_a_recovery_code_works_once_and_the_owner_hears_of_it(app, users):
    user = users["member"]
    codes = turned_on(user)
    assert twofactor.use_recovery_code(user, codes[3].upper().replace("-", " "))
    assert not twofactor.use_recovery_code(user, codes[3])
    assert twofactor.recovery_codes_left(user) == RECOVERY_CODES - 1
    assert emails_to(MEMBER)[-1].subject.startswith("A recovery code was used")
    assert "9 unused codes left" in emails_to(MEMBER)[-1].body


def test_new_recovery_codes_need_a_current_code_and_replace_the_old(app, users):
    user = users["member"]
    old = turned_on(user)
    secret = user.totp_secret
    with pytest.raises(AccountError):
        twofactor.regenerate_recovery_codes(user, "12345x")
    new = twofactor.regenerate_recovery_codes(user, code(secret, steps_from_now=1))
    assert not set(old) & set(new)
    assert not twofactor.use_recovery_code(user, old[0])
    assert twofactor.use_recovery_code(user, new[0])
    assert emails_to(MEMBER)[1].subject.startswith("New recovery codes")


def test_turning_it_off_needs_the_password(app, users):
    user = users["member"]
    codes = turned_on(user)
    with pytest.raises(AccountError) as refused:
        twofactor.disable(user, "not my password at all")
    assert refused.value.field == "password"
    assert twofactor.is_enabled(user)
    twofactor.disable(user, PASSWORD)
    assert not twofactor.is_enabled(user) and user.totp_secret is None
    assert db.session.scalars(select(RecoveryCode)).all() == []
    assert not twofactor.use_recovery_code(user, codes[0])
    assert emails_to(MEMBER)[-1].subject.startswith("Two-factor sign-in is off")


# Signing in


def _second_step(client: FlaskClient, path: str, data: dict[str, str]):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def test_sign_in_asks_for_a_code_after_the_password(client, users):
    user = users["member"]
    turned_on(user)
    response = login(client, MEMBER)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login/two-factor")
    assert not signed_in(client)  # the password alone signs nobody in
    db.session.refresh(user)
    assert user.last_login_at is None  # nor is it recorded as a sign-in

    page = client.get("/login/two-factor").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    wrong = _second_step(client, "/login/two-factor", {"code": "000000"})
    if code(user.totp_secret) != "000000":
        assert wrong.status_code == 400
        assert "The code is not right" in wrong.get_data(as_text=True)
    response = _second_step(client, "/login/two-factor", {"code": code(user.totp_secret, 1)})
    assert response.status_code == 302
    assert signed_in(client)
    db.session.refresh(user)
    assert user.last_login_at is not None
    with client.session_transaction() as session:
        assert SECOND_STEP_KEY not in session


def test_sign_in_keeps_next_and_remember(client, users):
    user = users["member"]
    turned_on(user)
    post_form(
        client,
        "/login?next=/events",
        {"email": MEMBER, "password": PASSWORD, "remember": "y"},
    )
    response = _second_step(client, "/login/two-factor", {"code": code(user.totp_secret, 1)})
    assert response.headers["Location"] == "/events"
    assert client.get_cookie("dpse_remember", domain="dpse.test") is not None


def test_sign_in_with_a_recovery_code_works_once(app, users):
    user = users["member"]
    codes = turned_on(user)
    first = app.test_client()
    login(first, MEMBER)
    response = _second_step(first, "/login/recovery-code", {"recovery_code": codes[0]})
    assert response.status_code == 302 and signed_in(first)

    second = app.test_client()
    login(second, MEMBER)
    response = _second_step(second, "/login/recovery-code", {"recovery_code": codes[0]})
    assert response.status_code == 400
    assert "not one of your unused recovery codes" in response.get_data(as_text=True)
    assert not signed_in(second)


def test_the_second_step_needs_a_fresh_right_password(client, users):
    user = users["member"]
    turned_on(user)
    assert client.get("/login/two-factor").headers["Location"].endswith("/login")
    login(client, MEMBER)
    with client.session_transaction() as session:
        held = session[SECOND_STEP_KEY]
        session[SECOND_STEP_KEY] = {**held, "at": held["at"] - 301}  # five minutes went by
    token = csrf_token(client, "/login")
    response = client.post(
        "/login/two-factor", data={"csrf_token": token, "code": code(user.totp_secret, 1)}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not signed_in(client)


def test_wrong_codes_are_rate_limited_per_account(app, client, users):
    limiter.enabled = True
    user = users["member"]
    turned_on(user)
    login(client, MEMBER)
    wrong = "999999" if code(user.totp_secret) != "999999" else "888888"
    statuses = [
        _second_step(client, "/login/two-factor", {"code": wrong}).status_code for _ in range(5)
    ]
    assert statuses == [400] * 5
    # The allowance is the account's: a recovery code or another browser gets no more guesses.
    assert _second_step(client, "/login/recovery-code", {"recovery_code": "x"}).status_code == 429
    elsewhere = app.test_client()
    login(elsewhere, MEMBER)
    right = _second_step(elsewhere, "/login/two-factor", {"code": code(user.totp_secret, 1)})
    assert right.status_code == 429
    assert not signed_in(elsewhere)


def test_accounts_without_it_sign_in_with_the_password(client, users):
    assert login(client, MEMBER).headers["Location"] in ("/", "http://dpse.test/")
    assert signed_in(client)


# The account pages


def test_set_up_from_the_account_page(client, users):
    login(client, MEMBER)
    assert "Set up two-factor sign-in" in client.get("/account").get_data(as_text=True)
    response = client.get("/account/two-factor/setup")
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert '<svg role="img"' in page and "<title>QR code" in page
    secret = KEY_RE.search(page).group(1).replace(" ", "")
    assert 'autocomplete="one-time-code"' in page

    wrong = post_form(client, "/account/two-factor/setup", {"code": "12345"})
    assert wrong.status_code == 400
    assert "There is a problem" in wrong.get_data(as_text=True)

    done = post_form(client, "/account/two-factor/setup", {"code": code(secret)})
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    shown = re.findall(r"<li><code>([a-z2-9]{4}-[a-z2-9]{4})</code></li>", done.get_data(True))
    assert len(shown) == RECOVERY_CODES
    account = client.get("/account").get_data(as_text=True)
    assert "Turn off two-factor sign-in" in account and "Make new recovery codes" in account
    assert client.get("/account/two-factor/setup").status_code == 302  # already on


def test_turn_off_from_the_account_page_needs_the_password(client, users):
    turned_on(users["member"])
    client_login_with_recovery(client, users["member"])
    wrong = post_form(client, "/account/two-factor/disable", {"password": "wrong password!!"})
    assert wrong.status_code == 400
    assert "Your password is not right" in wrong.get_data(as_text=True)
    right = post_form(client, "/account/two-factor/disable", {"password": PASSWORD})
    assert right.status_code == 302
    assert not twofactor.is_enabled(db.session.get(User, users["member"].id))
    subjects = [m.subject.split(" – ")[0] for m in emails_to(MEMBER)]
    assert subjects == [
        "Two-factor sign-in is on",
        "A recovery code was used",
        "Two-factor sign-in is off",
    ]


def test_new_recovery_codes_from_the_account_page(client, users):
    user = users["member"]
    turned_on(user)
    client_login_with_recovery(client, user)
    assert "You have 9 unused recovery codes" in client.get(
        "/account/two-factor/recovery-codes"
    ).get_data(as_text=True)
    wrong = post_form(client, "/account/two-factor/recovery-codes", {"code": "abcdef"})
    assert wrong.status_code == 400
    done = post_form(
        client, "/account/two-factor/recovery-codes", {"code": code(user.totp_secret, 1)}
    )
    assert done.status_code == 200
    assert twofactor.recovery_codes_left(user) == RECOVERY_CODES


def client_login_with_recovery(client: FlaskClient, user: User) -> None:
    """Sign in through both steps with a fresh recovery code (no time-step spent)."""
    codes = twofactor.regenerate_recovery_codes(user, code(user.totp_secret, -1))
    db.session.execute(db.delete(OutboxEmail).where(OutboxEmail.subject.like("New recovery%")))
    db.session.commit()
    login(client, user.email)
    assert _second_step(client, "/login/recovery-code", {"recovery_code": codes[0]}).status_code
    assert signed_in(client)


# Moderators and admins


@pytest.mark.parametrize(
    ("role", "page"), [("moderator", "/moderation"), ("admin", "/admin/users"), ("admin", "/")]
)
def test_staff_set_it_up_before_any_other_page_opens(client, users, staff_rule, role, page):
    login(client, f"{role}@testshire.gov.uk")
    response = client.get(page)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/account/two-factor/setup?next={page}"


def test_staff_page_opens_once_it_is_set_up(client, users, staff_rule):
    login(client, "moderator@testshire.gov.uk")
    assert client.get("/moderation").status_code == 302
    setup = client.get("/account/two-factor/setup?next=/moderation").get_data(as_text=True)
    assert "Moderators and admins sign in with a code" in setup
    secret = KEY_RE.search(setup).group(1).replace(" ", "")
    done = post_form(client, "/account/two-factor/setup?next=/moderation", {"code": code(secret)})
    assert 'href="/moderation"' in done.get_data(as_text=True)  # the continue button
    assert client.get("/moderation").status_code == 200


def test_staff_may_still_sign_out_and_members_are_not_asked(client, users, staff_rule):
    login(client, "moderator@testshire.gov.uk")
    stylesheet = client.get("/static/css/dpse.css")
    stylesheet.close()
    assert stylesheet.status_code == 200
    post_form(client, "/logout", {}, form_url="/account/two-factor/setup")
    assert not signed_in(client)
    login(client, MEMBER)
    assert client.get("/").status_code == 200
    assert client.get("/moderation").status_code == 403
