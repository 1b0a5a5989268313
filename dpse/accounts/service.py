"""Account writes: create, sign in, verify, reset, profile, handles and administration
(self-service sign-up is dpse.accounts.signup, two-factor sign-in dpse.accounts.twofactor,
admins' organisation writes dpse.accounts.organisations; reads are dpse.accounts.queries).

About 450 lines: one person's account from creation to deactivation, whose steps share the
token, password and audit helpers here; the longer paths already left for the modules above.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from dpse import mail
from dpse.accounts import handles
from dpse.accounts.models import (
    BIO_MAX,
    DISPLAY_NAME_MAX,
    EMAIL_MAX,
    JOB_TITLE_MAX,
    ORGANISATION_NAME_MAX,
    PASSWORD_MAX,
    PASSWORD_MIN,
    FormerHandle,
    Organisation,
    OrganisationKind,
    User,
    new_session_token,
)
from dpse.accounts.queries import (
    get_organisation,
    get_user_by_email,
    normalise_email,
)
from dpse.accounts.roles import Role
from dpse.extensions import db
from dpse.locking import hold_write_lock
from dpse.mixins import utcnow
from dpse.permissions import can_change_role, can_manage_users
from dpse.rules import RuleError, commit_or_raise
from dpse.slugs import unique_slug
from dpse.urls import absolute_url

log = logging.getLogger(__name__)
ORGANISATION_ATTEMPTS = 3  # slug clashes with *other* names settled by trying the next slug


class AccountError(RuleError):
    """An account rule was broken (see dpse.rules)."""


def hash_password(password: str) -> str:
    """Slow salted hash (scrypt by default; the method is configurable for tests)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_rules(password: str) -> None:
    """Raise AccountError when a new password is unacceptable."""
    if len(password) < PASSWORD_MIN:
        raise AccountError(f"Password must be at least {PASSWORD_MIN} characters", "password")
    if len(password) > PASSWORD_MAX:
        raise AccountError(f"Password must be at most {PASSWORD_MAX} characters", "password")


def _check_display_name(display_name: str) -> None:
    if not display_name.strip():
        raise AccountError("Enter your name as others should see it", "display_name")
    if len(display_name) > DISPLAY_NAME_MAX:
        raise AccountError(f"Name must be {DISPLAY_NAME_MAX:,} characters or fewer", "display_name")


def create_organisation(  # noqa: PLR0913 - the columns of a new organisation
    name: str,
    kind: OrganisationKind,
    country: str = "",
    website: str = "",
    slug: str = "",
    approved: bool = True,
) -> Organisation:
    """The organisation of this name (any case), added to the session if new (the caller
    commits). People naming the same new organisation at the same moment all get one row.
    ``slug`` fixes its address (the demo content names its own); by default the name gives it.
    One typed in at registration is not ``approved``: a site admin approves it first."""
    name = name.strip()
    if not name:
        raise AccountError("Enter the organisation's name", "new_organisation")
    if len(name) > ORGANISATION_NAME_MAX:
        raise AccountError(
            f"Name must be {ORGANISATION_NAME_MAX:,} characters or fewer", "new_organisation"
        )
    hold_write_lock()  # SQLite: writers take turns, so the look-up below stays true
    for _attempt in range(ORGANISATION_ATTEMPTS):
        # The slug first: an organisation of this name committed before it was chosen is
        # found below; one committed after has taken this very slug, and the insert clashes.
        chosen = slug or unique_slug(Organisation.slug, name)
        existing = _organisation_named(name)
        if existing is not None:
            return existing
        organisation = Organisation(
            name=name,
            slug=chosen,
            kind=kind,
            country=country.strip(),
            website=website.strip(),
            approved_at=utcnow() if approved else None,
        )
        try:
            with db.session.begin_nested():  # a clash undoes only this insert
                db.session.add(organisation)
        except IntegrityError:
            # PostgreSQL: another transaction committed this slug after we looked, most
            # likely for this very name: look again (READ COMMITTED sees its row now).
            continue
        return organisation
    raise AccountError("Someone else is adding this organisation: try again", "new_organisation")


