"""Admins keep the forum's categories: add, rename, describe and order them."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from dpse.accounts.models import User
from dpse.extensions import db
from dpse.forum.models import Category
from dpse.forum.service import RESERVED_SLUGS, ForumError, clean_text
from dpse.moderation import audit
from dpse.permissions import is_admin
from dpse.slugs import unique_slug

log = logging.getLogger(__name__)
MAX_NAME = 100
MAX_DESCRIPTION = 500


def _checked(name: str, description: str) -> tuple[str, str]:
    name = " ".join(clean_text(name).split())
    description = " ".join(clean_text(description).split())
    if len(name) < 3:
        raise ForumError("Give the category a name of at least 3 characters", "name")
    if len(name) > MAX_NAME:
        raise ForumError(f"Keep the name to {MAX_NAME} characters or fewer", "name")
    if len(description) > MAX_DESCRIPTION:
        raise ForumError(f"Keep the description under {MAX_DESCRIPTION} characters", "description")
    return name, description


def create_category(admin: User, name: str, description: str) -> Category:
    """Add a category at the end of the list; its address comes from its name."""
    if not is_admin(admin):
        raise ForumError("Only admins manage categories")
    name, description = _checked(name, description)
    slug = unique_slug(Category.slug, name)
    if slug in RESERVED_SLUGS:
        slug = unique_slug(Category.slug, f"{name} forum")
    position = (db.session.scalar(select(func.max(Category.position))) or 0) + 1
    category = Category(name=name, slug=slug, description=description, position=position)
    db.session.add(category)
    db.session.flush()
    audit.record(admin, "create_category", "category", category.id, name)
    db.session.commit()
    log.info("%r created by %s", category, admin)
    return category


def update_category(
    admin: User, category: Category, name: str, description: str, position: int
) -> None:
    """Rename, describe or reorder a category (its address stays, so links keep working)."""
    if not is_admin(admin):
        raise ForumError("Only admins manage categories")
    name, description = _checked(name, description)
    if not 0 <= position <= 10_000:
        raise ForumError("Use a position between 0 and 10,000", "position")
    changes = [
        label
        for label, old, new in (
            ("name", category.name, name),
            ("description", category.description, description),
            ("position", category.position, position),
        )
        if old != new
    ]
    if not changes:
        return
    category.name, category.description, category.position = name, description, position
    audit.record(admin, "edit_category", "category", category.id, "Changed " + ", ".join(changes))
    db.session.commit()
    log.info("%r edited by %s", category, admin)
