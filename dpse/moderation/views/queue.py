"""The moderators' one queue (flags, held posts, case-study reviews) and the audit log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from dpse.audit import ACTION_LABELS, AuditLog
from dpse.casestudies.queries import review_queue
from dpse.forum import queries as forum_queries
from dpse.moderation import queries
from dpse.moderation.views import bp
from dpse.permissions import can_moderate, require
from dpse.web import page_arg

# Audit entries name their target by kind and id; these kinds are named and linked like this.
_TARGETS: dict[str, Callable[[Any], tuple[str, str]]] = {
    "post": lambda post: (
        f"Post in “{post.thread.title}”",
        url_for("forum.permalink", post_id=post.id),
    ),
    "thread": lambda thread: (
        thread.title,
        url_for("forum.thread", thread_id=thread.id, slug=thread.slug),
    ),
    "case_study": lambda cs: (cs.title, url_for("casestudies.show", slug=cs.slug)),
    "category": lambda category: (category.name, url_for("forum.category", slug=category.slug)),
    "user": lambda person: (
        (f"Account {person.id} (deleted)", "")
        if person.is_deleted
        else (
            f"{person.display_name} (@{person.handle})",
            url_for("accounts.profile", handle=person.handle),
        )
    ),
}


@dataclass(frozen=True)
class AuditTarget:
    """What an audit entry acted on, as the audit page shows it."""

    label: str
    url: str | None = None


def describe_targets(entries: list[AuditLog]) -> dict[int, AuditTarget]:
    """Each entry's target named by its title and linked, by entry id (the targets are loaded
    together); a target since deleted, or of a kind without a page, shows as "Kind 12"."""
    found = queries.audit_targets(entries)
    described = {}
    for entry in entries:
        obj = found.get((entry.target_type, entry.target_id))
        if obj is None:
            kind = entry.target_type.replace("_", " ").capitalize()
            described[entry.id] = AuditTarget(f"{kind} {entry.target_id}")
        else:
            described[entry.id] = AuditTarget(*_TARGETS[entry.target_type](obj))
    return described


@bp.route("")
@login_required
def index() -> str:
    """Open flags, posts held for review and case studies waiting for review, oldest first."""
    require(can_moderate(current_user))
    return render_template(
        "moderation/index.html",
        flags=queries.open_flags(),
        held=forum_queries.held_posts(),
        reviews=review_queue(),
    )


@bp.route("/audit")
@login_required
def audit() -> str:
    """Every moderation action, newest first; ?action= narrows it to one kind."""
    require(can_moderate(current_user))
    action = request.args.get("action", "")
    action = action if action in ACTION_LABELS else ""
    pager = queries.audit_page(page_arg(), action)
    return render_template(
        "moderation/audit.html",
        pager=pager,
        action=action,
        labels=ACTION_LABELS,
        targets=describe_targets(pager.items),
    )
