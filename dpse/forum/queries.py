"""Reading the forum: category overview, thread lists, pages of posts, permalinks, discussions.

Every page runs a fixed number of queries whatever the number of threads or posts: posts are
always fetched a page at a time with their authors, never through a thread's collection.

About 440 lines: each forum page's read is here with the eager loads that keep it to a fixed
number of queries, plus the sections it lends to tag, profile and moderation pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload
from sqlalchemy.sql.elements import ColumnElement

from dpse.accounts import queries as accounts_queries
from dpse.accounts.models import User
from dpse.accounts.queries import Section
from dpse.extensions import db
from dpse.forum import discussions
from dpse.forum.models import Category, Post, PostRevision, Thread, thread_tag
from dpse.notifications import service as notifications
from dpse.notifications.models import Subscription, TargetType
from dpse.notifications.queries import FollowTarget
from dpse.permissions import can_moderate
from dpse.tags.models import Tag
from dpse.urls import path_for

DISCUSSION_LIMIT = 50
MAX_PAGE = 100_000  # beyond any real list; keeps OFFSET inside the database's integer range


def _signed_in(user: User | Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def visible_posts(user: User | Any) -> ColumnElement[bool]:
    """SQL condition: the posts this person may read (see permissions.can_view_post)."""
    if can_moderate(user):
        return true()
    public = and_(Post.hidden_at.is_(None), Post.held_for_review.is_(False))
    if _signed_in(user):
        return or_(public, and_(Post.hidden_at.is_(None), Post.author_id == user.id))
    return public


def visible_threads(user: User | Any) -> ColumnElement[bool]:
    """SQL condition: the threads this person may open (see permissions.can_view_thread)."""
    if can_moderate(user):
        return true()
    if _signed_in(user):
        held_by_them = and_(Thread.held_for_review.is_(True), Thread.author_id == user.id)
        return or_(Thread.visible.is_(True), held_by_them)
    return Thread.visible.is_(True)


def post_options() -> list[Any]:
    """Eager loads for showing posts: author, their organisation (supplier label), hider."""
    return [
        joinedload(Post.author).joinedload(User.organisation),
        joinedload(Post.hidden_by),
    ]


@dataclass
class CategorySummary:
    """One row of the forum's front page."""

    category: Category
    threads: int
    posts: int
    last_activity_at: datetime | None
    latest: Thread | None


def categories() -> list[Category]:
    """All categories in their order."""
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))


def category_by_id(category_id: int) -> Category | None:
    """One category, or None."""
    return db.session.get(Category, category_id)


def category_by_slug(slug: str) -> Category | None:
    """One category, or None."""
    return db.session.scalar(select(Category).where(Category.slug == slug))


def overview() -> list[CategorySummary]:
    """Categories with their public thread and post counts and latest thread (3 queries)."""
    stats = {
        row.category_id: row
        for row in db.session.execute(
            select(
                Thread.category_id,
                func.count(Thread.id).label("threads"),
                func.coalesce(func.sum(Thread.reply_count + 1), 0).label("posts"),
            )
            .where(Thread.visible.is_(True))
            .group_by(Thread.category_id)
        )
    }
    # Each category's latest visible thread: one index lookup per category (the window
    # function over every thread it replaced took 60 ms at S10).
    latest_id = (
        select(Thread.id)
        .where(Thread.category_id == Category.id, Thread.visible.is_(True))
        .order_by(Thread.last_activity_at.desc(), Thread.id.desc())
        .limit(1)
        .correlate(Category)
        .scalar_subquery()
    )
    latest = {
        t.category_id: t
        for t in db.session.scalars(
            select(Thread).where(Thread.id.in_(select(latest_id).select_from(Category)))
        )
    }
    summaries = []
    for category in categories():
        row = stats.get(category.id)
        newest = latest.get(category.id)
        summaries.append(
            CategorySummary(
                category,
                row.threads if row else 0,
                int(row.posts) if row else 0,
                newest.last_activity_at if newest else None,
                newest,
            )
        )
    return summaries