def _organisation_named(name: str) -> Organisation | None:
    return db.session.scalars(
        select(Organisation)
        .where(func.lower(Organisation.name) == name.lower())
        .order_by(Organisation.id)
        .limit(1)
    ).first()


def create_user(
    email: str,
    display_name: str,
    password: str,
    role: Role = Role.MEMBER,
    organisation: Organisation | None = None,
    verified: bool = False,
    job_title: str = "",
    bio: str = "",
    handle: str = "",
) -> User:
    """Create an account and commit; used by the CLI, seeding and tests (self-service sign-up
    is ``register``, which never says whether an address has an account). Without a handle,
    one is made from the name."""
    email = normalise_email(email)
    check_new_account(email, display_name, password)
    handle = check_handle(handle)
    if get_user_by_email(email) is not None:
        raise AccountError(ALREADY_EXISTS, "email")
    user = add_user(
        email, display_name, hash_password(password), role, organisation, verified, job_title, bio
    )
    if organisation is not None and verified:  # an admin's (or the demo's) word for it
        user.membership_verified_at = utcnow()
    user.handle = handle  # "" : one made from the name when it is inserted (handles.py)
    try:
        db.session.commit()
    except IntegrityError:  # the same address added at the same moment elsewhere
        db.session.rollback()
        raise AccountError(ALREADY_EXISTS, "email") from None
    log.info("%r created (role %s)", user, role.value)
    return user


ALREADY_EXISTS = "An account with this email address already exists: log in or reset the password"


def check_handle(handle: str, user: User | None = None) -> str:
    """The handle someone chose, normalised ("" when they left it to us); AccountError when
    it breaks a rule or looks like another person's."""
    handle = handles.normalise(handle)
    if handle and (problem := handles.problem(handle, user)):
        raise AccountError(problem, "handle")
    return handle


def change_handle(user: User, handle: str, now: datetime | None = None) -> bool:
    """Give a person a new handle (at most once in 30 days); the old one keeps redirecting to
    them and nobody else can take it. Returns False when it is the handle they have."""
    handle = check_handle(handle, user)
    if not handle or handle == user.handle:
        return False
    if (allowed := handles.can_change(user, now)) is not None:
        raise AccountError(
            f"You changed your handle recently: you can change it again from "
            f"{allowed:%-d %B %Y}",
            "handle",
        )
    old = user.handle
    former = db.session.scalar(select(FormerHandle).where(FormerHandle.handle == handle))
    if former is not None:  # taking back one of your own former handles
        db.session.delete(former)
    db.session.add(FormerHandle(handle=old, handle_key=handles.skeleton(old), user_id=user.id))
    user.handle, user.handle_changed_at = handle, now or utcnow()
    commit_or_raise(AccountError(handles.PROBLEMS["taken"], "handle"))
    log.info("%r changed their handle from %s to %s", user, old, handle)
    return True


def check_new_account(email: str, display_name: str, password: str | None) -> None:
    """Raise AccountError when what someone typed cannot make an account (any address);
    ``password`` None: an account opened only through an identity provider."""
    if "@" not in email:
        raise AccountError("Enter an email address like name@council.gov.uk", "email")
    if len(email) > EMAIL_MAX:
        raise AccountError(f"Email address must be {EMAIL_MAX:,} characters or fewer", "email")
    _check_display_name(display_name)
    if password is not None:
        check_password_rules(password)


