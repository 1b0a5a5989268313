"""A session cookie captured before logout, a password change or deactivation stops working."""

from __future__ import annotations

from flask.testing import FlaskClient

from dpse.accounts import service
from tests.conftest import PASSWORD, login, post_form


def _cookies(client: FlaskClient) -> dict[str, str]:
    return {c.key: c.value for c in client._cookies.values()}


def _replay(app, cookies: dict[str, str]) -> FlaskClient:
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value, domain="dpse.test")
    return thief


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


def test_old_session_cookie_is_dead_after_logout(app, client, users):
    login(client, "member@testshire.gov.uk", remember=True)
    stolen = _cookies(client)
    assert "dpse_session" in stolen and "dpse_remember" in stolen
    assert _signed_in(_replay(app, stolen))
    post_form(client, "/logout", {}, form_url="/account")
    assert not _signed_in(_replay(app, stolen))
    # the remember-me cookie alone must not bring the session back either
    assert not _signed_in(_replay(app, {"dpse_remember": stolen["dpse_remember"]}))


def test_old_session_cookie_is_dead_after_password_change(app, client, users):
    login(client, "member@testshire.gov.uk")
    stolen = _cookies(client)
    post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": "z" * 12, "confirm": "z" * 12},
    )
    assert _signed_in(client)
    assert not _signed_in(_replay(app, stolen))


def test_deactivated_user_is_signed_out_at_the_next_request(app, client, users):
    login(client, "member@testshire.gov.uk")
    assert _signed_in(client)
    service.set_active(users["admin"], users["member"], False)
    assert not _signed_in(client)
    service.set_active(users["admin"], users["member"], True)
    assert not _signed_in(client)  # reactivation does not revive the old session


def test_remember_me_cookie_restores_a_session(app, client, users):
    login(client, "member@testshire.gov.uk", remember=True)
    remember = _cookies(client)["dpse_remember"]
    assert _signed_in(_replay(app, {"dpse_remember": remember}))


def test_session_cookie_flags(client, users):
    response = login(client, "member@testshire.gov.uk", remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("dpse_session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session
    remember = next(c for c in cookies if c.startswith("dpse_remember="))
    assert "HttpOnly" in remember and "SameSite=Lax" in remember
