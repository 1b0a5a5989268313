"""Roles: what an account may do (the permission predicates in dpse.permissions use them)."""

from __future__ import annotations

import enum


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

    @property
    def is_badged(self) -> bool:
        """Organisers, moderators and admins carry their role next to their name."""
        return self in (Role.ORGANISER, Role.MODERATOR, Role.ADMIN)
