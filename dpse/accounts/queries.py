"""Account reads: look-ups by address and session, organisation pages, the admin's list."""

from __future__ import annotations

import hmac

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import selectinload

from dpse.accounts.models import Organisation, User
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
    """One page of all accounts by id, those whose name or email contains ``q`` when given."""
    stmt = select(User).options(selectinload(User.organisation)).order_by(User.id)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(User.email.like(like), func.lower(User.display_name).like(like)))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def count_active_people() -> int:
    """How many active accounts there are."""
    return db.session.scalar(select(func.count(User.id)).where(User.active.is_(True))) or 0


def count_organisations() -> int:
    """How many organisations there are."""
    return db.session.scalar(select(func.count(Organisation.id))) or 0


def list_organisations() -> list[Organisation]:
    """All organisations by name (for pickers)."""
    return list(db.session.scalars(select(Organisation).order_by(func.lower(Organisation.name))))


def organisations_with_member_counts() -> list[Row[tuple[Organisation, int]]]:
    """Every organisation by name, with its number of active members."""
    counts = (
        select(User.organisation_id, func.count(User.id).label("members"))
        .where(User.active.is_(True))
        .group_by(User.organisation_id)
        .subquery()
    )
    return list(
        db.session.execute(
            select(Organisation, func.coalesce(counts.c.members, 0))
            .outerjoin(counts, counts.c.organisation_id == Organisation.id)
            .order_by(func.lower(Organisation.name))
        ).all()
    )


def get_organisation(organisation_id: int) -> Organisation | None:
    """The organisation with this id, if any."""
    return db.session.get(Organisation, organisation_id)


def get_organisation_by_slug(slug: str) -> Organisation | None:
    """The organisation at this address, if any."""
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))


def organisation_members(organisation: Organisation, page: int, per_page: int) -> Pagination:
    """One page of an organisation's active members, by name."""
    return db.paginate(
        select(User)
        .where(User.organisation_id == organisation.id, User.active.is_(True))
        .options(selectinload(User.organisation))
        .order_by(func.lower(User.display_name)),
        page=page,
        per_page=per_page,
        error_out=False,
    )
