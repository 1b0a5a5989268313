"""Device cookies (OWASP): a browser that signed in to an account keeps a sign-in allowance of
its own, so someone guessing that account's password from elsewhere cannot lock its owner out.

The cookie is a signed ``[user id, random nonce, fingerprint of the password hash]``: it names
one account, and it stops counting as trusted when the password changes. Sign-in attempts that
carry a valid cookie for the account tried are throttled per nonce; every other attempt on the
account shares one allowance. A device that keeps failing uses up its own nonce's allowance.

A module of its own, beside service.py and queries.py: it neither reads for a page nor writes,
it signs and checks cookies for the sign-in rate limit (views/auth.py), and keeps service.py
under 400 lines.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from dpse.accounts.models import User
from dpse.accounts.queries import get_user_by_email


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="dpse.device")


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"device\x00{user.password_hash}".encode()).hexdigest()[:20]


def make_device_token(user: User) -> str:
    """A new device cookie value for a browser that just proved it knows this account."""
    return _serializer().dumps([user.id, secrets.token_urlsafe(16), _fingerprint(user)])


def trusted_device(token: str | None, email: str) -> str | None:
    """The nonce of a device cookie that is valid for the account with this address, else None
    (no cookie, forged, expired, another account's, or from before a password change)."""
    if not token or len(token) > 500:
        return None
    try:
        payload = _serializer().loads(token, max_age=current_app.config["DEVICE_COOKIE_MAX_AGE"])
    except BadSignature:  # SignatureExpired included
        return None
    if not (isinstance(payload, list) and len(payload) == 3):
        return None
    user_id, nonce, fingerprint = payload
    if not isinstance(user_id, int) or not isinstance(nonce, str):
        return None
    user = get_user_by_email(email)
    if user is None or user.id != user_id or not user.active:
        return None
    if not hmac.compare_digest(str(fingerprint), _fingerprint(user)):
        return None
    return nonce