def threads_page(category: Category, user: User | Any, page: int, per_page: int) -> Any:
    """A page of a category's threads: pinned first, then most recently active."""
    stmt = (
        select(Thread)
        .where(Thread.category_id == category.id, visible_threads(user))
        .options(joinedload(Thread.author), selectinload(Thread.tags))
        .order_by(Thread.pinned.desc(), Thread.last_activity_at.desc(), Thread.id.desc())
    )
    return _paginate(stmt, page, per_page)


def _paginate(stmt: Any, page: int, per_page: int) -> Any:
    """db.paginate, with a page past the end showing the last page instead of nothing."""
    page = min(max(page, 1), MAX_PAGE)
    pager = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    if pager.page > 1 and pager.page > pager.pages:
        pager = db.paginate(stmt, page=max(pager.pages, 1), per_page=per_page, error_out=False)
    return pager


def last_posts(thread_ids: list[int], user: User | Any) -> dict[int, Post]:
    """The newest post this person may see in each thread, with its author (one query)."""
    if not thread_ids:
        return {}
    ranked = (
        select(
            Post.id,
            func.row_number()
            .over(partition_by=Post.thread_id, order_by=(Post.created_at.desc(), Post.id.desc()))
            .label("rank"),
        )
        .where(Post.thread_id.in_(thread_ids), visible_posts(user))
        .subquery()
    )
    rows = db.session.scalars(
        select(Post)
        .join(ranked, ranked.c.id == Post.id)
        .where(ranked.c.rank == 1)
        .options(joinedload(Post.author))
    )
    return {post.thread_id: post for post in rows}


def thread_by_id(thread_id: int) -> Thread | None:
    """A thread with its category, tags and author."""
    return db.session.scalar(
        select(Thread)
        .where(Thread.id == thread_id)
        .options(joinedload(Thread.category), joinedload(Thread.author), selectinload(Thread.tags))
    )


def post_by_id(post_id: int) -> Post | None:
    """A post with its thread and author."""
    return db.session.scalar(
        select(Post)
        .where(Post.id == post_id)
        .options(joinedload(Post.thread), joinedload(Post.author).joinedload(User.organisation))
    )


def posts_page(thread: Thread, user: User | Any, page: int, per_page: int) -> Any:
    """A page of a thread's posts this person may read, oldest first (two queries)."""
    stmt = (
        select(Post)
        .where(Post.thread_id == thread.id, visible_posts(user))
        .options(*post_options())
        .order_by(Post.created_at, Post.id)
    )
    return _paginate(stmt, page, per_page)


def position_of(post: Post, user: User | Any) -> int:
    """How many posts this reader sees before this one in its thread."""
    before = db.session.scalar(
        select(func.count(Post.id)).where(
            Post.thread_id == post.thread_id,
            visible_posts(user),
            or_(
                Post.created_at < post.created_at,
                and_(Post.created_at == post.created_at, Post.id < post.id),
            ),
        )
    )
    return before or 0


def page_of(post: Post, user: User | Any, per_page: int) -> int:
    """Which page of its thread a post is on, for this reader."""
    return position_of(post, user) // per_page + 1


def should_hold(author: User) -> bool:
    """New accounts' posts wait for review until DPSE_HOLD_FIRST_POSTS have been approved."""
    needed = current_app.config.get("HOLD_FIRST_POSTS", 0)
    if needed <= 0 or can_moderate(author):
        return False
    approved = db.session.scalar(
        select(func.count(Post.id)).where(
            Post.author_id == author.id,
            Post.held_for_review.is_(False),
            Post.hidden_at.is_(None),
        )
    )
    return (approved or 0) < needed


def opening_post_id(thread: Thread) -> int | None:
    """The id of a thread's first post."""
    return db.session.scalar(
        select(Post.id)
        .where(Post.thread_id == thread.id)
        .order_by(Post.created_at, Post.id)
        .limit(1)
    )


def quote(post: Post) -> str:
    """A post as a Markdown blockquote with attribution, to start a reply with."""
    lines = post.body.strip().splitlines() or [""]
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in lines)
    return f"{post.author.display_name} wrote:\n\n{quoted}\n\n"