def add_user(  # noqa: PLR0913 - the columns of a new account
    email: str,
    display_name: str,
    password_hash: str,
    role: Role,
    organisation: Organisation | None,
    verified: bool = False,
    job_title: str = "",
    bio: str = "",
) -> User:
    """A new account added to the session (the caller commits)."""
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=password_hash,
        role=role,
        organisation=organisation,
        email_verified_at=utcnow() if verified else None,
        job_title=job_title.strip(),
        bio=bio,
    )
    db.session.add(user)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account matching these credentials, or None (it is not signed in yet: a
    second factor may follow; ``record_sign_in`` marks the moment it is)."""
    user = get_user_by_email(email)
    if user is None or len(password) > PASSWORD_MAX:
        # Spend the same time as a real check so response times don't reveal accounts.
        check_password_hash(_dummy_hash(), password[:PASSWORD_MAX])
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def record_sign_in(user: User) -> None:
    """The person is signed in (password, provider, and second factor where it is on)."""
    user.last_login_at = utcnow()
    db.session.commit()
    log.info("%r logged in", user)


_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY:
        _DUMMY[method] = generate_password_hash("not a real password", method=method)
    return _DUMMY[method]


def end_all_sessions(user: User) -> None:
    """Rotate the session token: every session and remember-me cookie of the user stops working."""
    user.session_token = new_session_token()
    db.session.commit()
    log.info("%r sessions ended", user)


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change a password after checking the current one; ends all other sessions."""
    if not check_password_hash(user.password_hash, current_password[:PASSWORD_MAX]):
        raise AccountError("Your current password is not right", "current_password")
    try:
        check_password_rules(new_password)
    except AccountError as exc:
        raise AccountError(exc.message, "new_password") from None
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    db.session.commit()
    log.info("%r changed their password", user)


# Signed links. Each payload carries a fingerprint of the state the link changes, so a link
# stops working once used (the password hash or verification state moves on) or when expired.


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"dpse.{purpose}")


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:20]


def _load_token(purpose: str, token: str) -> list[object]:
    try:
        payload = _serializer(purpose).loads(token, max_age=current_app.config["TOKEN_MAX_AGE"])
    except SignatureExpired:
        raise AccountError("This link has expired. Ask for a new one.") from None
    except BadSignature:
        raise AccountError("This link is not valid. Check it was copied in full.") from None
    if not isinstance(payload, list) or len(payload) != 2:
        raise AccountError("This link is not valid. Check it was copied in full.")
    return payload


def make_verification_token(user: User) -> str:
    """Signed link payload confirming the user controls their email address."""
    return _serializer("verify").dumps([user.id, _fingerprint(user.email, "unverified")])


def send_verification_email(user: User) -> None:
    """Queue and send the 'confirm your email address' message."""
    queue_verification_email(user)
    db.session.commit()
    mail.deliver_after_response()
    log.info("Verification email queued for %r", user)


def tell_owner(user: User, subject: str, what: str) -> None:
    """Queue the email telling an account's owner that something about its security changed
    (two-factor sign-in, API tokens…), with what to do if it was not them (the caller commits)."""
    site = current_app.config["SITE_NAME"]
    mail.queue_email(
        user.email,
        f"{subject} – {site}",
        f"Hello {user.display_name},\n\n{what}\n\nIf this was not you, change your password "
        f"and tell the {site} team straight away.\n",
    )


def queue_verification_email(user: User) -> None:
    """Add the 'confirm your email address' message to the outbox (the caller commits)."""
    link = absolute_url("accounts.verify_email", token=make_verification_token(user))
    site = current_app.config["SITE_NAME"]
    mail.queue_email(
        user.email,
        f"Confirm your email address for {site}",
        f"Hello {user.display_name},\n\nConfirm your email address by opening this link:\n\n"
        f"{link}\n\nThe link works once and expires in "
        f"{current_app.config['TOKEN_MAX_AGE'] // 3600} hours. "
        "If you did not create an account, ignore this email.\n",
    )


