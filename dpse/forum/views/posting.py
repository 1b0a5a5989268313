"""Writing in the forum: new threads, replies (with quotes), comments and edits.

Posting is rate-limited per account (DPSE_POST_RATE_LIMIT). Only successful posts count, and
previews are free. When the limit is reached the form comes back with what was typed and a
message (status 429), rather than a bare error page: the views check the limit themselves,
before posting, and count a post once it is made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from limits import parse_many
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from dpse.extensions import limiter
from dpse.forum import discussions, queries, service
from dpse.forum.forms import CommentForm, DeletePostForm, EditPostForm, ReplyForm, ThreadForm
from dpse.forum.models import Post
from dpse.forum.views import bp
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
from dpse.web import bounded_int_arg, form_status, found_or_404, signed_in_user

RATE_MESSAGE = (
    "You are posting faster than the forum allows. Wait a minute, then post again: "
    "what you wrote is still here."
)
HELD_MESSAGE = (
    "Thank you. As a new member, your first posts are checked by a moderator before others "
    "see them; you can see it already."
)
# One allowance shared by new threads, replies and comments.
POSTING_SCOPE = "forum-posting"
Rendered = str | Response | tuple[str, int]
T = TypeVar("T")


def _previewing() -> bool:
    return request.form.get("action") == "preview"


class _Allowance:
    """This request's place in the account's posting allowance, and what the form says.

    Made at the start of a posting view: a POST that posts (not a preview) over the allowance
    is refused (status 429) whatever the form holds, as the limiter's decorator would have.
    """

    def __init__(self, posting: bool = True) -> None:
        self.refused = False
        if posting and request.method == "POST" and not _previewing() and limiter.enabled:
            key = self._key()
            self.refused = not all(
                limiter.limiter.test(w, POSTING_SCOPE, key) for w in self._windows()
            )

    def _windows(self) -> list:  # type: ignore[type-arg]
        return parse_many(current_app.config["POST_RATE_LIMIT"])

    def _key(self) -> str:
        return f"user:{current_user.id}"

    def refuses(self, form: FlaskForm) -> bool:
        """Whether this post is over the allowance (then the form says why)."""
        if self.refused:
            form.form_errors.append(RATE_MESSAGE)
        return self.refused

    def count(self) -> None:
        """Count one post made against every window of the allowance."""
        if limiter.enabled:
            for window in self._windows():
                limiter.limiter.hit(window, POSTING_SCOPE, self._key())

    def preview(self, form: FlaskForm) -> bool:
        """Count a preview against the account's allowance; over it, say so on the form."""
        if preview_allowed(current_user.id):
            return True
        form.form_errors.append(PREVIEW_MESSAGE)
        self.refused = True
        return False

    def status(self, form: FlaskForm) -> int:
        """429 when an allowance refused this request, else 400 or 200 (web.form_status)."""
        return 429 if self.refused else form_status(form)


def _landing(post: Post) -> Response:
    """Where a new post is seen: under its case study or event if shown there, else its page."""
    linked = discussions.thread_kind(post.thread)
    target = discussions.resolve(*linked) if linked else None
    if target is not None and queries.position_of(post, current_user) < queries.DISCUSSION_LIMIT:
        return redirect(f"{target.url}#post-{post.id}")
    return redirect(url_for("forum.permalink", post_id=post.id))


def _after_posting(allowance: _Allowance, post_is_public: bool, message: str) -> None:
    allowance.count()
    flash(message if post_is_public else HELD_MESSAGE, "success")


