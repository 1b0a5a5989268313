"""Account reads: look-ups by address and session, organisation pages, the admin's list."""

from __future__ import annotations

import hmac

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import selectinload

from dpse.accounts.models import Organisation, OrganisationRedirect, User
from dpse.extensions import db

ADMIN_SEARCH_MAX = 200  # characters of an admin's "find by name or email"


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively; we store them lower-cased and trimmed."""
    return email.strip().lower()


def get_user(user_id: int) -> User | None:
    """The account with this id, if any."""
    return db.session.get(User, user_id)


def get_user_by_email(email: str) -> User | None:
    """The account with this email, whatever its case."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def get_user_for_session(user_id: str) -> User | None:
    """Flask-Login's loader: the id carries a session token that must still match."""
    raw_id, _, token = user_id.partition(":")
    if not raw_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(user.session_token, token):
        return None
    return user


def is_verified_public_sector(user: User) -> bool:
    """Verified email on a public-sector domain (exact domain or a subdomain of a listed one)."""
    if not user.email_verified:
        return False
    domain = user.email_domain
    return any(
        domain == d or domain.endswith("." + d) for d in current_app.config["PUBLIC_SECTOR_DOMAINS"]
    )


def find_users(q: str, page: int, per_page: int) -> Pagination:
    """One page of all accounts by id (not deleted ones: nothing is left of them to manage),
    those whose name or email contains ``q`` when given."""
    stmt = (
        select(User)
        .where(User.deleted_at.is_(None))
        .options(selectinload(User.organisation))
        .order_by(User.id)
    )
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(User.email.like(like), func.lower(User.display_name).like(like)))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def count_active_people() -> int:
    """How many active accounts there are. ``count(*)``, not of the id: the id is not in
    ix_user_account_directory, so PostgreSQL read every row for it (7.4 ms at S10, 2.1 from
    the index alone)."""
    return (
        db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(True)))
        or 0
    )


APPROVED = Organisation.approved_at.is_not(None)
# A member shown as one: active, with the membership verified (domain or an admin's approval).
SHOWN_MEMBER = User.active.is_(True) & User.membership_verified_at.is_not(None)


def count_organisations() -> int:
    """How many (approved) organisations there are."""
    return db.session.scalar(select(func.count(Organisation.id)).where(APPROVED)) or 0


def list_organisations() -> list[Organisation]:
    """The approved organisations by name (for pickers: pending ones are offered to nobody)."""
    return list(
        db.session.scalars(
            select(Organisation).where(APPROVED).order_by(func.lower(Organisation.name))
        )
    )


PEOPLE_FILTER_ORGANISATIONS = 40  # organisations the people filter lists


def organisations_for_people_filter(chosen: str = "") -> list[Organisation]:
    """The approved organisations with the most verified members, by name, plus the chosen one:
    the directory's filter stays the same size however many organisations there are (their
    members counted by triggers: Organisation.shown_members)."""
    shown = list(
        db.session.scalars(
            select(Organisation)
            .where(APPROVED, Organisation.shown_members > 0)
            .order_by(Organisation.shown_members.desc(), func.lower(Organisation.name))
            .limit(PEOPLE_FILTER_ORGANISATIONS)
        )
    )
    if chosen and all(org.slug != chosen for org in shown):
        extra = db.session.scalar(select(Organisation).where(Organisation.slug == chosen, APPROVED))
        shown += [extra] if extra is not None else []
    return sorted(shown, key=lambda org: org.name.lower())


def organisations_page(page: int, per_page: int) -> Pagination:
    """One page of the approved organisations by name (each one's ``shown_members`` is its
    number of verified active members, kept by triggers): two queries."""
    return paginate(
        select(Organisation).where(APPROVED).order_by(func.lower(Organisation.name)),
        page,
        per_page,
    )


def organisations_for_admin() -> list[Row[tuple[Organisation, int, int]]]:
    """Every organisation, pending ones first, with its members and its pending members."""
    counts = (
        select(
            User.organisation_id,
            func.count(User.id).label("members"),
            func.count(User.id).filter(User.membership_verified_at.is_(None)).label("pending"),
        )
        .group_by(User.organisation_id)
        .subquery()
    )
    return list(
        db.session.execute(
            select(
                Organisation,
                func.coalesce(counts.c.members, 0),
                func.coalesce(counts.c.pending, 0),
            )
            .outerjoin(counts, counts.c.organisation_id == Organisation.id)
            .order_by(Organisation.approved_at.is_not(None), func.lower(Organisation.name))
        ).all()
    )


def pending_members(organisation: Organisation) -> list[User]:
    """People who named this organisation and wait for an admin to verify them."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.organisation_id == organisation.id,
                User.active.is_(True),
                User.membership_verified_at.is_(None),
            )
            .order_by(User.created_at)
        )
    )


def get_organisation(organisation_id: int) -> Organisation | None:
    """The organisation with this id, if any."""
    return db.session.get(Organisation, organisation_id)


def get_organisation_by_slug(slug: str) -> Organisation | None:
    """The approved organisation at this address, if any (a pending one has no public page)."""
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug, APPROVED))


def merged_into(slug: str) -> Organisation | None:
    """The organisation an old address now leads to, after a merge."""
    return db.session.scalar(
        select(Organisation)
        .join(OrganisationRedirect, OrganisationRedirect.organisation_id == Organisation.id)
        .where(OrganisationRedirect.slug == slug)
    )


def organisation_members(organisation: Organisation, page: int, per_page: int) -> Pagination:
    """One page of an organisation's active members, by name."""
    return db.paginate(
        select(User)
        .where(User.organisation_id == organisation.id, SHOWN_MEMBER)
        .options(selectinload(User.organisation))
        .order_by(func.lower(User.display_name)),
        page=page,
        per_page=per_page,
        error_out=False,
    )


