"""Members report a post or a case study to the moderators."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from dpse.casestudies.models import CaseStudy
from dpse.forum import queries as forum_queries
from dpse.forum.models import Post
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
from dpse.web import form_status, form_written, found_or_404, signed_in_user


def _flag_page(
    report: Callable[[str], object],
    thanks: str,
    landing: str,
    post: Post | None = None,
    case_study: CaseStudy | None = None,
) -> Rendered:
    """The report form for a post or a case study: ``report`` files the reason given."""
    form = FlagForm()
    if form_written(form, lambda: report(form.reason.data), service.ModerationError):
        flash(thanks, "success")
        return redirect(landing)
    return render_template(
        "moderation/flag.html", form=form, post=post, case_study=case_study
    ), form_status(form)


@bp.route("/flag/post/<int:post_id>", methods=["GET", "POST"])
@login_required
def flag_post(post_id: int) -> Rendered:
    """Report a post, saying what is wrong with it."""
    post = found_or_404(
        forum_queries.post_by_id(post_id),
        lambda p: can_view_post(current_user, p) and can_view_thread(current_user, p.thread),
    )
    require(can_flag_post(current_user, post))
    return _flag_page(
        lambda reason: service.flag_post(signed_in_user(), post, reason),
        "Thank you: the moderators will look at this post.",
        url_for("forum.permalink", post_id=post.id),
        post=post,
    )


@bp.route("/flag/case-study/<slug>", methods=["GET", "POST"])
@login_required
def flag_case_study(slug: str) -> Rendered:
    """Report a published case study."""
    case_study = found_or_404(queries.published_case_study(slug))
    require(can_flag_case_study(current_user, case_study))
    return _flag_page(
        lambda reason: service.flag_case_study(signed_in_user(), case_study, reason),
        "Thank you: the moderators will look at this case study.",
        url_for("casestudies.show", slug=case_study.slug),
        case_study=case_study,
    )
