"""Reading tags: one tag by its address, and what every domain shows on its page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dpse.extensions import db
from dpse.registry import providers
from dpse.tags.models import Tag

# Extension point: provider(tag, user) -> the template variables of that domain's section of
# the tag page (case studies, events, threads, following). Tags sit below those domains, so
# they register here in create_app instead of being imported.
TAG_SECTIONS = "tag_sections"


def tag_by_slug(slug: str) -> Tag | None:
    """One tag, or None."""
    return db.session.scalar(select(Tag).where(Tag.slug == slug))


def tag_sections(tag: Tag, user: Any) -> dict[str, Any]:
    """The tag page's sections from every domain that provides one, for this reader."""
    sections: dict[str, Any] = {}
    for provide_section in providers(TAG_SECTIONS):
        sections.update(provide_section(tag, user))
    return sections
