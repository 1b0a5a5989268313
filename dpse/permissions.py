"""Roles and the named permission predicates used by views and templates alike."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, NoReturn

from flask import abort

if TYPE_CHECKING:
    from dpse.accounts.models import Organisation, User


class Role(enum.StrEnum):
    """What an account may do; later roles include everything earlier ones can."""

    MEMBER = "member"
    SUPPLIER = "supplier"
    ORGANISER = "organiser"
    MODERATOR = "moderator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_admin(user: User | Any) -> bool:
    """Admins manage users, roles, categories and organisations."""
    return _authenticated(user) and user.role == Role.ADMIN


def can_moderate(user: User | Any) -> bool:
    """Moderators and admins run the review queue and moderate discussions."""
    return _authenticated(user) and user.role in (Role.MODERATOR, Role.ADMIN)


def can_organise_events(user: User | Any) -> bool:
    """Organisers (and moderators, admins) create and manage events."""
    return _authenticated(user) and user.role in (Role.ORGANISER, Role.MODERATOR, Role.ADMIN)


def can_contribute(user: User | Any) -> bool:
    """Any signed-in, active account may write case studies, post and register."""
    return _authenticated(user) and user.is_active


def can_view_profile(viewer: User | Any, profile: User) -> bool:
    """Deactivated accounts' profiles are visible to admins only."""
    return profile.active or is_admin(viewer)


def can_edit_profile(user: User | Any, profile: User) -> bool:
    """People edit their own profile; admins anyone's."""
    return _authenticated(user) and (user.id == profile.id or is_admin(user))


def can_manage_users(user: User | Any) -> bool:
    """Only admins change roles and deactivate accounts."""
    return is_admin(user)


def can_change_role(user: User | Any, target: User) -> bool:
    """Admins change others' roles, never their own (so the last admin cannot lock everyone out)."""
    return is_admin(user) and user.id != target.id


def can_edit_organisation(user: User | Any, organisation: Organisation) -> bool:
    """Organisation details are kept by admins."""
    return is_admin(user)


def require(ok: bool) -> None | NoReturn:
    """Abort with 403 unless the permission holds."""
    if not ok:
        abort(403)
    return None


PREDICATES = {
    "is_admin": is_admin,
    "can_moderate": can_moderate,
    "can_organise_events": can_organise_events,
    "can_contribute": can_contribute,
    "can_view_profile": can_view_profile,
    "can_edit_profile": can_edit_profile,
    "can_manage_users": can_manage_users,
    "can_change_role": can_change_role,
    "can_edit_organisation": can_edit_organisation,
}
