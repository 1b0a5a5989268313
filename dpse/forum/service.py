"""Forum use cases: start a thread, reply, comment on a case study or event, edit or delete a
post, and the admins' category changes.

Counts and last activity are recomputed from the posts everyone may see (`refresh_thread`)
whenever a post appears, disappears or moves, so they cannot drift.

Just over 400 lines: every write on a thread or post goes through here so that the counts,
search changes and notifications follow each one; mentions and notifying already have modules
of their own, and splitting the rest would split that one write path.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from dpse import audit
from dpse.accounts.models import User
from dpse.extensions import db
from dpse.forum import discussions, indexing, notifying
from dpse.forum.models import (
    MAX_BODY,
    MAX_CATEGORY_DESCRIPTION,
    MAX_CATEGORY_NAME,
    MAX_CATEGORY_POSITION,
    MAX_THREAD_TAGS,
    MAX_TITLE,
    MIN_CATEGORY_NAME,
    MIN_TITLE,
    Category,
    Post,
    PostRevision,
    Thread,
)
from dpse.forum.queries import opening_post_id, should_hold
from dpse.languages import is_language_tag, site_language
from dpse.locking import lock_row
from dpse.mixins import utcnow
from dpse.notifications import emails as notification_emails
from dpse.notifications import service as notifications
from dpse.notifications.models import TargetType
from dpse.permissions import can_manage_categories, can_post, can_view_thread
from dpse.rules import RuleError
from dpse.slugs import slugify, unique_slug
from dpse.tags.models import TagKind
from dpse.tags.service import get_or_create_tags
from dpse.urls import path_for

log = logging.getLogger(__name__)
# Category addresses that would hide forum pages (/forum/t/…, /forum/new …).
RESERVED_SLUGS = frozenset({"t", "p", "new", "discuss", "categories", "tags", "preview"})


# C0 controls other than tab and newlines: invisible, and PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Text without control characters (tabs and line breaks stay)."""
    return _CONTROL.sub("", text)


class ForumError(RuleError):
    """A forum rule was broken (see dpse.rules)."""


def check_body(body: str) -> str:
    """A post's Markdown, trimmed; ForumError if empty or too long."""
    body = clean_text(body)
    if not body.strip():
        raise ForumError("Write something before posting", "body")
    if len(body) > MAX_BODY:
        raise ForumError(f"Keep a post to {MAX_BODY:,} characters or fewer", "body")
    return body.strip("\n").rstrip()


def check_title(title: str) -> str:
    """A thread title, tidied; ForumError if too short or long."""
    title = " ".join(clean_text(title).split())
    if len(title) < MIN_TITLE:
        raise ForumError(f"Give the thread a title of at least {MIN_TITLE} characters", "title")
    if len(title) > MAX_TITLE:
        raise ForumError(f"Keep the title to {MAX_TITLE:,} characters or fewer", "title")
    return title


def get_or_create_category(slug: str, name: str, description: str = "") -> Category:
    """A category by slug, created (in the caller's transaction) if missing."""
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        if slug in RESERVED_SLUGS:
            raise ForumError(f"{slug!r} is reserved for forum pages", "slug")
        category = Category(
            slug=slug, name=name, description=description, position=_next_position()
        )
        db.session.add(category)
        db.session.flush()
    return category


def _next_position() -> int:
    """A new category goes at the end of the list."""
    return (db.session.scalar(select(func.max(Category.position))) or 0) + 1


def _checked_category(name: str, description: str) -> tuple[str, str]:
    name = " ".join(clean_text(name).split())
    description = " ".join(clean_text(description).split())
    if len(name) < MIN_CATEGORY_NAME:
        raise ForumError(
            f"Give the category a name of at least {MIN_CATEGORY_NAME} characters", "name"
        )
    if len(name) > MAX_CATEGORY_NAME:
        raise ForumError(f"Keep the name to {MAX_CATEGORY_NAME:,} characters or fewer", "name")
    if len(description) > MAX_CATEGORY_DESCRIPTION:
        raise ForumError(
            f"Keep the description to {MAX_CATEGORY_DESCRIPTION:,} characters or fewer",
            "description",
        )
    return name, description