def _post_or_preview(
    allowance: _Allowance, form: FlaskForm, write: Callable[[], T]
) -> tuple[bool, T | None]:
    """For a submitted, valid form within the allowance: its preview, or the write made.

    Returns whether to show the preview, and what the write returned (None when nothing was
    written: not submitted, invalid, a preview, over the allowance, or refused on the form).
    """
    if not form.validate_on_submit() or allowance.refuses(form):
        return False, None
    if _previewing():
        return allowance.preview(form), None
    try:
        return False, write()
    except service.ForumError as exc:
        show_on_form(form, exc)
        return False, None


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_thread() -> Rendered:
    """Start a thread in a category, with a preview before posting."""
    require(can_post(current_user))
    allowance = _Allowance()
    form = ThreadForm()
    choices = [SelectChoice(c.slug, c.name) for c in queries.categories()]
    form.category.choices = choices
    if request.method == "GET":
        wanted = request.args.get("category", "")
        form.category.data = wanted if wanted in {c.value for c in choices} else None
    preview, thread = _post_or_preview(
        allowance,
        form,
        lambda: service.create_thread(
            signed_in_user(),
            queries.category_by_slug(form.category.data),
            form.title.data,
            form.body.data,
            form.tag_names(),
            language=form.language.data or "",
        ),
    )
    if thread is not None:
        _after_posting(allowance, thread.visible, "Your thread has started.")
        return redirect(url_for("forum.thread", thread_id=thread.id, slug=thread.slug))
    page = render_template("forum/new_thread.html", form=form, preview=preview)
    return page, allowance.status(form)


@bp.route("/t/<int:thread_id>-<slug>/reply", methods=["GET", "POST"])
@login_required
def reply(thread_id: int, slug: str) -> Rendered:
    """Reply to a thread; ?quote=<post id> starts the reply with that post quoted."""
    thread = visible_thread(thread_id)
    require(can_reply(current_user, thread))
    allowance = _Allowance()
    form = ReplyForm()
    quoted = None
    quote_id = bounded_int_arg("quote")
    if request.method == "GET" and quote_id is not None:
        quoted = visible_post(quote_id)
        if quoted.thread_id != thread.id:
            abort(404)
        form.body.data = queries.quote(quoted)
    preview, post = _post_or_preview(
        allowance, form, lambda: service.reply(signed_in_user(), thread, form.body.data)
    )
    if post is not None:
        _after_posting(allowance, post.is_public, "Your reply has been posted.")
        return _landing(post)
    return render_template(
        "forum/reply.html", thread=thread, form=form, preview=preview, quoted=quoted
    ), allowance.status(form)


@bp.route("/discuss/<kind>/<int:target_id>", methods=["GET", "POST"])
@login_required
def comment(kind: str, target_id: int) -> Rendered:
    """Comment under a case study or event (the form under it posts here)."""
    target = found_or_404(discussions.resolve(kind, target_id))
    require(can_post(current_user) and target.accepts_comments)
    thread = discussions.thread_for(kind, target_id)
    if thread is not None and thread.locked:
        abort(403)
    allowance = _Allowance()
    form = CommentForm()
    preview, post = _post_or_preview(
        allowance, form, lambda: service.comment(signed_in_user(), kind, target_id, form.body.data)
    )
    if post is not None:
        _after_posting(allowance, post.is_public, "Your comment has been posted.")
        return _landing(post)
    return render_template(
        "forum/comment.html", target=target, form=form, preview=preview
    ), allowance.status(form)


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int) -> Rendered:
    """Change your own post; the earlier text is kept for the moderators."""
    post = visible_post(post_id)
    require(can_edit_post(current_user, post))
    allowance = _Allowance(posting=False)
    form = EditPostForm()
    if request.method == "GET":
        form.body.data = post.body
    # An edit is no new post: the allowance (posting=False) refuses nothing, only previews count.
    preview, changed = _post_or_preview(
        allowance, form, lambda: service.edit_post(signed_in_user(), post, form.body.data)
    )
    if changed is not None:
        flash("Your post has been changed." if changed else "Nothing had changed.", "success")
        return redirect(url_for("forum.permalink", post_id=post.id))
    return render_template(
        "forum/edit.html", post=post, thread=post.thread, form=form, preview=preview
    ), allowance.status(form)


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
    opening = not post.thread.is_discussion and queries.opening_post_id(post.thread) == post.id
    return render_template(
        "forum/delete.html", post=post, thread=post.thread, form=form, opening=opening
    ), form_status(form)
