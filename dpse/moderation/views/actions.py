"""Moderators' actions on posts, threads and flags; each is audited by the service."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from dpse.accounts.models import User
from dpse.forum import queries as forum_queries
from dpse.forum.models import Post, Thread
from dpse.moderation import queries, service
from dpse.moderation.forms import HideForm, MoveForm, NextForm, ResolveForm
from dpse.moderation.models import NOTE_MAX
from dpse.moderation.views import Rendered, back, bp
from dpse.permissions import can_moderate_forum, require
from dpse.web import flash_outcome, form_status, form_written, found_or_404, signed_in_user

DONE = {
    "pin": "The thread is pinned to the top of its category.",
    "unpin": "The thread is no longer pinned.",
    "lock": "The thread is locked: nobody can reply.",
    "unlock": "The thread is open for replies again.",
}


def _post(post_id: int) -> Post:
    require(can_moderate_forum(current_user))
    return found_or_404(forum_queries.post_by_id(post_id))


def _thread(thread_id: int) -> Thread:
    require(can_moderate_forum(current_user))
    return found_or_404(forum_queries.thread_by_id(thread_id))


def _permalink(post: Post) -> str:
    return url_for("forum.permalink", post_id=post.id)


@bp.route("/posts/<int:post_id>/hide", methods=["GET", "POST"])
@login_required
def hide_post(post_id: int) -> Rendered:
    """Hide a post from everyone but moderators, with a reason for the audit log."""
    post = _post(post_id)
    form = HideForm()
    if not form.is_submitted():
        form.next.data = request.args.get("next", "")
    if form_written(
        form,
        lambda: service.hide_post(signed_in_user(), post, form.reason.data),
        service.ModerationError,
    ):
        flash("The post is hidden. Only moderators can see it now.", "success")
        return back(form, url_for("moderation.index"))
    return render_template("moderation/hide.html", form=form, post=post), form_status(form)


def _post_action(post_id: int, action: Callable[[User, Post], None], message: str) -> Response:
    post = _post(post_id)
    form = NextForm()
    if not form.validate_on_submit():
        abort(400)
    flash_outcome(lambda: action(signed_in_user(), post), message, service.ModerationError)
    return back(form, _permalink(post))


@bp.route("/posts/<int:post_id>/restore", methods=["POST"])
@login_required
def restore_post(post_id: int) -> Response:
    """Show a hidden post again."""
    return _post_action(post_id, service.restore_post, "The post is visible again.")


@bp.route("/posts/<int:post_id>/release", methods=["POST"])
@login_required
def release_post(post_id: int) -> Response:
    """Approve a post held for review."""
    return _post_action(post_id, service.release_post, "Approved: everyone can see the post.")


@bp.route("/threads/<int:thread_id>/<any(pin, unpin, lock, unlock):action>", methods=["POST"])
@login_required
def thread_action(thread_id: int, action: str) -> Response:
    """Pin, unpin, lock or unlock a thread."""
    thread = _thread(thread_id)
    form = NextForm()
    if not form.validate_on_submit():
        abort(400)
    switch = service.set_pinned if action in ("pin", "unpin") else service.set_locked
    on = action in ("pin", "lock")
    flash_outcome(
        lambda: switch(signed_in_user(), thread, on), DONE[action], service.ModerationError
    )
    return back(form, url_for("forum.thread", thread_id=thread.id, slug=thread.slug))


@bp.route("/threads/<int:thread_id>/move", methods=["GET", "POST"])
@login_required
def move_thread(thread_id: int) -> Rendered:
    """Move a thread to another category."""
    thread = _thread(thread_id)
    form = MoveForm()
    categories = {c.slug: c for c in forum_queries.categories()}
    form.category.choices = [SelectChoice(slug, c.name) for slug, c in categories.items()]
    if not form.is_submitted():
        form.category.data = thread.category.slug
    if form_written(
        form,
        lambda: service.move_thread(signed_in_user(), thread, categories[form.category.data]),
        service.ModerationError,
    ):
        flash(f"The thread is now in {thread.category.name}.", "success")
        return redirect(url_for("forum.thread", thread_id=thread.id, slug=thread.slug))
    return render_template("moderation/move.html", form=form, thread=thread), form_status(form)


@bp.route("/flags/<int:flag_id>/resolve", methods=["POST"])
@login_required
def resolve_flag(flag_id: int) -> Response:
    """Close a flag, noting what was done."""
    require(can_moderate_forum(current_user))
    flag = found_or_404(queries.flag_by_id(flag_id))
    form = ResolveForm()
    if not form.validate_on_submit():
        flash(f"Keep the note under {NOTE_MAX:,} characters.", "error")
        return redirect(url_for("moderation.index"))
    flash_outcome(
        lambda: service.resolve_flag(signed_in_user(), flag, form.note.data or ""),
        "The flag is resolved.",
        service.ModerationError,
    )
    return back(form, url_for("moderation.index"))
