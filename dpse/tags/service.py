"""Finding and creating tags from what people type."""

from __future__ import annotations

from sqlalchemy import select

from dpse.extensions import db
from dpse.slugs import slugify
from dpse.tags.models import Tag, TagKind

MAX_TAGS = 12


def parse_tag_names(text: str) -> list[str]:
    """'Drupal, LocalGov Drupal ,accessibility' -> three names, in order, without duplicates."""
    seen: dict[str, str] = {}
    for raw in text.split(","):
        name = " ".join(raw.split())[:60]
        if name and slugify(name) not in seen:
            seen[slugify(name)] = name
    return list(seen.values())


def get_or_create_tags(names: list[str], kind: TagKind = TagKind.TOPIC) -> list[Tag]:
    """The tags with these names (matched by slug), creating missing ones in the session."""
    wanted = {slugify(n): n for n in names[:MAX_TAGS]}
    if not wanted:
        return []
    existing = {t.slug: t for t in db.session.scalars(select(Tag).where(Tag.slug.in_(wanted)))}
    tags = []
    for slug, name in wanted.items():
        tag = existing.get(slug)
        if tag is None:
            tag = Tag(slug=slug, name=name, kind=kind)
            db.session.add(tag)
            existing[slug] = tag
        tags.append(tag)
    return tags


def tag_by_slug(slug: str) -> Tag | None:
    """One tag, or None."""
    return db.session.scalar(select(Tag).where(Tag.slug == slug))
