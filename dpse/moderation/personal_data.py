"""Flags a person raised, and flags and moderators' actions about their writing, in their data
export; the reports they raised go with their account (the "account.export" and "account.erase"
extension points of dpse.accounts). Moderation actions about their posts stay with the posts'
history."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import delete, select

from dpse.accounts.export import JsonFile, row_dict
from dpse.accounts.models import User
from dpse.audit import AuditLog
from dpse.casestudies.models import CaseStudyAuthor
from dpse.casestudies.personal_data import removed_with
from dpse.extensions import db
from dpse.forum.models import Post
from dpse.moderation.models import Flag


def export_moderation(user: User) -> Iterator[JsonFile]:
    """Flags the person raised, and flags about what they wrote (without who raised them)."""
    raised = db.session.scalars(select(Flag).where(Flag.reporter_id == user.id).order_by(Flag.id))
    yield JsonFile("flags_raised.json", (row_dict(f) for f in raised))
    mine = select(Post.id).where(Post.author_id == user.id)
    written = select(CaseStudyAuthor.case_study_id).where(CaseStudyAuthor.user_id == user.id)
    about = select(Flag).where(Flag.post_id.in_(mine) | Flag.case_study_id.in_(written))
    yield JsonFile(
        "flags_about_you.json",
        (row_dict(f, skip={"reporter_id"}) for f in db.session.scalars(about.order_by(Flag.id))),
    )
    actions = select(AuditLog).where(
        ((AuditLog.target_type == "post") & AuditLog.target_id.in_(mine))
        | ((AuditLog.target_type == "case_study") & AuditLog.target_id.in_(written))
    )
    yield JsonFile(
        "moderation_actions_about_you.json",
        (row_dict(a) for a in db.session.scalars(actions.order_by(AuditLog.id))),
    )


def erase_moderation(user: User, remove: bool) -> None:
    """The reports they raised go (a report names its reporter), and with the case studies
    they remove, the reports about those."""
    db.session.execute(delete(Flag).where(Flag.reporter_id == user.id))
    if remove:
        db.session.execute(delete(Flag).where(Flag.case_study_id.in_(removed_with(user))))
