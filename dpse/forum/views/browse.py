"""Reading the forum: categories, thread lists, threads, permalinks and post history."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from dpse.forum import discussions, queries
from dpse.forum.forms import ReplyForm
from dpse.forum.models import Post, Thread
from dpse.forum.views import bp
from dpse.pagecache import shared_when_signed_in
from dpse.permissions import (
    can_moderate_forum,
    can_reply,
    can_view_post,
    can_view_post_history,
    can_view_thread,
    require,
)
from dpse.web import found_or_404, page_arg, page_size


def visible_thread(thread_id: int) -> Thread:
    """The thread if the visitor may see it, else 404 (its existence stays private)."""
    return found_or_404(queries.thread_by_id(thread_id), lambda t: can_view_thread(current_user, t))


def visible_post(post_id: int) -> Post:
    """The post if the visitor may see it and its thread, else 404."""
    return found_or_404(
        queries.post_by_id(post_id),
        lambda p: can_view_post(current_user, p) and can_view_thread(current_user, p.thread),
    )


@bp.route("")
def index() -> str:
    """Categories with thread and post counts and their latest activity."""
    return render_template("forum/index.html", summaries=queries.overview())


@bp.route("/<slug>")
def category(slug: str) -> str:
    """A category's threads: pinned first, then by last activity, in pages."""
    found = found_or_404(queries.category_by_slug(slug))
    pager = queries.threads_page(found, current_user, page_arg(), page_size())
    last = queries.last_posts([t.id for t in pager.items], current_user)
    return render_template("forum/category.html", category=found, pager=pager, last=last)


@bp.route("/t/<int:thread_id>")
@bp.route("/t/<int:thread_id>-<slug>")
@shared_when_signed_in(involved=queries.reader_involved_in_thread)
def thread(thread_id: int, slug: str = "") -> str | Response:
    """A thread's posts in order, in pages, with the reply form on every page."""
    found = visible_thread(thread_id)
    if slug != found.slug:
        args = {k: v for k, v in request.args.items() if k == "page"}
        return redirect(url_for("forum.thread", thread_id=found.id, slug=found.slug, **args), 301)
    pager = queries.posts_page(found, current_user, page_arg(), page_size())
    linked = discussions.thread_kind(found)
    target = discussions.resolve(*linked) if linked else None
    return render_template(
        "forum/thread.html",
        thread=found,
        pager=pager,
        target=target,
        following=queries.follows_thread(current_user, found),
        # Made only where it is shown: its CSRF token would start a session for every visitor
        # (and keep the page out of the anonymous page cache).
        form=ReplyForm() if can_reply(current_user, found) else None,
        categories=queries.categories() if can_moderate_forum(current_user) else [],
    )


@bp.route("/p/<int:post_id>")
def permalink(post_id: int) -> Response:
    """A post's permanent address: the page of its thread it is on, at the post."""
    post = visible_post(post_id)
    thread = post.thread
    page = queries.page_of(post, current_user, page_size())
    args = {"page": page} if page > 1 else {}
    url = url_for("forum.thread", thread_id=thread.id, slug=thread.slug, **args)
    return redirect(f"{url}#post-{post.id}")


@bp.route("/p/<int:post_id>/history")
@login_required
def history(post_id: int) -> str:
    """Earlier versions of a post (moderators)."""
    post = visible_post(post_id)
    require(can_view_post_history(current_user, post))
    return render_template(
        "forum/history.html", post=post, thread=post.thread, revisions=queries.revisions(post)
    )
