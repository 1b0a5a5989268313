"""Writing in the forum: new threads, replies (with quotes), comments and edits.

Posting is rate-limited per account (DPSE_POST_RATE_LIMIT). Only successful posts count, and
previews are free. When the limit is reached the form comes back with what was typed and a
message, rather than a bare error page.
"""

from __future__ import annotations

import inspect

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from dpse.accounts.models import User
from dpse.extensions import limiter
from dpse.forum import bp, discussions, queries, service
from dpse.forum.forms import CommentForm, DeletePostForm, EditPostForm, ReplyForm, ThreadForm
from dpse.forum.models import Post
from dpse.forum.views.browse import visible_post, visible_thread
from dpse.limits import PREVIEW_MESSAGE, preview_allowed
from dpse.permissions import (
    can_delete_post,
    can_edit_post,
    can_post,
    can_reply,
    require,
)
from dpse.rules import show_on_form
from dpse.web import bounded_int_arg

RATE_MESSAGE = (
    "You are posting faster than the forum allows. Wait a minute, then post again: "
    "what you wrote is still here."
)
HELD_MESSAGE = (
    "Thank you. As a new member, your first posts are checked by a moderator before others "
    "see them; you can see it already."
)
Rendered = str | Response | tuple[str, int]


def signed_in_user() -> User:
    """The real User behind Flask-Login's proxy, for service calls."""
    return current_user._get_current_object()


def _post_rate_limit() -> str:
    return current_app.config["POST_RATE_LIMIT"]


def _poster() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()


def _previewing() -> bool:
    return request.form.get("action") == "preview"


def _posted(response: Response) -> bool:
    return response.status_code in (302, 303)


posting_limit = limiter.shared_limit(
    _post_rate_limit,
    scope="forum-posting",
    key_func=_poster,
    methods=["POST"],
    exempt_when=_previewing,
    deduct_when=_posted,
)
POSTING_ENDPOINTS = {"forum.new_thread", "forum.reply", "forum.comment"}


@bp.errorhandler(TooManyRequests)
def posting_too_fast(exc: TooManyRequests) -> Rendered:
    """Over the posting limit: show the same form again with the input and a message."""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method != "POST" or request.endpoint not in POSTING_ENDPOINTS or view is None:
        return render_template("errors/429.html", code=429), 429
    g.forum_rate_limited = True
    # The view itself, without its decorators: the limiter would refuse again, and the
    # sign-in check has passed already (it runs before the limit).
    return inspect.unwrap(view)(**(request.view_args or {}))


def _refused_for_rate(form: object) -> bool:
    """Whether this request is the rate limiter's replay (then the form says why)."""
    if g.get("forum_rate_limited"):
        form.form_errors.append(RATE_MESSAGE)  # type: ignore[attr-defined]
        return True
    return False


def _preview_allowed(form: object) -> bool:
    """Count a preview against the account's allowance; over it, say so on the form."""
    if preview_allowed(current_user.id):
        return True
    form.form_errors.append(PREVIEW_MESSAGE)  # type: ignore[attr-defined]
    g.preview_refused = True
    return False


def _status(form: object) -> int:
    if g.get("forum_rate_limited") or g.get("preview_refused"):
        return 429
    return 400 if (form.errors or form.form_errors) else 200  # type: ignore[attr-defined]


def _landing(post: Post) -> Response:
    """Where a new post is seen: under its case study or event if shown there, else its page."""
    linked = discussions.thread_kind(post.thread)
    target = discussions.resolve(*linked) if linked else None
    if target is not None and queries.position_of(post, current_user) < queries.DISCUSSION_LIMIT:
        return redirect(f"{target.url}#post-{post.id}")
    return redirect(url_for("forum.permalink", post_id=post.id))


def _after_posting(post_is_public: bool, message: str) -> None:
    flash(message if post_is_public else HELD_MESSAGE, "success")


