"""Signing in with an organisation's identity provider, against a real OpenID Connect provider
(oidc-provider-mock, serving HTTP on loopback in a thread): the authorization-code flow with
PKCE, state and nonce, linking by a verified address, new accounts, and what is refused."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from flask.testing import FlaskClient
from oidc_provider_mock import run_server_in_thread
from sqlalchemy import func, select

from dpse.accounts import service as accounts
from dpse.accounts.models import OrganisationKind, User, UserIdentity
from dpse.accounts.roles import Role
from dpse.config import ConfigError, _oidc_providers
from dpse.extensions import db
from tests.accounts.test_twofactor import turned_on
from tests.conftest import PASSWORD, csrf_token

LABEL = "Northvale Entra ID"


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    """A real OpenID Connect provider that insists on a nonce."""
    with run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def provider(app, issuer: str) -> str:
    """The exchange configured to trust it (the setting is restored after the test)."""
    app.config["OIDC_PROVIDERS"] = (
        {
            "name": "northvale",
            "issuer": issuer,
            "client_id": "dpse-test",
            "client_secret": "not-so-secret",
            "label": LABEL,
            "scopes": "openid email profile",
        },
    )
    return issuer


def person_at_provider(issuer: str, sub: str, **claims: object) -> None:
    """Who the provider says ``sub`` is."""
    response = httpx.put(f"{issuer}/users/{sub}", json=claims)
    assert response.status_code == 204


def start(client: FlaskClient, next_path: str = "") -> str:
    """Press the provider's button on the sign-in page: the provider's authorization URL."""
    token = csrf_token(client, "/login")
    url = "/login/with/northvale" + (f"?next={next_path}" if next_path else "")
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def consent(authorization_url: str, sub: str) -> str:
    """The person signs in at the provider, which sends them back: the return URL."""
    response = httpx.post(authorization_url, data={"sub": sub})
    assert response.status_code == 302, response.text
    return response.headers["location"]


def come_back(client: FlaskClient, return_url: str):
    parts = urlsplit(return_url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in_with_provider(client: FlaskClient, sub: str):
    return come_back(client, consent(start(client), sub))


def signed_in_as(client: FlaskClient) -> str | None:
    """The email on the account page, or None when the client is not signed in."""
    response = client.get("/account")
    if response.status_code != 200:
        return None
    return response.get_data(as_text=True)


def test_the_sign_in_page_offers_each_configured_provider(client, app, provider):
    page = client.get("/login").get_data(as_text=True)
    assert f"Sign in with {LABEL}" in page
    assert 'action="/login/with/northvale"' in page
    app.config["OIDC_PROVIDERS"] = ()
    assert "Sign in with" not in client.get("/login").get_data(as_text=True)
    token = csrf_token(client, "/login")
    assert client.post("/login/with/northvale", data={"csrf_token": token}).status_code == 404


def test_the_authorization_request_carries_state_nonce_and_a_pkce_challenge(client, provider):
    url = start(client)
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == provider
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == "dpse-test"
    assert set(query["scope"].split()) >= {"openid", "email"}
    assert query["redirect_uri"] == "http://dpse.test/login/with/northvale/return"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43  # base64url of a SHA-256
    assert len(query["state"]) >= 20 and len(query["nonce"]) >= 16
    # A second attempt gets fresh values: nothing to replay.
    again = {k: v[0] for k, v in parse_qs(urlsplit(start(client)).query).items()}
    assert again["state"] != query["state"] and again["nonce"] != query["nonce"]


def test_starting_needs_the_pages_csrf_token(client, provider):
    response = client.post("/login/with/northvale", data={})
    assert response.status_code >= 400
    assert not response.headers.get("Location", "").startswith(provider)


def test_a_verified_address_links_to_the_account_that_confirmed_it(client, users, provider):
    person_at_provider(provider, "entra-1", email="Member@Testshire.gov.uk", email_verified=True)
    response = sign_in_with_provider(client, "entra-1")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "member@testshire.gov.uk" in (signed_in_as(client) or "")
    db.session.refresh(users["member"])
    assert users["member"].last_login_at is not None
    identity = db.session.scalars(select(UserIdentity)).one()
    assert identity.user_id == users["member"].id
    assert identity.last_used_at is not None
    assert (identity.issuer, identity.subject) == (provider, "entra-1")
    assert LABEL in client.get("/account").get_data(as_text=True)  # listed on the account page

    # Later sign-ins follow the link, even after the provider's address changes.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert signed_in_as(client) is None
    person_at_provider(provider, "entra-1", email="m.member@elsewhere.example", email_verified=True)
    sign_in_with_provider(client, "entra-1")
    assert "member@testshire.gov.uk" in (signed_in_as(client) or "")
    assert db.session.scalar(select(func.count()).select_from(User)) == len(users)


def test_an_address_the_provider_has_not_verified_is_refused(client, users, provider):
    person_at_provider(provider, "entra-2", email="member@testshire.gov.uk", email_verified=False)
    response = sign_in_with_provider(client, "entra-2")
    assert response.headers["Location"].endswith("/login")
    page = client.get("/login").get_data(as_text=True)
    assert "did not confirm your email address" in page
    assert signed_in_as(client) is None
    assert db.session.scalar(select(func.count()).select_from(UserIdentity)) == 0

    # Nor does an address with no account here make one.
    person_at_provider(provider, "entra-3", email="nobody@example.org")  # email_verified absent
    sign_in_with_provider(client, "entra-3")
    assert signed_in_as(client) is None
    assert accounts.get_user_by_email("nobody@example.org") is None


def test_an_account_that_never_confirmed_its_address_is_not_linked(client, organisations, provider):
    squatter = accounts.create_user(
        "victim@testshire.gov.uk", "Someone Else", PASSWORD, Role.MEMBER, organisations["council"]
    )
    person_at_provider(provider, "entra-4", email="victim@testshire.gov.uk", email_verified=True)
    sign_in_with_provider(client, "entra-4")
    assert "has not confirmed it yet" in client.get("/login").get_data(as_text=True)
    assert signed_in_as(client) is None
    assert db.session.scalar(select(func.count()).select_from(UserIdentity)) == 0
    assert squatter.email_verified_at is None


def test_someone_new_chooses_a_handle_and_joins_the_organisation_of_their_domain(client, provider):
    northvale = accounts.create_organisation("Northvale County Council", OrganisationKind.COUNCIL)
    northvale.domains = "northvale.gov.uk"
    db.session.commit()
    person_at_provider(
        provider,
        "entra-5",
        email="nia@digital.northvale.gov.uk",
        email_verified=True,
        name="Nia Newcomer",
    )
    response = sign_in_with_provider(client, "entra-5")
    assert response.headers["Location"] == "/login/with/new-account"
    form = client.get("/login/with/new-account").get_data(as_text=True)
    assert "nia@digital.northvale.gov.uk" in form and 'value="Nia Newcomer"' in form
    assert "Northvale County Council" in form and "verified member" in form
    assert signed_in_as(client) is None  # no account until they choose

    token = csrf_token(client, "/login/with/new-account")
    response = client.post(
        "/login/with/new-account",
        data={"csrf_token": token, "display_name": "Nia N.", "handle": "nia-n"},
    )
    assert response.status_code == 302
    user = accounts.get_user_by_email("nia@digital.northvale.gov.uk")
    assert user is not None and user.handle == "nia-n" and user.display_name == "Nia N."
    assert user.email_verified_at is not None
    assert user.organisation_id == northvale.id and user.membership_verified_at is not None
    assert user.role == Role.MEMBER
    assert accounts.authenticate(user.email, "") is None  # no password until they choose one
    assert "nia@digital.northvale.gov.uk" in (signed_in_as(client) or "")
    identity = db.session.scalars(select(UserIdentity)).one()
    assert (identity.user_id, identity.subject) == (user.id, "entra-5")


def test_the_new_account_form_keeps_what_was_typed_when_a_handle_is_refused(
    client, users, organisations, provider
):
    person_at_provider(provider, "entra-6", email="sam@example.org", email_verified=True)
    sign_in_with_provider(client, "entra-6")
    token = csrf_token(client, "/login/with/new-account")
    page = client.post(
        "/login/with/new-account",
        data={"csrf_token": token, "display_name": "Sam Supplier", "handle": "admin"},
    ).get_data(as_text=True)
    assert 'value="Sam Supplier"' in page and "There is a problem" in page
    # No organisation names this domain: they choose one (a typed-in one waits for approval).
    assert "Choose your organisation" in page
    response = client.post(
        "/login/with/new-account",
        data={
            "csrf_token": token,
            "display_name": "Sam Supplier",
            "handle": "sam-supplies",
            "organisation_id": str(organisations["supplier"].id),
        },
    )
    assert response.status_code == 302
    user = accounts.get_user_by_email("sam@example.org")
    assert user is not None and user.role == Role.SUPPLIER
    assert user.membership_verified_at is None  # example.org is not one of Acme's domains


def test_a_tampered_or_replayed_state_is_refused(client, users, provider):
    person_at_provider(provider, "entra-7", email="member@testshire.gov.uk", email_verified=True)
    return_url = consent(start(client), "entra-7")
    parts = urlsplit(return_url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert set(query) >= {"code", "state"}
    tampered = urlunsplit(parts._replace(query=urlencode({**query, "state": "forged-state"})))
    response = come_back(client, tampered)
    assert response.headers["Location"].endswith("/login")
    assert "could not be completed" in client.get("/login").get_data(as_text=True)
    assert signed_in_as(client) is None

    # Another browser cannot use this one's return address either (its session has no state).
    other = client.application.test_client()
    come_back(other, return_url)
    assert signed_in_as(other) is None
    assert db.session.scalar(select(func.count()).select_from(UserIdentity)) == 0

    # The untampered return works once, and only once.
    come_back(client, return_url)
    assert "member@testshire.gov.uk" in (signed_in_as(client) or "")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    come_back(client, return_url)
    assert signed_in_as(client) is None


def test_cancelling_at_the_provider_says_so(client, provider):
    response = httpx.post(start(client), data={"action": "deny"})
    come_back(client, response.headers["location"])
    assert "was cancelled" in client.get("/login").get_data(as_text=True)
    assert signed_in_as(client) is None


def test_a_deactivated_account_stays_shut(client, users, provider):
    person_at_provider(provider, "entra-8", email="member@testshire.gov.uk", email_verified=True)
    sign_in_with_provider(client, "entra-8")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    users["member"].active = False
    db.session.commit()
    sign_in_with_provider(client, "entra-8")
    assert "deactivated" in client.get("/login").get_data(as_text=True)
    assert signed_in_as(client) is None


def test_two_factor_is_still_asked_for_after_the_provider(client, users, provider):
    turned_on(users["moderator"])
    person_at_provider(provider, "entra-9", email="moderator@testshire.gov.uk", email_verified=True)
    response = sign_in_with_provider(client, "entra-9")
    assert response.headers["Location"] == "/login/two-factor"
    assert signed_in_as(client) is None


def test_an_unreachable_provider_gives_a_clear_message(client, app):
    app.config["OIDC_PROVIDERS"] = (
        {
            "name": "northvale",
            "issuer": "http://127.0.0.1:9",  # the discard port: nothing listens
            "client_id": "x",
            "client_secret": "y",
            "label": LABEL,
            "scopes": "openid email",
        },
    )
    token = csrf_token(client, "/login")
    response = client.post("/login/with/northvale", data={"csrf_token": token})
    assert response.headers["Location"].endswith("/login")
    assert f"{LABEL} is not answering" in client.get("/login").get_data(as_text=True)


def provider_env(name: str, **settings: str) -> dict[str, str]:
    """The environment variables DPSE_OIDC_<NAME>_<SETTING> for one provider."""
    return {f"DPSE_OIDC_{name.upper()}_{key.upper()}": value for key, value in settings.items()}


def test_provider_settings_are_read_from_the_environment():
    entra = provider_env(
        "entra",
        issuer="https://login.microsoftonline.com/tenant/v2.0/",
        client_id="abc",
        client_secret="shh",
        label="Microsoft Entra ID",
    )
    google = provider_env(
        "google", issuer="https://accounts.google.com", client_id="def", client_secret="psst"
    )
    env = {"DPSE_OIDC_PROVIDERS": "entra, google", **entra, **google}
    first, second = _oidc_providers(env)
    assert first["issuer"] == "https://login.microsoftonline.com/tenant/v2.0"
    assert first["label"] == "Microsoft Entra ID" and second["label"] == "Google"
    assert second["scopes"] == "openid email profile"
    del env[next(k for k in google if k.endswith("SECRET"))]
    with pytest.raises(ConfigError, match="GOOGLE_CLIENT_SECRET must be set"):
        _oidc_providers(env)
    plain = {**entra, **provider_env("entra", issuer="http://idp.example")}
    with pytest.raises(ConfigError, match="https"):
        _oidc_providers({"DPSE_OIDC_PROVIDERS": "entra", **plain})
    with pytest.raises(ConfigError, match="names must be"):
        _oidc_providers({"DPSE_OIDC_PROVIDERS": "bad name"})
    assert _oidc_providers({}) == ()


def test_an_account_without_a_password_is_told_how_to_choose_one(client, provider):
    person_at_provider(provider, "entra-11", email="pat@example.org", email_verified=True)
    sign_in_with_provider(client, "entra-11")
    token = csrf_token(client, "/login/with/new-account")
    client.post(
        "/login/with/new-account",
        data={
            "csrf_token": token,
            "display_name": "Pat Provider",
            "new_organisation": "Pat's Council",
        },
    )
    assert accounts.get_user_by_email("pat@example.org").has_password is False
    for page in ("/account/delete", "/account/email", "/account/password"):
        html = client.get(page).get_data(as_text=True)
        assert "have no password here yet" in html, page
        assert "/forgot-password" in html
