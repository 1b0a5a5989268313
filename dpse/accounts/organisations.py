"""Site admins' writes on organisations: create, edit, approve, verify a member, merge, delete.

A module of its own beside service.py (self-service accounts, already near 450 lines): these are
one role's powers over one object, and merging reaches into other domains' rows through the
``organisation.merge`` and ``organisation.in_use`` extension points (dpse.registry), which case
studies and events provide. Each action is re-checked against the permission predicate and
recorded in the audit log in the same transaction.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import delete, func, select, update

from dpse.accounts.models import (
    ORGANISATION_COUNTRY_MAX,
    ORGANISATION_DOMAINS_MAX,
    ORGANISATION_NAME_MAX,
    ORGANISATION_WEBSITE_MAX,
    Organisation,
    OrganisationKind,
    OrganisationRedirect,
    User,
)
from dpse.accounts.service import AccountError
from dpse.audit import record
from dpse.extensions import db
from dpse.mixins import utcnow
from dpse.permissions import can_edit_organisation, is_admin
from dpse.registry import providers
from dpse.rules import commit_or_raise
from dpse.slugs import unique_slug

log = logging.getLogger(__name__)
MERGE = "organisation.merge"  # provide(app, MERGE, fn(source_id, target_id)): move your rows
IN_USE = "organisation.in_use"  # provide(app, IN_USE, fn(organisation_id) -> int): rows naming it
_DOMAIN = re.compile(r"(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


class NotAllowed(AccountError):
    """The acting account may not do this (views check first; this is the service's own check)."""

    def __init__(self) -> None:
        super().__init__("Only site admins manage organisations")


def _require_admin(admin: User, organisation: Organisation | None = None) -> None:
    if organisation is None and not is_admin(admin):
        raise NotAllowed
    if organisation is not None and not can_edit_organisation(admin, organisation):
        raise NotAllowed


def parse_domains(text: str) -> str:
    """'Northvale.gov.uk, @nhs.net' -> 'northvale.gov.uk,nhs.net'; AccountError on a bad one."""
    domains: dict[str, None] = {}
    for raw in re.split(r"[\s,;]+", text.lower()):
        domain = raw.strip().lstrip("@").rstrip(".")
        if not domain:
            continue
        if not _DOMAIN.fullmatch(domain):
            raise AccountError(
                f"“{domain[:100]}” is not an email domain like council.gov.uk", "domains"
            )
        domains[domain] = None
    joined = ",".join(domains)
    if len(joined) > ORGANISATION_DOMAINS_MAX:
        raise AccountError(
            f"List at most {ORGANISATION_DOMAINS_MAX:,} characters of domains", "domains"
        )
    return joined


def save_organisation(  # noqa: PLR0913 - the fields of the admin form
    admin: User,
    organisation: Organisation | None,
    name: str,
    kind: OrganisationKind,
    country: str = "",
    website: str = "",
    domains: str = "",
) -> Organisation:
    """Create (``organisation`` None: approved at once) or edit an organisation, and commit."""
    _require_admin(admin, organisation)
    name = name.strip()
    if not name or len(name) > ORGANISATION_NAME_MAX:
        raise AccountError(f"Enter a name of at most {ORGANISATION_NAME_MAX:,} characters", "name")
    if len(country.strip()) > ORGANISATION_COUNTRY_MAX:
        raise AccountError(
            f"Country must be {ORGANISATION_COUNTRY_MAX:,} characters or fewer", "country"
        )
    if len(website.strip()) > ORGANISATION_WEBSITE_MAX:
        raise AccountError(
            f"Website must be {ORGANISATION_WEBSITE_MAX:,} characters or fewer", "website"
        )
    clash = db.session.scalar(
        select(Organisation.id).where(
            func.lower(Organisation.name) == name.lower(),
            Organisation.id != (organisation.id if organisation else -1),
        )
    )
    if clash is not None:
        raise AccountError("Another organisation has that name: merge them instead", "name")
    parsed = parse_domains(domains)
    if organisation is None:
        organisation = Organisation(
            name=name, slug=unique_slug(Organisation.slug, name), kind=kind, approved_at=utcnow()
        )
        db.session.add(organisation)
        action = "create_organisation"
    else:
        action = "edit_organisation"
    organisation.name, organisation.kind = name, kind
    organisation.country, organisation.website = country.strip(), website.strip()
    organisation.domains = parsed
    db.session.flush()
    record(admin, action, "organisation", organisation.id, organisation.name)
    commit_or_raise(AccountError("Someone saved this organisation at the same moment: save again"))
    log.info("%r saved by %r", organisation, admin)
    return organisation


def approve_organisation(admin: User, organisation: Organisation) -> None:
    """Make a pending organisation public; the people who named it become verified members."""
    _require_admin(admin, organisation)
    if organisation.is_approved:
        return
    now = utcnow()
    organisation.approved_at = now
    db.session.execute(
        update(User)
        .where(User.organisation_id == organisation.id, User.membership_verified_at.is_(None))
        .values(membership_verified_at=now)
    )
    record(admin, "approve_organisation", "organisation", organisation.id, organisation.name)
    db.session.commit()
    log.info("%r approved by %r", organisation, admin)


def verify_member(admin: User, member: User, now: datetime | None = None) -> None:
    """Approve a pending member of an organisation."""
    if member.organisation is None:
        raise AccountError("This person has no organisation")
    _require_admin(admin, member.organisation)
    if member.membership_verified_at is None:
        member.membership_verified_at = now or utcnow()
        record(admin, "verify_member", "user", member.id, member.organisation.name)
        db.session.commit()


def merge_organisations(admin: User, source: Organisation, target: Organisation) -> int:
    """Move everything of ``source`` — members, case studies as author and as supplier, events
    — to ``target``, leave its address redirecting there, and delete it. Returns members moved."""
    _require_admin(admin, source)
    _require_admin(admin, target)
    if source.id == target.id:
        raise AccountError("Choose another organisation to merge into", "target")
    moved = db.session.execute(
        update(User).where(User.organisation_id == source.id).values(organisation_id=target.id)
    ).rowcount
    for move in providers(MERGE):
        move(source.id, target.id)
    db.session.execute(
        update(OrganisationRedirect)
        .where(OrganisationRedirect.organisation_id == source.id)
        .values(organisation_id=target.id)
    )
    db.session.add(OrganisationRedirect(slug=source.slug, organisation_id=target.id))
    record(admin, "merge_organisation", "organisation", target.id, f"{source.name} → {target.name}")
    _delete(source)
    commit_or_raise(
        AccountError("Someone changed these organisations at the same moment: try again")
    )
    log.info("%r merged into %r by %r (%d members)", source, target, admin, moved)
    return moved


def in_use(organisation: Organisation) -> int:
    """How many members and other rows (case studies, events) name the organisation."""
    members = db.session.scalar(
        select(func.count(User.id)).where(User.organisation_id == organisation.id)
    )
    return (members or 0) + sum(count(organisation.id) for count in providers(IN_USE))


def _delete(organisation: Organisation) -> None:
    # A plain DELETE: loading its members to unlink them is what the moves above already did.
    db.session.execute(delete(Organisation).where(Organisation.id == organisation.id))
    db.session.expunge(organisation)


def delete_organisation(admin: User, organisation: Organisation) -> None:
    """Delete an organisation nothing names (merge one that has members or content)."""
    _require_admin(admin, organisation)
    if in_use(organisation):
        raise AccountError("People or content still name this organisation: merge it instead")
    record(admin, "delete_organisation", "organisation", organisation.id, organisation.name)
    _delete(organisation)
    db.session.commit()
    log.info("%r deleted by %r", organisation, admin)
