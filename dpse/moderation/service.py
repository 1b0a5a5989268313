"""Moderation use cases: flags, hiding and restoring posts, releasing held posts, and pinning,
locking and moving threads. Each action is audited in the same transaction and commits once."""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from dpse import audit
from dpse.accounts.models import User
from dpse.casestudies.models import CaseStudy
from dpse.extensions import db
from dpse.forum import indexing, notifying
from dpse.forum import service as forum
from dpse.forum.models import Category, Post, Thread
from dpse.locking import lock_row
from dpse.mixins import utcnow
from dpse.moderation.models import NOTE_MAX, REASON_MAX, REASON_MIN, Flag, FlagStatus
from dpse.notifications import emails as notification_emails
from dpse.notifications import service as notifications
from dpse.permissions import can_flag_case_study, can_flag_post, can_moderate
from dpse.rules import RuleError, commit_or_raise
from dpse.urls import path_for

log = logging.getLogger(__name__)


class ModerationError(RuleError):
    """A moderation rule was broken (see dpse.rules)."""


def _reason(text: str, what: str = "Say what is wrong") -> str:
    text = forum.clean_text(text).strip()
    if len(text) < REASON_MIN:
        raise ModerationError(f"{what} (at least {REASON_MIN} characters)", "reason")
    if len(text) > REASON_MAX:
        raise ModerationError(f"Keep it under {REASON_MAX:,} characters", "reason")
    return text


def _require_moderator(user: User) -> None:
    if not can_moderate(user):
        raise ModerationError("Only moderators can do that")


def _lock_post(post: Post) -> None:
    """Moderators acting on one post take turns, and each sees what the one before did (two
    releases at once would otherwise notify twice and clash on the notification's source)."""
    lock_row(Post.id, post.id)
    db.session.refresh(post)


def _already_flagged(reporter: User, **target: int) -> bool:
    return (
        db.session.scalar(
            select(Flag.id).filter_by(reporter_id=reporter.id, status=FlagStatus.OPEN, **target)
        )
        is not None
    )


ALREADY_POST = "You have already reported this post: a moderator will look at it"
ALREADY_CASE_STUDY = "You have already reported this case study: a moderator will look at it"


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _flag(reporter: User, already: str, reason: str, what: str, **target: int) -> Flag:
    """Save a member's report of one post or case study (``what`` names it for the moderators,
    who are told): one open report per person per target."""
    reason = _reason(reason)
    if _already_flagged(reporter, **target):
        raise ModerationError(already)
    flag = Flag(**target, reason=reason, reporter_id=reporter.id)
    db.session.add(flag)
    try:
        db.session.flush()  # the flag's id names the notification; the race is as below
    except IntegrityError:
        db.session.rollback()
        raise ModerationError(already) from None
    notifications.notify_moderators(
        "flag",
        f"{reporter.display_name} (@{reporter.handle}) flagged {what}: “{_short(reason)}”",
        path_for("moderation.index") + f"#flag-{flag.id}",
        source=f"flag:{flag.id}",
        actor=reporter,
    )
    commit_or_raise(ModerationError(already))  # the same report sent twice at once: one stands
    log.info("%r created by %s", flag, reporter)
    return flag


def flag_post(reporter: User, post: Post, reason: str) -> Flag:
    """A member reports a post to the moderators (one open report per person per post)."""
    if not can_flag_post(reporter, post):
        raise ModerationError("You cannot report this post")
    author = post.author
    what = f"a post by {author.display_name} (@{author.handle}) in “{post.thread.title}”"
    return _flag(reporter, ALREADY_POST, reason, what, post_id=post.id)


def flag_case_study(reporter: User, case_study: CaseStudy, reason: str) -> Flag:
    """A member reports a published case study (one open report per person per case study)."""
    if not can_flag_case_study(reporter, case_study):
        raise ModerationError("You cannot report this case study")
    what = f"the case study “{case_study.title}”"
    return _flag(reporter, ALREADY_CASE_STUDY, reason, what, case_study_id=case_study.id)


def resolve_flag(moderator: User, flag: Flag, note: str = "") -> None:
    """Close a flag, saying what was done (or that nothing was needed)."""
    _require_moderator(moderator)
    lock_row(Flag.id, flag.id)
    db.session.refresh(flag)
    if flag.status != FlagStatus.OPEN:
        raise ModerationError("This flag has already been resolved")
    flag.status = FlagStatus.RESOLVED
    flag.resolved_by_id = moderator.id
    flag.resolved_at = utcnow()
    flag.resolution = (forum.clean_text(note).strip() or "No action needed")[:NOTE_MAX]
    target = ("post", flag.post_id) if flag.post_id else ("case_study", flag.case_study_id)
    audit.record(moderator, "resolve_flag", target[0], target[1] or 0, flag.resolution)
    notifications.withdraw(f"flag:{flag.id}")  # nothing waits for the other moderators now
    db.session.commit()
    log.info("%r resolved by %s", flag, moderator)