def create_category(admin: User, name: str, description: str) -> Category:
    """Add a category at the end of the list; its address comes from its name."""
    if not can_manage_categories(admin):
        raise ForumError("Only admins manage categories")
    name, description = _checked_category(name, description)
    slug = unique_slug(Category.slug, name)
    if slug in RESERVED_SLUGS:
        slug = unique_slug(Category.slug, f"{name} forum")
    category = Category(name=name, slug=slug, description=description, position=_next_position())
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
    if not can_manage_categories(admin):
        raise ForumError("Only admins manage categories")
    name, description = _checked_category(name, description)
    if not 0 <= position <= MAX_CATEGORY_POSITION:
        raise ForumError(f"Use a position between 0 and {MAX_CATEGORY_POSITION:,}", "position")
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


def refresh_thread(thread: Thread) -> bool:
    """Recount replies, last activity and visibility from the public posts (no commit).

    Returns whether the thread's visibility changed (then all its posts need re-indexing)."""
    db.session.flush()
    # Two replies at once must not both count without the other: take the thread's row first
    # (NO KEY UPDATE, so the posts' foreign-key locks on it cannot deadlock with this).
    db.session.execute(
        select(Thread.id).where(Thread.id == thread.id).with_for_update(key_share=True)
    )
    was_visible = thread.visible
    public = (Post.thread_id == thread.id) & Post.hidden_at.is_(None)
    public &= Post.held_for_review.is_(False)
    count, latest = db.session.execute(
        select(func.count(Post.id), func.max(Post.created_at)).where(public)
    ).one()
    thread.reply_count = max((count or 0) - 1, 0)
    thread.last_activity_at = latest or thread.created_at
    opening = db.session.get(Post, opening_post_id(thread) or 0)
    if thread.is_discussion:
        thread.visible = bool(count)
    else:
        thread.visible = opening is not None and opening.is_public
    thread.held_for_review = (
        not thread.visible
        and opening is not None
        and opening.held_for_review
        and opening.hidden_at is None
    )
    return was_visible != thread.visible


def _add_post(
    author: User, thread: Thread, body: str, when: datetime | None, hold: bool | None
) -> Post:
    held = should_hold(author) if hold is None else hold
    post = Post(
        thread=thread,
        author=author,
        body=body,
        created_at=when or utcnow(),
        held_for_review=held,
    )
    db.session.add(post)
    db.session.flush()
    if held:
        notifications.notify_moderators(
            "held_post",
            f"{author.display_name} (@{author.handle}) posted in “{thread.title}”: "
            "the post waits for review",
            path_for("moderation.index") + f"#held-{post.id}",
            source=f"held:{post.id}",
            actor=author,
        )
    return post


def _finish(post: Post, followers: set[int], new_thread: bool = False) -> None:
    """Follows, counts, search, notifications, one commit, then emails."""
    changed = refresh_thread(post.thread)
    # After refresh_thread has the thread's row: a double-clicked reply finds the first
    # request's follow instead of adding the same one again.
    for person_id in sorted(followers):
        notifications.add_subscription(person_id, TargetType.THREAD, post.thread_id)
    indexing.reindex_thread(post.thread, post, everything=changed)
    if post.is_public:
        notifying.notify_about(post, new_thread=new_thread, when=post.created_at)
    db.session.commit()
    notification_emails.send_and_deliver()


def _log_created(made: Thread | Post, author: User, post: Post) -> None:
    """The "created by" log line of a new thread or post, saying when its post waits for review."""
    held = " (held for review)" if post.held_for_review else ""
    log.info("%r created by %s%s", made, author, held)


def create_thread(
    author: User,
    category: Category,
    title: str,
    body: str,
    tags: list[str] | None = None,
    *,
    language: str = "",
    when: datetime | None = None,
    hold: bool | None = None,
) -> Thread:
    """Start a thread; its author follows it. ``when``/``hold`` are for importing content."""
    if not can_post(author):
        raise ForumError("Your account cannot post")
    title, body = check_title(title), check_body(body)
    if language and not is_language_tag(language):
        raise ForumError("Choose a language from the list", "language")
    created = when or utcnow()
    thread = Thread(
        category=category,
        title=title,
        slug=slugify(title),
        language=language or site_language(),
        author=author,
        created_at=created,
        last_activity_at=created,
        tags=get_or_create_tags(
            [n for n in (clean_text(t).strip() for t in tags or []) if n][:MAX_THREAD_TAGS],
            TagKind.TOPIC,
        ),
    )
    db.session.add(thread)
    post = _add_post(author, thread, body, created, hold)
    _finish(post, {author.id}, new_thread=True)
    _log_created(thread, author, post)
    return thread