def revisions(post: Post) -> list[PostRevision]:
    """Earlier versions of a post, newest first, with their editors."""
    return list(
        db.session.scalars(
            select(PostRevision)
            .where(PostRevision.post_id == post.id)
            .options(joinedload(PostRevision.editor))
            .order_by(PostRevision.number.desc())
        )
    )


def held_posts(limit: int = 100) -> list[Post]:
    """Posts waiting for review, oldest first, with their threads and authors."""
    return list(
        db.session.scalars(
            select(Post)
            .where(Post.held_for_review.is_(True), Post.hidden_at.is_(None))
            .options(joinedload(Post.thread), *post_options())
            .order_by(Post.created_at, Post.id)
            .limit(limit)
        )
    )


def threads_for_tag(tag_id: int, limit: int = 50) -> list[Thread]:
    """Public threads with a tag, most recently active first."""
    tagged = select(thread_tag.c.thread_id).where(thread_tag.c.tag_id == tag_id)
    return list(
        db.session.scalars(
            select(Thread)
            .where(Thread.id.in_(tagged), Thread.visible.is_(True))
            .options(joinedload(Thread.author), joinedload(Thread.category))
            .order_by(Thread.last_activity_at.desc(), Thread.id.desc())
            .limit(limit)
        )
    )


def tag_section(tag: Tag, user: User | Any) -> dict[str, Any]:
    """The forum's section of a tag page (registered for tags' "tag_sections")."""
    return {"threads": threads_for_tag(tag.id)}


def active_threads(limit: int = 5) -> list[Thread]:
    """The most recently active public threads, for the home page."""
    return list(
        db.session.scalars(
            select(Thread)
            .where(Thread.visible.is_(True))
            .options(joinedload(Thread.category))
            .order_by(Thread.last_activity_at.desc(), Thread.id.desc())
            .limit(limit)
        )
    )


def discussion_involvement(kind: str, target_id: Any, user_id: int) -> ColumnElement[bool]:
    """SQL: whether this person follows a case study or event (or its comments) or wrote in its
    comments, so that its page shows them something of their own (``target_id`` may be a
    subquery). For the shared page cache of signed-in readers (dpse/pagecache.py)."""
    threads = select(Thread.id).where(discussions.THREAD_COLUMNS[kind] == target_id)
    follows = select(Subscription.id).where(Subscription.user_id == user_id)
    return or_(
        follows.where(
            Subscription.target_type == discussions.FOLLOW_TYPES[kind],
            Subscription.target_id == target_id,
        ).exists(),
        follows.where(
            Subscription.target_type == TargetType.THREAD, Subscription.target_id.in_(threads)
        ).exists(),
        select(Post.id).where(Post.author_id == user_id, Post.thread_id.in_(threads)).exists(),
    )


def reader_involved_in_thread(user_id: int, thread_id: int, slug: str = "") -> ColumnElement[bool]:
    """Whether a thread's page shows this person something of their own: they started it,
    wrote in it (their held posts show only to them) or follow it. A condition the shared page
    cache of signed-in readers reads in its one statement."""
    del slug  # the thread's address carries it; the id decides
    involved = or_(
        select(Thread.id).where(Thread.id == thread_id, Thread.author_id == user_id).exists(),
        select(Post.id).where(Post.thread_id == thread_id, Post.author_id == user_id).exists(),
        select(Subscription.id)
        .where(
            Subscription.user_id == user_id,
            Subscription.target_type == TargetType.THREAD,
            Subscription.target_id == thread_id,
        )
        .exists(),
    )
    return involved


def follows_thread(user: User | Any, thread: Thread) -> bool:
    """Whether this person follows the thread (anonymous visitors follow nothing)."""
    return notifications.is_following(user, TargetType.THREAD, thread.id)


@dataclass
class Discussion:
    """The comments under a case study or event, as its page shows them."""

    kind: str
    target_id: int
    thread: Thread | None
    posts: list[Post]
    total: int
    following: bool
    accepts_comments: bool

    @property
    def more(self) -> int:
        """Comments not shown here (read them in the forum)."""
        return max(self.total - len(self.posts), 0)