@bp.route("/new", methods=["GET", "POST"])
@login_required
@posting_limit
def new_thread() -> Rendered:
    """Start a thread in a category, with a preview before posting."""
    require(can_post(current_user))
    form = ThreadForm()
    choices = [SelectChoice(c.slug, c.name) for c in queries.categories()]
    form.category.choices = choices
    if request.method == "GET":
        wanted = request.args.get("category", "")
        form.category.data = wanted if wanted in {c.value for c in choices} else None
    preview = False
    if form.validate_on_submit() and not _refused_for_rate(form):
        if _previewing():
            preview = _preview_allowed(form)
        else:
            category = queries.category_by_slug(form.category.data)
            try:
                thread = service.create_thread(
                    signed_in_user(), category, form.title.data, form.body.data, form.tag_names()
                )
            except service.ForumError as exc:
                show_on_form(form, exc)
            else:
                _after_posting(thread.visible, "Your thread has started.")
                return redirect(url_for("forum.thread", thread_id=thread.id, slug=thread.slug))
    return render_template("forum/new_thread.html", form=form, preview=preview), _status(form)


@bp.route("/t/<int:thread_id>-<slug>/reply", methods=["GET", "POST"])
@login_required
@posting_limit
def reply(thread_id: int, slug: str) -> Rendered:
    """Reply to a thread; ?quote=<post id> starts the reply with that post quoted."""
    thread = visible_thread(thread_id)
    require(can_reply(current_user, thread))
    form = ReplyForm()
    quoted = None
    quote_id = bounded_int_arg("quote")
    if request.method == "GET" and quote_id is not None:
        quoted = visible_post(quote_id)
        if quoted.thread_id != thread.id:
            abort(404)
        form.body.data = service.quote(quoted)
    preview = False
    if form.validate_on_submit() and not _refused_for_rate(form):
        if _previewing():
            preview = _preview_allowed(form)
        else:
            try:
                post = service.reply(signed_in_user(), thread, form.body.data)
            except service.ForumError as exc:
                show_on_form(form, exc)
            else:
                _after_posting(post.is_public, "Your reply has been posted.")
                return _landing(post)
    return render_template(
        "forum/reply.html", thread=thread, form=form, preview=preview, quoted=quoted
    ), _status(form)


@bp.route("/discuss/<kind>/<int:target_id>", methods=["GET", "POST"])
@login_required
@posting_limit
def comment(kind: str, target_id: int) -> Rendered:
    """Comment under a case study or event (the form under it posts here)."""
    target = discussions.resolve(kind, target_id)
    if target is None:
        abort(404)
    require(can_post(current_user) and target.accepts_comments)
    thread = discussions.thread_for(kind, target_id)
    if thread is not None and thread.locked:
        abort(403)
    form = CommentForm()
    preview = False
    if form.validate_on_submit() and not _refused_for_rate(form):
        if _previewing():
            preview = _preview_allowed(form)
        else:
            try:
                post = service.comment(signed_in_user(), kind, target_id, form.body.data)
            except service.ForumError as exc:
                show_on_form(form, exc)
            else:
                _after_posting(post.is_public, "Your comment has been posted.")
                return _landing(post)
    return render_template(
        "forum/comment.html", target=target, form=form, preview=preview
    ), _status(form)


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> Rendered:
    """Change your own post; the earlier text is kept for the moderators."""
    post = visible_post(post_id)
    require(can_edit_post(current_user, post))
    form = EditPostForm()
    if request.method == "GET":
        form.body.data = post.body
    preview = False
    if form.validate_on_submit():
        if _previewing():
            preview = _preview_allowed(form)
        else:
            try:
                changed = service.edit_post(signed_in_user(), post, form.body.data)
            except service.ForumError as exc:
                show_on_form(form, exc)
            else:
                flash(
                    "Your post has been changed." if changed else "Nothing had changed.", "success"
                )
                return redirect(url_for("forum.permalink", post_id=post.id))
    return render_template(
        "forum/edit.html", post=post, thread=post.thread, form=form, preview=preview
    ), _status(form)


@bp.route("/p/<int:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete(post_id: int) -> Rendered:
    """Take down your own post, after saying yes on a confirmation page."""
    post = visible_post(post_id)
    require(can_delete_post(current_user, post))
    form = DeletePostForm()
    if form.validate_on_submit():
        thread = post.thread
        try:
            service.delete_own_post(signed_in_user(), post)
        except service.ForumError as exc:
            form.form_errors.append(exc.message)
        else:
            flash("Your post has been deleted.", "success")
            if thread.visible:
                return redirect(url_for("forum.thread", thread_id=thread.id, slug=thread.slug))
            return redirect(url_for("forum.category", slug=thread.category.slug))
    opening = not post.thread.is_discussion and service.opening_post_id(post.thread) == post.id
    return render_template(
        "forum/delete.html", post=post, thread=post.thread, form=form, opening=opening
    ), _status(form)