def _resolve_flags_on(moderator: User, post: Post, resolution: str) -> None:
    open_flags = db.session.scalars(
        select(Flag.id).where(Flag.post_id == post.id, Flag.status == FlagStatus.OPEN)
    )
    for flag_id in open_flags.all():
        notifications.withdraw(f"flag:{flag_id}")
    db.session.execute(
        update(Flag)
        .where(Flag.post_id == post.id, Flag.status == FlagStatus.OPEN)
        .values(
            status=FlagStatus.RESOLVED,
            resolved_by_id=moderator.id,
            resolved_at=utcnow(),
            resolution=resolution[:NOTE_MAX],
        )
    )


def hide_post(moderator: User, post: Post, reason: str) -> None:
    """Hide a post from everyone but moderators (rejecting it, if it was held for review)."""
    _require_moderator(moderator)
    _lock_post(post)
    if post.hidden_at is not None:
        raise ModerationError("This post is already hidden")
    reason = _reason(reason, "Say why the post is hidden")
    action = "reject_post" if post.held_for_review else "hide_post"
    post.hidden_at = utcnow()
    post.hidden_by_id = moderator.id
    post.hidden_reason = reason[:NOTE_MAX]
    changed = forum.refresh_thread(post.thread)
    indexing.reindex_thread(post.thread, post, everything=changed)
    notifying.withdraw_about(post)  # nobody is pointed at it any more
    _resolve_flags_on(moderator, post, f"Post hidden: {reason}")
    audit.record(moderator, action, "post", post.id, reason)
    db.session.commit()
    log.info("%r hidden by %s", post, moderator)


def restore_post(moderator: User, post: Post) -> None:
    """Show a hidden post again (a rejected post goes back to the review queue)."""
    _require_moderator(moderator)
    _lock_post(post)
    if post.hidden_at is None:
        raise ModerationError("This post is not hidden")
    post.hidden_at = None
    post.hidden_by_id = None
    post.hidden_reason = ""
    changed = forum.refresh_thread(post.thread)
    indexing.reindex_thread(post.thread, post, everything=changed)
    audit.record(moderator, "restore_post", "post", post.id)
    db.session.commit()
    log.info("%r restored by %s", post, moderator)


def release_post(moderator: User, post: Post) -> None:
    """Approve a held post: it becomes public, and followers and mentions hear about it."""
    _require_moderator(moderator)
    _lock_post(post)
    if not post.held_for_review or post.hidden_at is not None:
        raise ModerationError("This post is not waiting for review")
    post.held_for_review = False
    thread = post.thread
    changed = forum.refresh_thread(thread)
    indexing.reindex_thread(thread, post, everything=changed)
    opening = forum.opening_post_id(thread)
    notifying.notify_about(post, new_thread=opening == post.id and not thread.is_discussion)
    notifications.notify(
        post.author,
        "approved",
        f"A moderator approved your post in “{thread.title}”: everyone can see it now",
        notifying.post_path(post),
        source=f"approved:{post.id}",
        thread_id=thread.id,
    )
    notifications.withdraw(f"held:{post.id}")  # the moderators' note: nothing waits now
    audit.record(moderator, "release_post", "post", post.id)
    db.session.commit()
    log.info("%r released by %s", post, moderator)
    notification_emails.send_and_deliver()


def _switch(
    moderator: User, thread: Thread, field: str, on: bool, words: tuple[str, str, str]
) -> None:
    """Turn a thread's ``pinned`` or ``locked`` on or off, audited. ``words``: the audit action's
    verb, the log's past tense and the state an "already" refusal names."""
    verb, done, state = words
    _require_moderator(moderator)
    if getattr(thread, field) == on:
        raise ModerationError(f"This thread is already {state}")
    setattr(thread, field, on)
    audit.record(moderator, f"{verb}_thread", "thread", thread.id)
    db.session.commit()
    log.info("%r %s by %s", thread, done, moderator)


def set_pinned(moderator: User, thread: Thread, pinned: bool) -> None:
    """Pin a thread to the top of its category, or unpin it."""
    words = ("pin", "pinned", "pinned") if pinned else ("unpin", "unpinned", "not pinned")
    _switch(moderator, thread, "pinned", pinned, words)


def set_locked(moderator: User, thread: Thread, locked: bool) -> None:
    """Lock a thread (no more replies or edits), or unlock it."""
    words = ("lock", "locked", "locked") if locked else ("unlock", "unlocked", "unlocked")
    _switch(moderator, thread, "locked", locked, words)


def move_thread(moderator: User, thread: Thread, category: Category) -> None:
    """Move a thread to another category (category counts follow, being counted live)."""
    _require_moderator(moderator)
    if thread.category_id == category.id:
        raise ModerationError("The thread is already in that category", "category")
    old = thread.category.name
    thread.category = category
    audit.record(moderator, "move_thread", "thread", thread.id, f"From {old} to {category.name}")
    db.session.commit()
    log.info("%r moved by %s from %s to %s", thread, moderator, old, category.slug)
