"""Forum categories, threads, posts and post edit history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dpse.accounts.models import User
from dpse.casestudies.models import CaseStudy
from dpse.extensions import db
from dpse.languages import DEFAULT_LANGUAGE, LANGUAGE_MAX
from dpse.mixins import UTCDateTime, utcnow
from dpse.rendering import RenderedMarkdown, StoredHTML
from dpse.tags.models import Tag

# Field limits, declared once: columns, forms and the service all use these.
MAX_BODY = 20_000  # characters of a post's Markdown
MIN_TITLE = 5
MAX_TITLE = 200  # a thread's title (comment threads' titles are cut to it)
MAX_THREAD_TAGS = 5
MIN_CATEGORY_NAME = 3
MAX_CATEGORY_NAME = 100
MAX_CATEGORY_DESCRIPTION = 500
MAX_CATEGORY_POSITION = 10_000

thread_tag = Table(
    "thread_tag",
    db.metadata,
    Column("thread_id", ForeignKey("thread.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Category(db.Model):
    """A place for one kind of conversation, e.g. "Accessibility"."""

    __tablename__ = "forum_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_CATEGORY_NAME))
    slug: Mapped[str] = mapped_column(String(MAX_CATEGORY_NAME), unique=True)
    description: Mapped[str] = mapped_column(String(MAX_CATEGORY_DESCRIPTION), default="")
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Thread(db.Model):
    """A conversation: an opening post and its replies, or the comments under a case study."""

    __tablename__ = "thread"
    __table_args__ = (
        # Category pages list pinned threads first, then by last activity.
        Index("ix_thread_category_listing", "category_id", "pinned", "last_activity_at"),
        # The forum's overview: each category's latest visible thread, and its counts (covered).
        Index(
            "ix_thread_category_activity",
            "category_id",
            "visible",
            "last_activity_at",
            "id",
            "reply_count",
        ),
        # Visible threads by last activity (the home page's active discussions), read in
        # order from the index instead of sorting every visible thread.
        Index("ix_thread_visible_activity", "visible", "last_activity_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("forum_category.id"), index=True)
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    # BCP 47 tag of the language it is written in (pages mark its posts with lang=…).
    language: Mapped[str] = mapped_column(String(LANGUAGE_MAX), default=DEFAULT_LANGUAGE)
    slug: Mapped[str] = mapped_column(String(120))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Kept by the service from the posts everyone may see (see forum.service.refresh_thread).
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    reply_count: Mapped[int] = mapped_column(default=0)
    # False while the opening post is held for review or hidden (for comment threads: while
    # no comment is visible); then only moderators (and, while held, its author) see it.
    visible: Mapped[bool] = mapped_column(default=True)
    # Not visible because the opening post waits for review: its author may still see it.
    held_for_review: Mapped[bool] = mapped_column(default=False)
    pinned: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    # A thread may be the discussion of one case study or one event (at most one thread each).
    case_study_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_study.id", ondelete="SET NULL"), unique=True
    )
    # At most one discussion per event; deleting an event keeps its thread, unlinked.
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("event.id", ondelete="SET NULL"), unique=True
    )

    category: Mapped[Category] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    case_study: Mapped[CaseStudy | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=thread_tag, order_by=Tag.name)

    @property
    def is_discussion(self) -> bool:
        """Comments under a case study or event, rather than a forum conversation."""
        return self.case_study_id is not None or self.event_id is not None

    def __repr__(self) -> str:
        return f"<Thread {self.id} {self.slug}>"


class Post(RenderedMarkdown, db.Model):
    """One message in a thread, written in Markdown."""

    __tablename__ = "post"
    __markdown__ = ("body",)
    __table_args__ = (
        Index("ix_post_thread_order", "thread_id", "created_at", "id"),
        # Held posts only (a few rows): the moderation queue's; no reader's query can pick it.
        Index(
            "ix_post_held",
            "thread_id",
            sqlite_where=column("held_for_review").is_(True),
            postgresql_where=column("held_for_review").is_(True),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Posts are queried explicitly and in pages, never loaded as a thread's collection.
    thread_id: Mapped[int] = mapped_column(ForeignKey("thread.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(StoredHTML, default="")  # rendered when body is set
    body_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Moderators hide (soft-delete) posts; hidden posts are seen by moderators only.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    # New accounts' first posts wait for a moderator; seen by their author and moderators only.
    held_for_review: Mapped[bool] = mapped_column(default=False)

    thread: Mapped[Thread] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    hidden_by: Mapped[User | None] = relationship(foreign_keys=[hidden_by_id])

    @property
    def is_public(self) -> bool:
        """Seen by everyone: neither hidden nor waiting for review."""
        return self.hidden_at is None and not self.held_for_review

    def __repr__(self) -> str:
        return f"<Post {self.id} in thread {self.thread_id}>"


class PostRevision(RenderedMarkdown, db.Model):
    """An earlier version of a post, kept when its author edits it."""

    __tablename__ = "post_revision"
    __markdown__ = ("body",)
    __table_args__ = (UniqueConstraint("post_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(StoredHTML, default="")  # rendered when body is set
    body_text: Mapped[str] = mapped_column(Text, default="")
    # When this version was written (the post's creation, or the edit that produced it).
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    editor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    editor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<PostRevision {self.post_id}#{self.number}>"