def reply(
    author: User,
    thread: Thread,
    body: str,
    *,
    when: datetime | None = None,
    hold: bool | None = None,
) -> Post:
    """Add a reply (or a comment to a discussion); the author follows the thread from then on."""
    if not can_post(author):
        raise ForumError("Your account cannot post")
    if thread.locked:
        raise ForumError("This thread is locked: it takes no more replies", "body")
    # A discussion stays open while its first comment waits for review; a forum thread does not.
    if not thread.is_discussion and not can_view_thread(author, thread):
        raise ForumError("This thread is not open for replies", "body")
    post = _add_post(author, thread, check_body(body), when, hold)
    _finish(post, {author.id})
    _log_created(post, author, post)
    return post


def comment(
    author: User,
    kind: str,
    target_id: int,
    body: str,
    *,
    when: datetime | None = None,
    hold: bool | None = None,
    _retried: bool = False,
) -> Post:
    """Comment under a case study or event; its thread is created with the first comment."""
    target = discussions.resolve(kind, target_id)
    if target is None:
        raise ForumError("There is nothing here to comment on")
    if not target.accepts_comments:
        raise ForumError("This page no longer takes comments", "body")
    body = check_body(body)
    thread = discussions.thread_for(kind, target_id)
    if thread is not None:
        return reply(author, thread, body, when=when, hold=hold)
    if not can_post(author):
        raise ForumError("Your account cannot post")
    spec = discussions.CATEGORIES[kind]
    created = when or utcnow()
    try:
        thread = Thread(
            category=get_or_create_category(spec.slug, spec.name, spec.description),
            title=(discussions.TITLE_PREFIX + target.title)[:MAX_TITLE],
            slug=slugify(target.title),
            author=author,
            created_at=created,
            last_activity_at=created,
            **{discussions.THREAD_COLUMNS[kind].key: target_id},
        )
        db.session.add(thread)
        db.session.flush()
    except IntegrityError:
        # Another first comment made the thread (or its category) a moment ago: join it.
        db.session.rollback()
        if _retried:
            raise
        return comment(author, kind, target_id, body, when=when, hold=hold, _retried=True)
    post = _add_post(author, thread, body, created, hold)
    _finish(post, {author.id, *target.starter_ids})
    log.info("%r created by %s for %s %s", thread, author, kind, target_id)
    return post


def edit_post(editor: User, post: Post, body: str) -> bool:
    """The author changes a post; the old text is kept as a revision. False: no change."""
    # Edits of one post take turns: a double-clicked Save finds the first one done (no change)
    # instead of racing it for the next revision number.
    lock_row(Post.id, post.id)
    db.session.refresh(post)
    if post.author_id != editor.id:
        raise ForumError("You can only edit your own posts")
    if post.hidden_at is not None:
        raise ForumError("A moderator hid this post: it cannot be edited")
    if post.thread.locked:
        raise ForumError("This thread is locked: its posts cannot be edited", "body")
    body = check_body(body)
    if body == post.body:
        db.session.rollback()  # let go of the lock
        return False
    number = (
        db.session.scalar(
            select(func.max(PostRevision.number)).where(PostRevision.post_id == post.id)
        )
        or 0
    ) + 1
    db.session.add(
        PostRevision(
            post_id=post.id,
            number=number,
            body=post.body,
            written_at=post.edited_at or post.created_at,
            editor_id=editor.id,
        )
    )
    post.body = body
    post.edited_at = utcnow()
    indexing.reindex_thread(post.thread, post)
    if post.is_public:
        notifying.notify_about(post)  # the newly mentioned hear about it; nobody hears twice
    db.session.commit()
    log.info("%r edited by %s", post, editor)
    notification_emails.send_and_deliver()
    return True


def delete_own_post(author: User, post: Post) -> None:
    """The author takes a post down: it is hidden like a moderator's hide, and can be restored
    by a moderator. Deleting the opening post takes the thread out of lists."""
    if post.author_id != author.id:
        raise ForumError("You can only delete your own posts")
    if post.hidden_at is not None:
        raise ForumError("This post is already gone")
    if post.thread.locked:
        raise ForumError("This thread is locked: its posts cannot be deleted")
    post.hidden_at = utcnow()
    post.hidden_by_id = author.id
    post.hidden_reason = "Deleted by its author"
    changed = refresh_thread(post.thread)
    indexing.reindex_thread(post.thread, post, everything=changed)
    notifying.withdraw_about(post)
    db.session.commit()
    log.info("%r deleted by its author %s", post, author)