# The people directory and the sections of profile and organisation pages. These imports sit
# here, not at the top, because this block was appended while the top of the module was being
# edited by someone else; move them up when next tidying the module.
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

from sqlalchemy import and_, false  # noqa: E402
from sqlalchemy.sql.elements import ColumnElement  # noqa: E402

from dpse.accounts.models import OrganisationKind  # noqa: E402
from dpse.registry import providers  # noqa: E402

PEOPLE_SEARCH_MAX = 100  # characters of the directory's "name or handle"


@dataclass(frozen=True)
class PeopleFilters:
    """What the directory is narrowed to; every value comes from the URL, junk ignored."""

    q: str = ""
    organisation: str = ""  # an organisation's slug
    kind: str = ""  # an OrganisationKind value
    verified: bool = False  # verified public sector only

    @classmethod
    def from_args(cls, args: Any) -> PeopleFilters:
        """Read the filters from request.args."""
        kind = str(args.get("kind", ""))
        return cls(
            q=str(args.get("q", "")).strip()[:PEOPLE_SEARCH_MAX],
            organisation=str(args.get("organisation", "")).strip()[:200],
            kind=kind if kind in {k.value for k in OrganisationKind} else "",
            verified=args.get("verified", "") in {"1", "y", "on", "true"},
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.organisation or self.kind or self.verified)


def listed_people() -> ColumnElement[bool]:
    """SQL condition: who directories and organisation pages list (active, email verified)."""
    return and_(User.active.is_(True), User.email_verified_at.is_not(None))


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def verified_public_sector() -> ColumnElement[bool]:
    """SQL twin of is_verified_public_sector: a verified email on a listed domain or below."""
    domains = [_like_escaped(d) for d in current_app.config["PUBLIC_SECTOR_DOMAINS"]]
    if not domains:
        return false()
    # Emails are stored lower-cased, as the domains are: a plain LIKE on the end suffices.
    on_domain = or_(
        *(User.email.like(f"%@{d}", escape="\\") for d in domains),
        *(User.email.like(f"%.{d}", escape="\\") for d in domains),
    )
    return and_(User.email_verified_at.is_not(None), on_domain)


def find_people(filters: PeopleFilters, page: int, per_page: int) -> Pagination:
    """One page of the directory, by name: listed people matching every filter (two queries,
    and one for the page's organisations)."""
    stmt = (
        select(User)
        .where(listed_people())
        .options(selectinload(User.organisation))
        .order_by(func.lower(User.display_name), User.id)
    )
    if filters.q:
        like = f"%{_like_escaped(filters.q.lower().removeprefix('@'))}%"
        stmt = stmt.where(
            or_(
                func.lower(User.display_name).like(like, escape="\\"),
                User.handle.like(like, escape="\\"),
            )
        )
    # Only verified members of approved organisations count as an organisation's people.
    if filters.organisation:
        by_slug = select(Organisation.id).where(Organisation.slug == filters.organisation, APPROVED)
        stmt = stmt.where(User.organisation_id.in_(by_slug), SHOWN_MEMBER)
    if filters.kind:
        of_kind = select(Organisation.id).where(
            Organisation.kind == OrganisationKind(filters.kind), APPROVED
        )
        stmt = stmt.where(User.organisation_id.in_(of_kind), SHOWN_MEMBER)
    if filters.verified:
        stmt = stmt.where(verified_public_sector())
    pager = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=False)
    # Counted on its own, from the directory's partial index alone: paginate's count wrapped
    # the whole sorted query (every column of every listed person: 5-8 ms at S10).
    counted = stmt.with_only_columns(func.count()).order_by(None).options()
    pager.total = db.session.scalar(counted) or 0
    return pager


def organisation_people(organisation: Organisation, page: int, per_page: int) -> Pagination:
    """One page of an organisation's listed (active, verified) people, by name."""
    return find_people(PeopleFilters(organisation=organisation.slug), page, per_page)


@dataclass
class Section:
    """One list on a profile or organisation page, provided by the domain that owns its items
    through the "profile.sections" and "organisation.sections" extension points (registry)."""

    key: str  # its name in ?section=
    heading: str
    kind: str  # how the page shows an item: "case_study", "thread", "post" or "event"
    pager: Pagination
    empty: str  # what the page says when there is nothing

    @property
    def total(self) -> int:
        return self.pager.total or 0


def paginate(stmt: Any, page: int, per_page: int) -> Pagination:
    """db.paginate for a section (a page past the end is empty, not an error)."""
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def page_sections(
    point: str, owner: Any, only: str | None, page: int, per_page: int, preview: int
) -> list[Section]:
    """The sections other domains provide for a page (``point`` in the registry): just the one
    named ``only``, at ``page``, when a provider knows it; else every section's first items."""
    if only:
        one = [s for provide in providers(point) for s in provide(owner, only, page, per_page)]
        if one:
            return one
    return [s for provide in providers(point) for s in provide(owner, None, 1, preview)]
