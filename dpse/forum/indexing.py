"""How the forum appears in search: a visible thread is one document (its title and first public
post), and each later public post in it is a document of its own. Hidden and held posts, and
threads nobody may see, are never indexed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import joinedload, selectinload

from dpse.content import shorten
from dpse.extensions import db
from dpse.forum.models import Post, Thread
from dpse.search.engine import Source, in_batches
from dpse.search.models import queue_reindex
from dpse.search.schema import SearchDocument
from dpse.urls import path_for

PUBLIC = and_(Post.hidden_at.is_(None), Post.held_for_review.is_(False))


def _ranked() -> Select:
    """Public posts of visible threads, numbered within their thread (1 is the first)."""
    return (
        select(
            Post.id.label("post_id"),
            Post.thread_id.label("thread_id"),
            func.row_number()
            .over(partition_by=Post.thread_id, order_by=(Post.created_at, Post.id))
            .label("rank"),
        )
        .join(Thread, Thread.id == Post.thread_id)
        .where(PUBLIC, Thread.visible.is_(True))
    )


def _first_posts(thread_ids: list[int]) -> dict[int, Post]:
    ranked = _ranked().where(Post.thread_id.in_(thread_ids)).subquery()
    rows = db.session.scalars(
        select(Post).join(ranked, ranked.c.post_id == Post.id).where(ranked.c.rank == 1)
    )
    return {p.thread_id: p for p in rows}


def _doc(
    kind: str, doc_id: int, thread: Thread, post: Post, url: str, date: datetime
) -> SearchDocument:
    """A forum document: worded by one post, titled and tagged by its thread."""
    return SearchDocument(
        type=kind,
        id=doc_id,
        title=thread.title,
        summary=shorten(post.body_text, 220),
        body=post.body_text,
        url=url,
        date=date,
        tags=[(t.slug, t.name) for t in thread.tags],
        language=thread.language,
    )


def thread_doc(thread: Thread, first: Post) -> SearchDocument:
    """A thread: its title, its first public post, its tags."""
    url = path_for("forum.thread", thread_id=thread.id, slug=thread.slug)
    return _doc("thread", thread.id, thread, first, url, thread.created_at)


def post_doc(post: Post) -> SearchDocument:
    """A reply (or later comment): found by its words, titled by its thread."""
    url = path_for("forum.permalink", post_id=post.id)
    return _doc("post", post.id, post.thread, post, url, post.created_at)


def _threads() -> Select:
    return select(Thread).where(Thread.visible.is_(True)).options(selectinload(Thread.tags))


def load_threads(ids: list[int]) -> dict[int, SearchDocument]:
    """Documents for the visible threads among ids."""
    threads = list(db.session.scalars(_threads().where(Thread.id.in_(ids))))
    firsts = _first_posts([t.id for t in threads])
    return {t.id: thread_doc(t, firsts[t.id]) for t in threads if t.id in firsts}


def iter_threads(batch: int = 200) -> Iterator[SearchDocument]:
    """Every visible thread, in id order, a batch at a time."""
    for rows in in_batches(_threads(), Thread.id, batch):
        firsts = _first_posts([t.id for t in rows])
        yield from (thread_doc(t, firsts[t.id]) for t in rows if t.id in firsts)


def count_threads() -> int:
    """How many thread documents the index should hold."""
    ranked = _ranked().subquery()
    return db.session.scalar(select(func.count()).where(ranked.c.rank == 1)) or 0


def _later_posts(condition: object) -> Select:
    ranked = _ranked().where(condition).subquery()  # type: ignore[arg-type]
    return (
        select(Post)
        .join(ranked, ranked.c.post_id == Post.id)
        .where(ranked.c.rank > 1)
        .options(joinedload(Post.thread).selectinload(Thread.tags))
    )


def load_posts(ids: list[int]) -> dict[int, SearchDocument]:
    """Documents for the indexable posts among ids (public, not first, in a visible thread)."""
    wanted = select(Post.thread_id).where(Post.id.in_(ids))
    rows = db.session.scalars(_later_posts(Post.thread_id.in_(wanted)).where(Post.id.in_(ids)))
    return {p.id: post_doc(p) for p in rows.unique()}


def iter_posts(batch: int = 500) -> Iterator[SearchDocument]:
    """Every indexable post, in id order, a batch at a time."""
    for rows in in_batches(_later_posts(Post.id.is_not(None)), Post.id, batch):
        yield from (post_doc(p) for p in rows)


def count_posts() -> int:
    """How many post documents the index should hold."""
    ranked = _ranked().subquery()
    return db.session.scalar(select(func.count()).where(ranked.c.rank > 1)) or 0


def reindex_thread(thread: Thread, *posts: Post, everything: bool = False) -> None:
    """Queue a thread's document and some posts' (or, when ``everything``, all its posts': its
    visibility changed) in the caller's transaction."""
    queue_reindex("thread", thread.id)
    ids = {p.id for p in posts}
    if everything:
        ids |= set(db.session.scalars(select(Post.id).where(Post.thread_id == thread.id)))
    else:
        # The first public post belongs to the thread's document: when one post appears or
        # goes, the first and second public posts may swap between the thread's document
        # and their own, so both are looked at again.
        ranked = _ranked().where(Post.thread_id == thread.id).subquery()
        ids |= set(db.session.scalars(select(ranked.c.post_id).where(ranked.c.rank <= 2)))
    for post_id in sorted(ids):
        queue_reindex("post", post_id)


THREADS = Source("thread", load_threads, iter_threads, count_threads)
POSTS = Source("post", load_posts, iter_posts, count_posts)
