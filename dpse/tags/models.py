"""The Tag model."""

from __future__ import annotations

import enum

from sqlalchemy import String, text
from sqlalchemy.orm import Mapped, mapped_column

from dpse.extensions import db
from dpse.mixins import string_enum

MAX_NAME = 60  # characters; longer typed names are cut to this


class TagKind(enum.StrEnum):
    """Technologies (drupal, ckan) are told apart from topics (accessibility, procurement)."""

    TECHNOLOGY = "technology"
    TOPIC = "topic"


class Tag(db.Model):
    """A technology or topic, shared by every kind of content."""

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(MAX_NAME), unique=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    kind: Mapped[TagKind] = mapped_column(
        string_enum(TagKind, "tag_kind", 16),
        default=TagKind.TOPIC,
    )
    # How many published case studies carry it: kept by database triggers in the same
    # transaction as any change of links or status (migration e4f5a6b7c812), never written
    # here. The unfiltered case-study list's facets and a tag page's total read it.
    published_case_studies: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    @property
    def is_technology(self) -> bool:
        """A technology (drupal, ckan) rather than a topic."""
        return self.kind == TagKind.TECHNOLOGY

    def __repr__(self) -> str:
        return f"<Tag {self.slug}>"
