"""Personal API tokens: a person makes one on their account page, a script sends it as
``Authorization: Bearer dpse_…``. Only a SHA-256 of the secret is stored; the secret itself is
shown once, when it is made."""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dpse import audit, mail
from dpse.accounts.models import User
from dpse.accounts.service import tell_owner
from dpse.extensions import db
from dpse.mixins import UTCDateTime, utcnow
from dpse.rules import RuleError

log = logging.getLogger(__name__)

TOKEN_PREFIX = "dpse_"  # noqa: S105 - a label, not a secret
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6  # "dpse_AbC123": enough to tell tokens apart
NAME_MAX = 100
SCOPES_MAX = 100
MAX_ACTIVE_TOKENS = 20
EXPIRY_DAYS = (30, 90, 365)
LAST_USED_GRANULARITY = timedelta(minutes=5)  # not a write on every request


class Scope(enum.StrEnum):
    """What a token may do."""

    READ = "read"
    WRITE_DRAFTS = "write:drafts"

    @property
    def label(self) -> str:
        return {
            Scope.READ: "Read (what anyone can read, counted against the token's own limit)",
            Scope.WRITE_DRAFTS: "Write drafts (create draft case studies in your name)",
        }[self]


class TokenError(RuleError):
    """A token rule was broken (see dpse.rules)."""


class ApiToken(db.Model):
    """A personal API token: its name, a hash of its secret, scopes and expiry."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256
    shown_prefix: Mapped[str] = mapped_column(String(16))  # not secret: tells tokens apart
    scopes: Mapped[str] = mapped_column(String(SCOPES_MAX))  # space-separated Scope values
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    owner: Mapped[User] = relationship()

    @property
    def scope_list(self) -> list[Scope]:
        return [Scope(s) for s in self.scopes.split()]

    def allows(self, scope: Scope) -> bool:
        return scope.value in self.scopes.split()

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.shown_prefix}… of user {self.user_id}>"


def hash_secret(secret: str) -> str:
    """The stored form of a secret: it has 190 random bits, so a fast hash is enough."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def tokens_of(user: User) -> list[ApiToken]:
    """A person's tokens that are neither revoked nor expired, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > utcnow(),
            )
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def get_token(token_id: int) -> ApiToken | None:
    return db.session.get(ApiToken, token_id)


def _scope_words(scopes: str) -> str:
    """'read write:drafts' -> 'read what anyone can read and create draft case studies'."""
    words = {
        Scope.READ.value: "read what anyone can read",
        Scope.WRITE_DRAFTS.value: "create draft case studies in your name",
    }
    return " and ".join(words[s] for s in scopes.split() if s in words)


def create_token(owner: User, name: str, scopes: list[Scope], days: int) -> tuple[ApiToken, str]:
    """A new token for ``owner``; returns it with its secret, which is never stored."""
    name = name.strip()
    if not name:
        raise TokenError("Enter a name for the token, such as the script that will use it", "name")
    if len(name) > NAME_MAX:
        raise TokenError(f"Name must be {NAME_MAX} characters or fewer", "name")
    if not scopes:
        raise TokenError("Choose what the token may do", "scopes")
    if days not in EXPIRY_DAYS:
        raise TokenError("Choose when the token expires", "expires_in")
    if len(tokens_of(owner)) >= MAX_ACTIVE_TOKENS:
        raise TokenError(
            f"You already have {MAX_ACTIVE_TOKENS} tokens: revoke one you no longer use first"
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=owner.id,
        name=name,
        secret_hash=hash_secret(secret),
        shown_prefix=secret[:SHOWN_PREFIX_LENGTH],
        scopes=" ".join(s.value for s in Scope if s in scopes),
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(owner, "create_api_token", "api_token", token.id, f"{token.name} ({token.scopes})")
    tell_owner(
        owner,
        "A personal API token was created",
        f"A personal API token named “{token.name}” was created for your account. It may "
        f"{_scope_words(token.scopes)} and expires on {token.expires_at:%-d %B %Y}.",
    )
    db.session.commit()
    mail.deliver_after_response()
    log.info("%r created by %s", token, owner)
    return token, secret


def revoke_token(user: User, token: ApiToken) -> None:
    """Revoke a token; only its owner may (views answer 404 to anyone else first)."""
    if token.user_id != user.id:
        raise PermissionError("Only the token's owner may revoke it")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(user, "revoke_api_token", "api_token", token.id, token.name)
        tell_owner(
            user,
            "A personal API token was revoked",
            f"The personal API token named “{token.name}” was revoked: it no longer works.",
        )
        db.session.commit()
        mail.deliver_after_response()
        log.info("%r revoked by %s", token, user)


def authenticate(secret: str) -> ApiToken | None:
    """The usable token with this secret (of an active account), or None; notes its use."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    digest = hash_secret(secret)
    token = db.session.scalar(select(ApiToken).where(ApiToken.secret_hash == digest))
    # The lookup is by hash, so timing tells nothing of the secret; compare anyway.
    if token is None or not hmac.compare_digest(token.secret_hash, digest):
        return None
    if not token.is_usable or not token.owner.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    return token
