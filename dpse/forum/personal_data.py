"""A person's threads and posts in their data export, and what happens to them when the account
is deleted (the "account.export" and "account.erase" extension points of dpse.accounts).

Removing: each of their posts is hidden like a post its author deleted, its text and earlier
versions wiped; a thread they opened leaves lists with its opening post (the forum's own rule),
while others' replies stay readable to moderators. Keeping: the posts stay, shown as written by
a former member.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import delete, select

from dpse.accounts.export import JsonFile, TextFile, row_dict
from dpse.accounts.models import User
from dpse.casestudies.personal_data import removed_with
from dpse.extensions import db
from dpse.forum import indexing, notifying
from dpse.forum.models import Post, PostRevision, Thread
from dpse.forum.service import refresh_thread
from dpse.mixins import utcnow

REMOVED = "Removed when its author deleted their account"


def export_forum(user: User) -> Iterator[JsonFile | TextFile]:
    """Threads the person opened, every post they wrote and its earlier versions."""
    threads = select(Thread).where(Thread.author_id == user.id).order_by(Thread.id)
    yield JsonFile("threads.json", (row_dict(t) for t in db.session.scalars(threads)))
    # A batch at a time: a prolific poster's posts never sit in memory all at once.
    posts = (
        select(Post)
        .where(Post.author_id == user.id)
        .order_by(Post.id)
        .execution_options(yield_per=200)
    )
    yield JsonFile(
        "posts.json", (row_dict(p, skip={"body_text"}) for p in db.session.scalars(posts))
    )
    mine = select(Post.id).where(Post.author_id == user.id)
    revisions = select(PostRevision).where(PostRevision.post_id.in_(mine)).order_by(PostRevision.id)
    yield JsonFile(
        "post_revisions.json",
        (row_dict(r, skip={"body_text"}) for r in db.session.scalars(revisions)),
    )
    for post in db.session.scalars(posts):
        yield TextFile(f"writing/posts/post-{post.id}.md", post.body)


def erase_forum(user: User, remove: bool) -> None:
    """Hide and wipe their posts when they asked to remove their writing; else keep them."""
    if not remove:
        return
    # The discussion of a case study that goes with them has nothing left to discuss: it
    # leaves lists, its comments kept for moderators (PostgreSQL would unlink it anyway).
    orphaned = select(Thread).where(Thread.case_study_id.in_(removed_with(user)))
    for thread in db.session.scalars(orphaned):
        thread.case_study_id, thread.visible = None, False
        indexing.reindex_thread(thread, everything=True)
    posts = list(db.session.scalars(select(Post).where(Post.author_id == user.id)))
    now = utcnow()
    touched: dict[int, list[Post]] = {}
    for post in posts:
        if post.hidden_at is None:
            post.hidden_at, post.hidden_by_id, post.hidden_reason = now, user.id, REMOVED
        post.body = ""  # renders the stored HTML and text empty too
        post.held_for_review = False
        notifying.withdraw_about(post)
        touched.setdefault(post.thread_id, []).append(post)
    if posts:
        ids = [p.id for p in posts]
        db.session.execute(delete(PostRevision).where(PostRevision.post_id.in_(ids)))
    for thread_id, thread_posts in touched.items():
        thread = db.session.get(Thread, thread_id)
        assert thread is not None
        changed = refresh_thread(thread)
        indexing.reindex_thread(thread, *thread_posts, everything=changed)
