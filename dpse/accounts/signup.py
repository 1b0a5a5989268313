"""Self-service sign-up, which never tells whether an address already has an account.

A write module of its own beside service.py: the no-enumeration path (the same work and the
same answer whether or not the address is taken, and the race into the unique address) is long
enough to push service.py past 400 lines; it is built from service.py's pieces (check_new_account,
add_user, create_organisation, queue_verification_email).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.exc import IntegrityError

from dpse import mail
from dpse.accounts import handles, queries, service
from dpse.accounts.models import Organisation, OrganisationKind, User
from dpse.accounts.roles import Role
from dpse.extensions import db
from dpse.locking import hold_write_lock
from dpse.urls import absolute_url

log = logging.getLogger(__name__)
HANDLE_ATTEMPTS = 5  # sign-ups racing for the handle made from the same name


@dataclass
class Registration:
    """What a person fills in to join."""

    email: str
    display_name: str
    password: str
    organisation_id: int | None = None
    new_organisation: str = ""
    new_organisation_kind: OrganisationKind = OrganisationKind.OTHER
    handle: str = ""  # empty: one is made from the name


def register(data: Registration) -> User | None:
    """Self-service sign-up: member (or supplier for supplier organisations), email to verify.

    Whether or not the address already has an account, the same work is done (a password hash,
    one email queued, one commit) and the caller answers the same words: a new address gets
    the link to confirm it, an existing one's owner gets a note that someone tried to register
    with it. Returns the new account, or None when the address was taken.
    """
    email = queries.normalise_email(data.email)
    service.check_new_account(email, data.display_name, data.password)
    handle = service.check_handle(data.handle)  # handles are public: saying one is taken is fine
    # Hashed whether or not the address is taken: the same slow work either way, and before
    # taking SQLite's write lock so sign-ups only take turns for their few statements.
    password_hash = service.hash_password(data.password)
    for attempt in range(HANDLE_ATTEMPTS):
        # After a clash over the handle made from the name, one with a random number: many
        # sign-ups with one name at one moment would otherwise all want the same next one.
        chosen = handle or (handles.suggest(data.display_name, random=True) if attempt else "")
        user, existing = _add(data, email, password_hash, chosen)
        if user is not None:
            service.queue_verification_email(user)
            db.session.commit()
            mail.deliver_after_response()
            log.info("%r registered (role %s)", user, user.role.value)
            return user
        if existing is not None:
            break
        # Not the address: the handle was taken at this very moment. One made from the name
        # is made again (the other sign-up's is visible now); one chosen is refused.
        if handle or attempt == HANDLE_ATTEMPTS - 1:
            raise service.AccountError(handles.PROBLEMS["taken"], "handle")
    assert existing is not None
    if existing.active:
        _queue_already_registered_email(existing)
    db.session.commit()
    mail.deliver_after_response()
    log.info("Registration attempted with the address of %r", existing)
    return None


def _add(
    data: Registration, email: str, password_hash: str, handle: str
) -> tuple[User | None, User | None]:
    """Add the account (flushed, not committed): (the account, None); or (None, the account
    that already has this address); or (None, None) when the handle clashed at this moment."""
    organisation: Organisation | None = None
    if data.organisation_id:
        organisation = queries.get_organisation(data.organisation_id)
        if organisation is None or not organisation.is_approved:
            raise service.AccountError("Choose your organisation from the list", "organisation_id")
    hold_write_lock()  # SQLite: sign-ups take turns, so the look-up below stays true
    existing = queries.get_user_by_email(email)
    if existing is not None:
        return None, existing
    if organisation is None and data.new_organisation.strip():
        # Typed in: pending until a site admin approves it (no page, offered to nobody).
        organisation = service.create_organisation(
            data.new_organisation, data.new_organisation_kind, approved=False
        )
    role = Role.SUPPLIER if organisation is not None and organisation.is_supplier else Role.MEMBER
    user = service.add_user(email, data.display_name, password_hash, role, organisation)
    user.handle = handle  # "": made from the name when inserted
    try:
        db.session.flush()
    except IntegrityError:  # PostgreSQL: the same address (or handle) taken at this moment,
        db.session.rollback()  # with its organisation: the other sign-up has made its own
        return None, queries.get_user_by_email(email)
    return user, None


def _queue_already_registered_email(user: User) -> None:
    site = current_app.config["SITE_NAME"]
    mail.queue_email(
        user.email,
        f"Someone tried to register with your address on {site}",
        f"Hello {user.display_name},\n\nSomeone (perhaps you) tried to create a new account on "
        f"{site} with this email address, which already has an account. Nothing has changed.\n\n"
        f"To sign in: {absolute_url('accounts.login')}\n"
        f"Forgotten your password? Choose a new one: "
        f"{absolute_url('accounts.forgot_password')}\n\n"
        "If it was not you, you can ignore this email.\n",
    )
