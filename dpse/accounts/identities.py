"""Signing in with an organisation's identity provider: which account an assertion opens, and
the account made for someone new.

The rules, in order:

1. A provider identity (issuer and subject) already linked opens its account.
2. Otherwise an email address the provider says it has *verified* links to the account that has
   *confirmed* the same address, and opens it. An account whose address was never confirmed is
   not linked: whoever registered it may not own the address, and would keep its password.
3. Otherwise someone with a verified address and no account here gets a new one (they choose
   a name and handle first). An address the provider has not verified opens nothing and makes
   nothing, and the answer does not say whether an account uses it.

A verified provider address counts for organisation membership as a confirmed one does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from dpse.accounts import queries, service
from dpse.accounts.models import Organisation, OrganisationKind, User, UserIdentity
from dpse.accounts.oidc import Assertion
from dpse.accounts.roles import Role
from dpse.extensions import db
from dpse.locking import hold_write_lock
from dpse.mixins import utcnow
from dpse.rules import commit_or_raise

log = logging.getLogger(__name__)

# Never a valid werkzeug hash ("method$salt$hash"): the account has no password until its owner
# chooses one through "Forgotten your password?".
UNUSABLE_HASH = "!provider"


class IdentityError(service.AccountError):
    """The provider's assertion cannot open or make an account; the message says why."""


@dataclass(frozen=True)
class NewPerson:
    """Someone the provider vouches for who has no account here yet."""

    assertion: Assertion
    organisation: Organisation | None  # the approved organisation their address's domain names


def linked_user(assertion: Assertion) -> User | None:
    """The account this provider identity is linked to."""
    return db.session.scalar(
        select(User)
        .join(UserIdentity, UserIdentity.user_id == User.id)
        .where(UserIdentity.issuer == assertion.issuer, UserIdentity.subject == assertion.subject)
    )


def resolve(assertion: Assertion, provider_label: str) -> User | NewPerson:
    """The account the assertion opens (linking it first when rule 2 applies), or the person
    to make one for; IdentityError when neither may happen."""
    user = linked_user(assertion)
    if user is None:
        if not assertion.email_verified or "@" not in assertion.email:
            raise IdentityError(
                f"{provider_label} did not confirm your email address, so it cannot sign you in "
                "here. Sign in with your password, or ask your organisation's IT team to "
                "confirm your address at their end."
            )
        user = queries.get_user_by_email(assertion.email)
        if user is None:
            return NewPerson(assertion, organisation_vouching_for(assertion.email))
        if user.email_verified_at is None:
            raise IdentityError(
                f"An account here uses {assertion.email} but has not confirmed it yet. Confirm "
                "it with the link we emailed (or choose a new password through “Forgotten your "
                f"password?”), then sign in with {provider_label} again."
            )
        _link(user, assertion)
        log.info("%r linked to a provider identity at %s", user, assertion.issuer)
    if not user.active:
        raise IdentityError("This account is deactivated.")
    _touch(user, assertion)
    commit_or_raise(IdentityError("Something changed while you signed in. Try again."))
    return user


def _link(user: User, assertion: Assertion) -> None:
    db.session.add(
        UserIdentity(
            user_id=user.id,
            provider=assertion.provider,
            issuer=assertion.issuer,
            subject=assertion.subject,
        )
    )


def _touch(user: User, assertion: Assertion) -> None:
    """Record the sign-in; the verified address can make the person a verified member."""
    now = utcnow()
    db.session.execute(
        UserIdentity.__table__.update()
        .where(UserIdentity.issuer == assertion.issuer, UserIdentity.subject == assertion.subject)
        .values(last_used_at=now)
    )
    org = user.organisation
    if (
        org is not None
        and user.membership_verified_at is None
        and assertion.email_verified
        and org.vouches_for(assertion.email)
    ):
        user.membership_verified_at = now


def organisation_vouching_for(email: str) -> Organisation | None:
    """The approved organisation one of whose verified domains this address is at."""
    domain = email.rsplit("@", 1)[-1].lower()
    # Domains are stored as "a.gov.uk,b.gov.uk": narrow by the last label, then check exactly.
    tail = domain.rsplit(".", 1)[-1]
    candidates = db.session.scalars(
        select(Organisation)
        .where(Organisation.approved_at.is_not(None), Organisation.domains.contains(tail))
        .order_by(Organisation.id)
    )
    return next((org for org in candidates if org.vouches_for(email)), None)


def create_account(  # noqa: PLR0913 - what the person chose, and what the provider said
    person: NewPerson,
    display_name: str,
    handle: str,
    organisation_id: int | None = None,
    new_organisation: str = "",
    new_organisation_kind: OrganisationKind = OrganisationKind.OTHER,
) -> User:
    """Make the account for someone the provider vouches for: their address confirmed, linked
    to the provider identity, a member of the organisation their domain names (verified), or
    of the one they chose (verified only when it vouches for the address)."""
    assertion = person.assertion
    service.check_new_account(assertion.email, display_name, None)
    handle = service.check_handle(handle)
    organisation = person.organisation
    if organisation is None and organisation_id:
        organisation = queries.get_organisation(organisation_id)
        if organisation is None or not organisation.is_approved:
            raise IdentityError("Choose your organisation from the list", "organisation_id")
    hold_write_lock()
    if linked_user(assertion) is not None or queries.get_user_by_email(assertion.email):
        raise IdentityError(
            "An account was made for this address a moment ago. Sign in again to use it."
        )
    if organisation is None and new_organisation.strip():
        organisation = service.create_organisation(
            new_organisation, new_organisation_kind, approved=False
        )
    if organisation is None:
        raise IdentityError(
            "Choose your organisation, or enter its name if it is not listed", "organisation_id"
        )
    role = Role.SUPPLIER if organisation.is_supplier else Role.MEMBER
    user = service.add_user(
        assertion.email, display_name, UNUSABLE_HASH, role, organisation, verified=True
    )
    user.handle = handle  # "": made from the name when inserted
    db.session.flush()
    if organisation.is_approved and organisation.vouches_for(assertion.email):
        user.membership_verified_at = user.email_verified_at
    _link(user, assertion)
    commit_or_raise(
        IdentityError("That handle or address was taken a moment ago. Choose another handle.")
    )
    log.info("%r created through a provider at %s", user, assertion.issuer)
    return user


def identities_of(user: User) -> list[UserIdentity]:
    """The provider identities linked to an account, oldest first."""
    return list(
        db.session.scalars(
            select(UserIdentity).where(UserIdentity.user_id == user.id).order_by(UserIdentity.id)
        )
    )
