"""Changing your email address: the current password proves it is you, the new address gets a
confirmation link (the signed-link machinery of dpse.accounts.service), the old one keeps
working until then and is told both times. Confirming re-evaluates organisation membership:
an address at the organisation's domain verifies it; a membership verified only by the old
address's domain waits for an admin again.
"""

from __future__ import annotations

import hmac
import logging

from flask import current_app
from werkzeug.security import check_password_hash

from dpse import mail
from dpse.accounts.models import EMAIL_MAX, PASSWORD_MAX, User
from dpse.accounts.queries import get_user_by_email, normalise_email
from dpse.accounts.service import AccountError, _fingerprint, _load_token, _serializer
from dpse.extensions import db
from dpse.mixins import utcnow
from dpse.rules import commit_or_raise
from dpse.urls import absolute_url

log = logging.getLogger(__name__)
IN_USE = "Another account uses this email address: choose a different one"


def _token(user: User) -> str:
    return _serializer("email-change").dumps(
        [user.id, _fingerprint(user.email, user.pending_email or "")]
    )


def request_email_change(user: User, password: str, new_email: str) -> None:
    """Check the password and the new address, then email the new address a link to confirm
    it and tell the old one. The account keeps its address until the link is opened."""
    if not check_password_hash(user.password_hash, password[:PASSWORD_MAX]):
        raise AccountError("Your current password is not right", "password")
    new_email = normalise_email(new_email)
    if "@" not in new_email or len(new_email) > EMAIL_MAX:
        raise AccountError("Enter an email address like name@council.gov.uk", "email")
    if new_email == user.email:
        raise AccountError("This is already your email address", "email")
    if get_user_by_email(new_email) is not None:
        raise AccountError(IN_USE, "email")
    user.pending_email = new_email
    site = current_app.config["SITE_NAME"]
    hours = current_app.config["TOKEN_MAX_AGE"] // 3600
    mail.queue_email(
        new_email,
        f"Confirm your new email address for {site}",
        f"Hello {user.display_name},\n\nConfirm that {site} should use this address for your "
        f"account by opening this link:\n\n"
        f"{absolute_url('accounts.confirm_email_change', token=_token(user))}\n\n"
        f"The link works once and expires in {hours} hours. Until then your account keeps "
        "its old address. If you did not ask for this, ignore this email.\n",
    )
    mail.queue_email(
        user.email,
        f"Someone asked to change the email address of your {site} account",
        f"Hello {user.display_name},\n\nSomeone signed in to your account asked to change its "
        f"email address to {new_email}. Nothing changes until the link sent there is opened.\n\n"
        "If this was not you, sign in and change your password now.\n",
    )
    db.session.commit()
    mail.deliver_after_response()
    log.info("%r asked to change their email address", user)


def confirm_email_change(token: str) -> User:
    """Make the pending address the account's, from its confirmation link."""
    user_id, fingerprint = _load_token("email-change", token)
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    used = "This link has already been used or is no longer valid."
    if user is None or not user.active or not user.pending_email:
        raise AccountError(used)
    if not hmac.compare_digest(str(fingerprint), _fingerprint(user.email, user.pending_email)):
        raise AccountError(used)
    new_email = user.pending_email
    if get_user_by_email(new_email) is not None:
        raise AccountError(IN_USE)
    old_email = user.email
    org = user.organisation
    now = utcnow()
    user.email, user.pending_email, user.email_verified_at = new_email, None, now
    if org is not None:
        if org.vouches_for(new_email):
            user.membership_verified_at = user.membership_verified_at or now
        elif org.vouches_for(old_email):
            # Only the old address's domain vouched for them: an admin decides now.
            user.membership_verified_at = None
    site = current_app.config["SITE_NAME"]
    mail.queue_email(
        old_email,
        f"The email address of your {site} account has changed",
        f"Hello {user.display_name},\n\nYour {site} account now uses {new_email}; this "
        "address no longer signs in. If you did not do this, contact the site's admins.\n",
    )
    commit_or_raise(AccountError(IN_USE))
    mail.deliver_after_response()
    log.info("%r confirmed a new email address", user)
    return user
