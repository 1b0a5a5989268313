"""Finding and creating tags from what people type."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dpse.extensions import db
from dpse.slugs import slugify
from dpse.tags.models import MAX_NAME, Tag, TagKind

MAX_TAGS = 12


def parse_tag_names(text: str) -> list[str]:
    """'Drupal, LocalGov Drupal ,accessibility' -> three names, in order, without duplicates."""
    seen: dict[str, str] = {}
    for raw in text.split(","):
        name = " ".join(raw.split())[:MAX_NAME]
        if name and slugify(name) not in seen:
            seen[slugify(name)] = name
    return list(seen.values())


def _insert_ignoring_duplicates(rows: list[dict[str, str]]) -> None:
    # Two people may add the same new tag at the same moment: let the database settle it.
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(Tag).values(rows).on_conflict_do_nothing(index_elements=["slug"]))


def get_or_create_tags(names: list[str], kind: TagKind = TagKind.TOPIC) -> list[Tag]:
    """The tags with these names (matched by slug), creating missing ones (caller commits)."""
    wanted = {slugify(n): n for n in names[:MAX_TAGS]}
    if not wanted:
        return []
    with db.session.no_autoflush:
        existing = {t.slug: t for t in db.session.scalars(select(Tag).where(Tag.slug.in_(wanted)))}
    missing = [
        {"slug": slug, "name": name, "kind": kind.value}
        for slug, name in wanted.items()
        if slug not in existing
    ]
    if missing:
        _insert_ignoring_duplicates(missing)
        with db.session.no_autoflush:
            existing = {
                t.slug: t for t in db.session.scalars(select(Tag).where(Tag.slug.in_(wanted)))
            }
    return [existing[slug] for slug in wanted]
