"""Organisations' identity providers (OpenID Connect), through Authlib's Flask client.

Each provider named in ``OIDC_PROVIDERS`` is registered on first use from its issuer's discovery
document. Sign-in is the authorization-code flow with PKCE (S256); Authlib keeps the state, the
nonce and the code verifier in the signed session, checks the state on return, and checks the ID
token's signature, issuer, audience, expiry and nonce. This module only turns that into the few
facts the accounts code needs (:class:`Assertion`); linking and creating accounts is in
identities.py.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

EXTENSION = "dpse_oidc"
TIMEOUT_SECONDS = 10  # a provider that does not answer must not hold a worker for long
_registering = threading.Lock()


class ProviderError(Exception):
    """Sign-in at a provider did not complete; the message can be shown as it is."""


@dataclass(frozen=True)
class Provider:
    """One configured identity provider."""

    name: str
    issuer: str
    label: str


@dataclass(frozen=True)
class Assertion:
    """What a provider's ID token says about the person who signed in there."""

    provider: str
    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str


def init_app(app: Flask) -> None:
    """Give the app its client registry; each provider is registered on first use."""
    app.extensions[EXTENSION] = OAuth(app)


def providers() -> list[Provider]:
    """The providers people may sign in with, in configured order."""
    return [
        Provider(p["name"], p["issuer"], p["label"])
        for p in current_app.config.get("OIDC_PROVIDERS", ())
    ]


def get_provider(name: str) -> Provider | None:
    return next((p for p in providers() if p.name == name), None)


def _client(provider: Provider) -> Any:
    """Authlib's client for the provider, registered under a name that changes with its
    issuer and client id (so changed settings never reuse a client built from old ones)."""
    settings = next(p for p in current_app.config["OIDC_PROVIDERS"] if p["name"] == provider.name)
    fingerprint = hashlib.sha256(f"{settings['issuer']} {settings['client_id']}".encode())
    key = f"{provider.name}_{fingerprint.hexdigest()[:12]}"
    oauth = current_app.extensions[EXTENSION]
    with _registering:
        client = oauth.create_client(key)
        if client is None:
            oauth.register(
                key,
                client_id=settings["client_id"],
                client_secret=settings["client_secret"],
                server_metadata_url=settings["issuer"] + "/.well-known/openid-configuration",
                client_kwargs={
                    "scope": settings["scopes"],
                    "code_challenge_method": "S256",
                    "timeout": TIMEOUT_SECONDS,
                },
            )
            client = oauth.create_client(key)
    return client


def authorize_redirect(provider: Provider, redirect_uri: str) -> Any:
    """The redirect to the provider's sign-in page, with fresh state, nonce and PKCE challenge."""
    try:
        return _client(provider).authorize_redirect(redirect_uri)
    except (OAuthError, OSError, ValueError) as exc:  # discovery failed or returned nonsense
        current_app.logger.warning("Provider %s unreachable: %s", provider.name, exc)
        raise ProviderError(f"{provider.label} is not answering. Try again later.") from exc


def complete(provider: Provider) -> Assertion:
    """Finish a sign-in on the provider's return: check the state, swap the code for tokens,
    check the ID token, and say who signed in. Anything wrong raises ProviderError."""
    try:
        token = _client(provider).authorize_access_token()
    except OAuthError as exc:  # includes a state that is not ours (MismatchingStateError)
        current_app.logger.info("Sign-in at %s refused: %s", provider.name, exc.error)
        if exc.error == "access_denied":
            raise ProviderError(f"Sign-in at {provider.label} was cancelled.") from exc
        raise ProviderError(
            f"Sign-in at {provider.label} could not be completed. Start again from this page."
        ) from exc
    except Exception as exc:  # a bad signature, issuer, audience, nonce or an unreachable host
        current_app.logger.warning("Sign-in at %s failed: %r", provider.name, exc)
        raise ProviderError(
            f"Sign-in at {provider.label} could not be completed. Start again from this page."
        ) from exc
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        raise ProviderError(f"{provider.label} did not say who you are.")
    issuer = str(claims.get("iss") or provider.issuer)
    return Assertion(
        provider=provider.name,
        issuer=issuer,
        subject=str(claims["sub"]),
        email=str(claims.get("email") or "").strip().lower(),
        email_verified=claims.get("email_verified") is True,
        name=str(claims.get("name") or "").strip(),
    )