def verify_email(token: str) -> User:
    """Mark the email in the token as verified; a used or stale link raises AccountError."""
    user_id, fingerprint = _load_token("verify", token)
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.email_verified:
        raise AccountError("This link has already been used or is no longer valid.")
    if not hmac.compare_digest(str(fingerprint), _fingerprint(user.email, "unverified")):
        raise AccountError("This link has already been used or is no longer valid.")
    user.email_verified_at = utcnow()
    org = user.organisation
    if org is not None and user.membership_verified_at is None and org.vouches_for(user.email):
        user.membership_verified_at = user.email_verified_at  # an address at its domain
    db.session.commit()
    log.info("%r verified their email", user)
    return user


def make_reset_token(user: User) -> str:
    """Signed link payload allowing one password reset."""
    return _serializer("reset").dumps([user.id, _fingerprint(user.password_hash)])


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists; say nothing either way (no enumeration).

    Sending waits until the response has gone, so both cases take about the same time."""
    user = get_user_by_email(email)
    if user is None or not user.active:
        db.session.commit()  # the same round trip as queueing the email
        log.info("Password reset asked for unknown or inactive address")
        return
    link = absolute_url("accounts.reset_password", token=make_reset_token(user))
    mail.queue_email(
        user.email,
        f"Reset your password for {current_app.config['SITE_NAME']}",
        f"Hello {user.display_name},\n\nSomeone (hopefully you) asked to reset your password. "
        f"Choose a new one here:\n\n{link}\n\nThe link works once and expires in "
        f"{current_app.config['TOKEN_MAX_AGE'] // 3600} hours. "
        "If you did not ask, ignore this email: your password stays as it is.\n",
    )
    db.session.commit()
    mail.deliver_after_response()
    log.info("Password reset link queued for %r", user)


def user_for_reset_token(token: str) -> User:
    """The account a reset link is for, if the link is still good."""
    user_id, fingerprint = _load_token("reset", token)
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active:
        raise AccountError("This link has already been used or is no longer valid.")
    if not hmac.compare_digest(str(fingerprint), _fingerprint(user.password_hash)):
        raise AccountError("This link has already been used or is no longer valid.")
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link; the link is spent and all sessions end."""
    user = user_for_reset_token(token)
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    user.session_token = new_session_token()
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # they just proved they read this mailbox
    db.session.commit()
    log.info("%r reset their password", user)
    return user


def update_profile(
    user: User, display_name: str, job_title: str, bio: str, organisation_id: int | None
) -> None:
    """Change what others see about a person."""
    _check_display_name(display_name)
    if len(job_title.strip()) > JOB_TITLE_MAX:
        raise AccountError(f"Job title must be {JOB_TITLE_MAX:,} characters or fewer", "job_title")
    if len(bio) > BIO_MAX:
        raise AccountError(f"Keep this under {BIO_MAX:,} characters", "bio")
    if organisation_id:
        organisation = get_organisation(organisation_id)
        if organisation is None:
            raise AccountError("Choose an organisation from the list", "organisation_id")
        user.organisation = organisation
    else:
        user.organisation = None
    user.display_name = display_name.strip()
    user.job_title = job_title.strip()
    user.bio = bio
    db.session.commit()
    log.info("%r updated their profile", user)


def set_role(admin: User, target: User, role: Role) -> None:
    """An admin gives someone another role (never their own)."""
    if admin.id == target.id:
        raise AccountError("You cannot change your own role", "role")
    if not can_change_role(admin, target):
        raise AccountError("Only admins can change roles", "role")
    target.role = role
    db.session.commit()
    log.info("%r given role %s by %s", target, role.value, admin)


def set_active(admin: User, target: User, active: bool) -> None:
    """Deactivate (logged out at their next request) or reactivate an account."""
    if not can_manage_users(admin):
        raise AccountError("Only admins can deactivate or reactivate accounts", "active")
    if admin.id == target.id and not active:
        raise AccountError("You cannot deactivate your own account", "active")
    target.active = active
    if not active:
        target.session_token = new_session_token()
    db.session.commit()
    log.info("%r %s by %s", target, "reactivated" if active else "deactivated", admin)
