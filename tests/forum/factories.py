"""Thin factories for forum tests, calling the real service functions."""

from __future__ import annotations

from sqlalchemy import select

from dpse.extensions import db
from dpse.forum import service
from dpse.forum.models import Category, Post, Thread


def make_category(slug: str = "drupal", name: str = "Drupal and LocalGov Drupal") -> Category:
    """A category (created if missing)."""
    category = service.get_or_create_category(slug, name, f"Talk about {name}.")
    db.session.commit()
    return category


def make_thread(author, category: Category | None = None, replies: int = 0, **kwargs) -> Thread:
    """A thread by ``author`` with ``replies`` replies by the same person."""
    thread = service.create_thread(
        author,
        category or make_category(),
        kwargs.pop("title", "Has anyone moved from Squiz to Drupal?"),
        kwargs.pop("body", "We are planning the move and would like to hear from you."),
        kwargs.pop("tags", ["Drupal"]),
        **kwargs,
    )
    for n in range(replies):
        service.reply(author, thread, f"Reply number {n}")
    return thread


def posts_of(thread: Thread) -> list[Post]:
    """All posts of a thread in order (any visibility)."""
    return list(
        db.session.scalars(
            select(Post).where(Post.thread_id == thread.id).order_by(Post.created_at, Post.id)
        )
    )
