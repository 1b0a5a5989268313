"""Reads only the API needs: the tag list, paged."""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from dpse.extensions import db
from dpse.tags.models import Tag


def tags_page(page: int, per_page: int) -> Pagination:
    """Every tag by name (tags are a public vocabulary: each has its page)."""
    stmt = select(Tag).order_by(func.lower(Tag.name), Tag.id)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)
