"""Members report a post or a case study to the moderators."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from dpse.forum import queries as forum_queries
from dpse.moderation import queries, service
from dpse.moderation.forms import FlagForm
from dpse.moderation.views import Rendered, bp
from dpse.permissions import (
    can_flag_case_study,
    can_flag_post,
    can_view_post,
    can_view_thread,
    require,
)
from dpse.rules import show_on_form
from dpse.web import form_status, signed_in_user


@bp.route("/flag/post/<int:post_id>", methods=["GET", "POST"])
@login_required
def flag_post(post_id: int) -> Rendered:
    """Report a post, saying what is wrong with it."""
    post = forum_queries.post_by_id(post_id)
    if post is None or not can_view_post(current_user, post):
        abort(404)
    if not can_view_thread(current_user, post.thread):
        abort(404)
    require(can_flag_post(current_user, post))
    form = FlagForm()
    if form.validate_on_submit():
        try:
            service.flag_post(signed_in_user(), post, form.reason.data)
        except service.ModerationError as exc:
            show_on_form(form, exc)
        else:
            flash("Thank you: the moderators will look at this post.", "success")
            return redirect(url_for("forum.permalink", post_id=post.id))
    return render_template(
        "moderation/flag.html", form=form, post=post, case_study=None
    ), form_status(form)


@bp.route("/flag/case-study/<slug>", methods=["GET", "POST"])
@login_required
def flag_case_study(slug: str) -> Rendered:
    """Report a published case study."""
    case_study = queries.published_case_study(slug)
    if case_study is None:
        abort(404)
    require(can_flag_case_study(current_user, case_study))
    form = FlagForm()
    if form.validate_on_submit():
        try:
            service.flag_case_study(signed_in_user(), case_study, form.reason.data)
        except service.ModerationError as exc:
            show_on_form(form, exc)
        else:
            flash("Thank you: the moderators will look at this case study.", "success")
            return redirect(url_for("casestudies.show", slug=case_study.slug))
    return render_template(
        "moderation/flag.html", form=form, post=None, case_study=case_study
    ), form_status(form)
