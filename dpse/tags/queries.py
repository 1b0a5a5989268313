"""Reading tags: one tag by its address, and what every domain shows on its page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dpse.extensions import db
from dpse.notifications.models import TargetType
from dpse.notifications.queries import FollowTarget
from dpse.registry import providers
from dpse.tags.models import Tag
from dpse.urls import path_for

# Extension point: provider(tag, user) -> the template variables of that domain's section of
# the tag page (case studies, events, threads, following). Tags sit below those domains, so
# they register here in create_app instead of being imported.
TAG_SECTIONS = "tag_sections"


def tag_by_slug(slug: str) -> Tag | None:
    """One tag, or None."""
    return db.session.scalar(select(Tag).where(Tag.slug == slug))


def facet_labels(name: str, values: list[str]) -> dict[str, str]:
    """Tags' display names for the search page's tag facet, in one query."""
    if name != "tag" or not values:
        return {}
    rows = db.session.execute(select(Tag.slug, Tag.name).where(Tag.slug.in_(values)))
    return {slug: tag_name for slug, tag_name in rows}


def tag_sections(tag: Tag, user: Any) -> dict[str, Any]:
    """The tag page's sections from every domain that provides one, for this reader."""
    sections: dict[str, Any] = {}
    for provide_section in providers(TAG_SECTIONS):
        sections.update(provide_section(tag, user))
    return sections


def follow_targets(ids: list[int], _user: Any) -> dict[int, FollowTarget]:
    """Followed tags (all public; registered with notifications in create_app)."""
    rows = db.session.scalars(select(Tag).where(Tag.id.in_(ids)))
    return {
        t.id: FollowTarget(TargetType.TAG, t.id, t.name, path_for("tags.show", slug=t.slug))
        for t in rows
    }
