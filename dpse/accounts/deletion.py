"""Deleting an account, by its owner (with their password) or by an admin on their request.

The person chooses to keep their public writing, shown as "former member", or to remove it.
Either way every personal detail goes: name, email, handle (freed for anyone to take: keeping
it reserved would keep a piece of the person), bio, job title, organisation, password hash,
two-factor secret and recovery codes, former handles, links to organisations' sign-in (OpenID
Connect identities), exports, and, in each domain (the "account.erase" extension point),
follows, notifications, saved searches, registrations and calendar feeds. The row itself
stays, emptied and marked deleted, only so that kept writing and others' records (revisions,
moderation history) still point somewhere; it is shown nowhere as a person. Rotating the
session token signs it out everywhere; the audit entry names only the account number.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, update
from werkzeug.security import check_password_hash

from dpse import audit
from dpse.accounts import export
from dpse.accounts.models import (
    PASSWORD_MAX,
    FormerHandle,
    RecoveryCode,
    User,
    UserIdentity,
    new_session_token,
)
from dpse.accounts.service import AccountError
from dpse.accounts.tokens import ApiToken
from dpse.extensions import db
from dpse.locking import lock_row
from dpse.mail import OutboxEmail
from dpse.mixins import utcnow
from dpse.permissions import can_manage_users
from dpse.registry import providers

log = logging.getLogger(__name__)
ERASE = "account.erase"  # provide(app, ERASE, fn(user, remove: bool)): forget them (no commit)
FORMER_MEMBER = "Former member"


def delete_own_account(user: User, password: str, remove_content: bool) -> None:
    """The person deletes their own account after typing their password."""
    if not check_password_hash(user.password_hash, password[:PASSWORD_MAX]):
        raise AccountError("Your password is not right", "password")
    _erase(user, remove_content)
    audit.record(user, "delete_account", "user", user.id, "Account deleted by its owner")
    db.session.commit()
    log.info("Account %s deleted by its owner", user.id)


def delete_account_on_request(admin: User, target: User, remove_content: bool) -> None:
    """An admin deletes someone's account because they asked for it."""
    if not can_manage_users(admin):
        raise AccountError("Only admins can delete other people's accounts")
    if admin.id == target.id:
        raise AccountError("Delete your own account from your account page")
    if target.is_deleted:
        raise AccountError("This account has already been deleted")
    _erase(target, remove_content)
    audit.record(
        admin, "delete_account", "user", target.id, "Account deleted by an admin on request"
    )
    db.session.commit()
    log.info("Account %s deleted by %s on request", target.id, admin)


def delete_unconfirmed(user: User) -> None:
    """Retention: an account never confirmed is deleted with everything it did (no commit)."""
    _erase(user, remove_content=True)
    user_id = user.id
    audit_detail = "Account deleted: its email address was never confirmed"
    db.session.add(
        audit.AuditLog(
            actor_id=None,
            action="delete_account",
            target_type="user",
            target_id=user_id,
            detail=audit_detail,
        )
    )


def _erase(user: User, remove_content: bool) -> None:
    lock_row(User.id, user.id)
    db.session.refresh(user)
    if user.is_deleted:
        raise AccountError("This account has already been deleted")
    for erase in providers(ERASE):
        erase(user, remove_content)
    export.remove_files(user)
    for model in (FormerHandle, RecoveryCode, UserIdentity, ApiToken, export.DataExport):
        db.session.execute(delete(model).where(model.user_id == user.id))
    marker = f"deleted-{user.id}"
    _forget_emails(user, f"{marker}@deleted.invalid")
    user.deleted_at = utcnow()
    user.active = False
    user.display_name = FORMER_MEMBER
    # Not a possible address or handle (handles are a-z, 0-9 and "-"), so nobody's clashes.
    user.email = f"{marker}@deleted.invalid"
    user.pending_email = None
    user.handle = user.handle_key = f"_{marker}"
    user.password_hash = "!"  # noqa: S105 - not a password: a hash no password matches
    user.session_token = new_session_token()  # every session and remember-me cookie ends
    user.totp_secret = user.totp_enabled_at = None
    user.bio = user.job_title = ""
    user.organisation_id = user.membership_verified_at = None
    user.email_verified_at = user.last_login_at = user.handle_changed_at = None


def _forget_emails(user: User, replacement: str) -> None:
    """Mail to the person's addresses: what waits is never sent; what was sent keeps only the
    record that a message went (subject and time), under the emptied account's address."""
    addresses = [a for a in (user.email, user.pending_email) if a]
    db.session.execute(
        delete(OutboxEmail).where(
            OutboxEmail.recipient.in_(addresses), OutboxEmail.sent_at.is_(None)
        )
    )
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.recipient.in_(addresses))
        .values(recipient=replacement, body="(Deleted with the account.)")
    )