def discussion_for(
    kind: str, target_id: int, user: User | Any, accepts_comments: bool = True
) -> Discussion:
    """The discussion under a case study or event (its first comments), for this reader."""
    thread = discussions.thread_for(kind, target_id)
    posts: list[Post] = []
    total = 0
    if thread is not None:
        condition = and_(Post.thread_id == thread.id, visible_posts(user))
        total = db.session.scalar(select(func.count(Post.id)).where(condition)) or 0
        if total:
            posts = list(
                db.session.scalars(
                    select(Post)
                    .where(condition)
                    .options(*post_options())
                    .order_by(Post.created_at, Post.id)
                    .limit(DISCUSSION_LIMIT)
                )
            )
    # Following the page or its comment thread (authors follow the thread) both count.
    following = notifications.is_following(user, discussions.FOLLOW_TYPES[kind], target_id) or (
        thread is not None and notifications.is_following(user, TargetType.THREAD, thread.id)
    )
    return Discussion(kind, target_id, thread, posts, total, following, accepts_comments)


def follow_targets(ids: list[int], user: Any) -> dict[int, FollowTarget]:
    """Followed threads the reader may see (registered with notifications in create_app)."""
    rows = db.session.scalars(select(Thread).where(Thread.id.in_(ids), visible_threads(user)))
    return {
        t.id: FollowTarget(
            TargetType.THREAD, t.id, t.title, path_for("forum.thread", thread_id=t.id, slug=t.slug)
        )
        for t in rows
    }


# Followed things whose comments are a forum thread, by the kind forum.discussions knows them.
DISCUSSION_KINDS = {TargetType.CASE_STUDY: "case_study", TargetType.EVENT: "event"}


def discussion_thread_id(target_type: TargetType, target_id: int) -> int | None:
    """The forum thread holding the comments on a case study or event, if it has one yet."""
    kind = DISCUSSION_KINDS.get(target_type)
    thread = discussions.thread_for(kind, target_id) if kind else None
    return thread.id if thread is not None else None


def _is_reply() -> ColumnElement[bool]:
    """SQL condition on Post (joined to Thread): not the opening post of a forum thread (every
    comment under a case study or event counts as a reply)."""
    opening = aliased(Post)  # the outer query's Post is another row
    first = (
        select(opening.id)
        .where(opening.thread_id == Thread.id)
        .order_by(opening.created_at, opening.id)
        .limit(1)
        .correlate(Thread)
        .scalar_subquery()
    )
    return or_(Thread.case_study_id.is_not(None), Thread.event_id.is_not(None), Post.id != first)


def profile_sections(person: User, only: str | None, page: int, per_page: int) -> list[Section]:
    """A profile's forum sections: the threads the person started and their replies, as
    everyone sees them (nothing hidden or waiting for review), newest first."""
    sections = []
    if only in (None, "threads"):
        threads = (
            select(Thread)
            .where(
                Thread.author_id == person.id,
                Thread.visible.is_(True),
                Thread.case_study_id.is_(None),
                Thread.event_id.is_(None),
            )
            .options(joinedload(Thread.category))
            .order_by(Thread.created_at.desc(), Thread.id.desc())
        )
        pager = accounts_queries.paginate(threads, page, per_page)
        sections.append(Section("threads", "Forum threads", "thread", pager, "No threads yet."))
    if only in (None, "replies"):
        replies = (
            select(Post)
            .join(Thread, Thread.id == Post.thread_id)
            .where(
                Post.author_id == person.id,
                Post.hidden_at.is_(None),
                Post.held_for_review.is_(False),
                Thread.visible.is_(True),
                _is_reply(),
            )
            .options(contains_eager(Post.thread))
            .order_by(Post.created_at.desc(), Post.id.desc())
        )
        pager = accounts_queries.paginate(replies, page, per_page)
        sections.append(Section("replies", "Replies", "post", pager, "No replies yet."))
    return sections
