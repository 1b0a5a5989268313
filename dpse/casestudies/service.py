"""Case-study use cases: write, revise, submit, review, publish, archive, mark helpful.

About 470 lines: ten write use cases that share the resolve, apply, record-a-revision
and reuse-count steps; splitting them would scatter the one write path. What a revision holds
is in revisions.py, the reads in queries.py.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from dpse.accounts.models import Organisation, OrganisationKind, User
from dpse.accounts.service import get_user_by_email
from dpse.casestudies.models import (
    RETURN_REASON_MAX,
    REVISION_NOTE_MAX,
    SECTION_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    CaseStudy,
    CaseStudyAuthor,
    CaseStudyRevision,
    CaseStudySlug,
    HelpfulMark,
    Outcome,
    Status,
    case_study_adaptation,
    case_study_supplier,
)
from dpse.casestudies.queries import get_revision, has_marked_helpful
from dpse.casestudies.revisions import (
    CaseStudyData,
    changed_fields,
    data_from_snapshot,
    field_labels,
    snapshot,
)
from dpse.extensions import db
from dpse.languages import is_language_tag, site_language
from dpse.locking import lock_row
from dpse.mixins import utcnow
from dpse.notifications import service as notifications
from dpse.permissions import (
    can_archive_case_study,
    can_create_case_study,
    can_delete_case_study,
    can_edit_case_study,
    can_mark_helpful,
    can_publish_case_study,
    can_restore_case_study_revision,
    can_review_case_study,
    can_submit_case_study,
)
from dpse.rules import RuleError, commit_or_raise
from dpse.search.models import queue_reindex
from dpse.slugs import insert_with_unique_slug, slugify, unique_slug
from dpse.tags.models import TagKind
from dpse.tags.service import get_or_create_tags
from dpse.urls import absolute_url, path_for

log = logging.getLogger(__name__)
URL_FIELDS = ("repository_url", "live_url", "publiccode_url")


# Addresses under /case-studies/ that are pages of their own: a title making one of these gets
# " case study" added (a case study called "New" lives at /case-studies/new-case-study).
RESERVED_SLUGS = frozenset({"new", "mine", "import"})


def _slug_text(title: str) -> str:
    return title if slugify(title) not in RESERVED_SLUGS else f"{title} case study"


class CaseStudyError(RuleError):
    """A case-study rule was broken (see dpse.rules)."""


class NotAllowed(PermissionError):
    """The person may not do this; views ask the same predicate first and answer 403."""


def _check(allowed: bool) -> None:
    """Every write re-checks the predicate its view asked (after the status rules, so a stale
    page still gets the rule's message rather than a refusal)."""
    if not allowed:
        raise NotAllowed("You may not do that to this case study")


def data_from(case_study: CaseStudy) -> CaseStudyData:
    """The editable content of a case study, e.g. to fill the edit form."""
    return data_from_snapshot(snapshot(case_study))


def validate(data: CaseStudyData) -> None:
    """Raise CaseStudyError for the first broken rule."""
    if not data.title.strip():
        raise CaseStudyError("Enter a title", "title")
    if len(data.title) > TITLE_MAX:
        raise CaseStudyError(f"Title must be {TITLE_MAX:,} characters or fewer", "title")
    if not data.summary.strip():
        raise CaseStudyError("Enter a summary of one or two sentences", "summary")
    if len(data.summary) > SUMMARY_MAX:
        raise CaseStudyError(f"Summary must be {SUMMARY_MAX:,} characters or fewer", "summary")
    for name in ("challenge", "what_we_built", "results", "lessons_learned"):
        if len(getattr(data, name)) > SECTION_MAX:
            raise CaseStudyError(f"Keep each section under {SECTION_MAX:,} characters", name)
    if data.outcome in (Outcome.FAILURE, Outcome.MIXED) and not data.lessons_learned.strip():
        raise CaseStudyError(
            "Lessons learned are required when the outcome is a failure or mixed: "
            "they are what makes the story useful to others",
            "lessons_learned",
        )
    if data.started_on and data.live_on and data.live_on < data.started_on:
        raise CaseStudyError("The go-live date must be on or after the start date", "live_on")
    for name in URL_FIELDS:
        value = getattr(data, name).strip()
        if value and not value.lower().startswith(("https://", "http://")):
            raise CaseStudyError("Enter a web address starting with https://", name)
    if data.language and not is_language_tag(data.language):
        raise CaseStudyError("Choose a language from the list", "language")
    if data.slug and slugify(data.slug) != data.slug.strip():
        raise CaseStudyError(
            "Use only lower-case letters, numbers and hyphens in the web address", "slug"
        )
    if data.slug and data.slug.strip() in RESERVED_SLUGS:
        raise CaseStudyError("That web address is a page of the site: choose another", "slug")


def _resolve(data: CaseStudyData, cs: CaseStudy | None) -> dict[str, Any]:
    """Look up the organisations, case studies and people named in the data."""
    suppliers = []
    if data.supplier_slugs:
        suppliers = list(
            db.session.scalars(
                select(Organisation).where(
                    Organisation.slug.in_(data.supplier_slugs),
                    Organisation.kind == OrganisationKind.SUPPLIER,
                )
            )
        )
        if len(suppliers) != len(set(data.supplier_slugs)):
            raise CaseStudyError("Choose suppliers from the list", "supplier_slugs")
    adapted: list[CaseStudy] = []
    for raw in data.adapted_from_slugs:
        slug = raw.strip().rstrip("/").rsplit("/", 1)[-1]  # accept a pasted address too
        if not slug:
            continue
        target = db.session.scalar(
            select(CaseStudy).where(CaseStudy.slug == slug, CaseStudy.status == Status.PUBLISHED)
        )
        if target is None or (cs is not None and target.id == cs.id):
            raise CaseStudyError(
                f"No published case study has the address {slug!r}", "adapted_from_slugs"
            )
        if target not in adapted:
            adapted.append(target)
    co_authors = []
    for email in data.co_author_emails:
        if not email.strip():
            continue
        user = get_user_by_email(email)
        if user is None or not user.active:
            raise CaseStudyError(
                f"Nobody with the email {email.strip()} has an account", "co_authors"
            )
        co_authors.append(user)
    return {"suppliers": suppliers, "adapted_from": adapted, "co_authors": co_authors}


def _apply(cs: CaseStudy, data: CaseStudyData, resolved: dict[str, Any], creator: User) -> None:
    for name in ("title", "summary", "country", "region", *URL_FIELDS):
        setattr(cs, name, getattr(data, name).strip())
    for name in ("challenge", "what_we_built", "results", "lessons_learned"):
        setattr(cs, name, getattr(data, name))
    cs.sector, cs.outcome, cs.budget_band = data.sector, data.outcome, data.budget_band
    cs.language = data.language or cs.language or site_language()
    cs.started_on, cs.live_on = data.started_on, data.live_on
    project_date = data.live_on or data.started_on
    cs.year = project_date.year if project_date else (cs.published_at or utcnow()).year
    technologies = get_or_create_tags(data.technologies, TagKind.TECHNOLOGY)
    topics = [t for t in get_or_create_tags(data.topics, TagKind.TOPIC) if t not in technologies]
    cs.tags = technologies + topics
    cs.suppliers = resolved["suppliers"]
    cs.adapted_from = resolved["adapted_from"]
    people = [creator] + [u for u in resolved["co_authors"] if u.id != creator.id]
    existing = {a.user_id: a for a in cs.authors}
    cs.authors = [
        existing.get(u.id) or CaseStudyAuthor(user=u, user_id=u.id) for u in dict.fromkeys(people)
    ]
    for position, author in enumerate(cs.authors):
        author.position = position


def _record_revision(cs: CaseStudy, editor: User | None, note: str) -> CaseStudyRevision:
    number = (
        db.session.scalar(
            select(func.max(CaseStudyRevision.number)).where(
                CaseStudyRevision.case_study_id == cs.id
            )
        )
        or 0
    ) + 1
    revision = CaseStudyRevision(
        case_study_id=cs.id,
        number=number,
        editor=editor,
        note=note[:REVISION_NOTE_MAX],
        content=snapshot(cs),
    )
    db.session.add(revision)
    return revision


def _refresh_reuse_counts(case_study_ids: set[int]) -> None:
    """reuse_count = how many published case studies say they adapted this one."""
    for target_id in case_study_ids:
        count = (
            select(func.count())
            .select_from(case_study_adaptation)
            .join(CaseStudy, CaseStudy.id == case_study_adaptation.c.case_study_id)
            .where(
                case_study_adaptation.c.adapted_from_id == target_id,
                CaseStudy.status == Status.PUBLISHED,
            )
            .scalar_subquery()
        )
        db.session.execute(
            update(CaseStudy).where(CaseStudy.id == target_id).values(reuse_count=count)
        )


def create_case_study(author: User, data: CaseStudyData) -> CaseStudy:
    """A new draft by ``author`` for their organisation, with its first revision."""
    _check(can_create_case_study(author))
    validate(data)
    resolved = _resolve(data, None)

    def build(slug: str) -> CaseStudy:
        cs = CaseStudy(slug=slug, organisation=author.verified_organisation, status=Status.DRAFT)
        _apply(cs, data, resolved, author)
        db.session.add(cs)
        return cs

    # The same title sent twice at once ends as two drafts, the second at "-2".
    cs = insert_with_unique_slug(CaseStudy.slug, data.slug or _slug_text(data.title), build)
    _record_revision(cs, author, "Created")
    queue_reindex("case_study", cs.id)
    db.session.commit()
    log.info("%r created by %s", cs, author)
    return cs


def _change_slug(cs: CaseStudy, new_slug: str) -> None:
    if new_slug == cs.slug:
        return
    taken = db.session.scalar(select(CaseStudy.id).where(CaseStudy.slug == new_slug))
    if taken is not None and taken != cs.id:
        raise CaseStudyError("Another case study already uses that web address", "slug")
    old = db.session.scalar(select(CaseStudySlug).where(CaseStudySlug.slug == new_slug))
    if old is not None:
        if old.case_study_id != cs.id:
            raise CaseStudyError("That web address used to belong to another case study", "slug")
        db.session.delete(old)  # taking an earlier slug back
        db.session.flush()
    db.session.add(CaseStudySlug(slug=cs.slug, case_study_id=cs.id))
    cs.slug = new_slug


def update_case_study(editor: User, cs: CaseStudy, data: CaseStudyData, note: str = "") -> bool:
    """Save an edit as a new revision; a published case study stays published. False: no change."""
    _check(can_edit_case_study(editor, cs))
    validate(data)
    resolved = _resolve(data, cs)
    # Edits of one case study take turns: a double-clicked Save finds the first save done (no
    # change) instead of racing it for the next revision number or the old address.
    lock_row(CaseStudy.id, cs.id)
    db.session.refresh(cs)
    before = snapshot(cs)
    old_targets = {c.id for c in cs.adapted_from}
    _apply(cs, data, resolved, cs.authors[0].user if cs.authors else editor)
    if data.slug and data.slug != cs.slug:
        _change_slug(cs, data.slug.strip())
    elif cs.published_at is None and slugify(cs.title) != slugify(before["title"]):
        # Until first published, the address follows the title; old addresses still redirect.
        _change_slug(cs, unique_slug(CaseStudy.slug, _slug_text(cs.title)))
    changed = changed_fields(before, snapshot(cs))
    if not changed and cs.slug == before["slug"]:
        db.session.rollback()
        return False
    cs.content_updated_at = utcnow()
    _record_revision(
        cs, editor, note or "Changed " + ", ".join(field_labels(changed) or ["address"])
    )
    if cs.status == Status.PUBLISHED:
        _refresh_reuse_counts(old_targets | {c.id for c in cs.adapted_from})
    queue_reindex("case_study", cs.id)
    commit_or_raise(
        CaseStudyError("Another case study took that web address just now: save again", "slug")
    )
    log.info("%r edited by %s (%s)", cs, editor, ", ".join(changed))
    return True


def _notify_authors(cs: CaseStudy, subject: str, body: str) -> None:
    """Tell every author in-app and by email at once (sent after the caller commits)."""
    link = absolute_url("casestudies.show", slug=cs.slug)
    path = path_for("casestudies.show", slug=cs.slug)
    for user in cs.author_users:
        notifications.notify_by_email_now(user, "case_study", subject, path, f"{body}\n\n{link}")


def submit(user: User, cs: CaseStudy) -> None:
    """An author sends a draft (or a returned case study) for review."""
    if cs.status not in (Status.DRAFT, Status.RETURNED):
        raise CaseStudyError("Only drafts and returned case studies can be submitted")
    _check(can_submit_case_study(user, cs))
    cs.status = Status.SUBMITTED
    cs.submitted_at = utcnow()
    # Each submission is news to the moderators (a resubmission after changes too).
    notifications.notify_moderators(
        "review",
        f"{user.display_name} (@{user.handle}) sent the case study “{cs.title}” for review",
        path_for("casestudies.show", slug=cs.slug),
        source=f"review:case_study:{cs.id}:{cs.submitted_at:%Y%m%d%H%M%S%f}",
        actor=user,
    )
    db.session.commit()
    log.info("%r submitted by %s", cs, user)


def publish(
    moderator: User, cs: CaseStudy, notify: bool = True, when: datetime | None = None
) -> None:
    """A moderator publishes a submitted (or archived) case study; the authors are told.

    ``when`` backdates the first publication (importing older case studies, demo content).
    """
    if cs.status not in (Status.SUBMITTED, Status.ARCHIVED):
        raise CaseStudyError("Only submitted or archived case studies can be published")
    _check(can_publish_case_study(moderator, cs))
    first_time = cs.published_at is None
    cs.status = Status.PUBLISHED
    cs.return_reason = ""
    if first_time:
        cs.published_at = when or utcnow()
        if cs.year is None:
            cs.year = cs.published_at.year
    _refresh_reuse_counts({c.id for c in cs.adapted_from})
    _withdraw_review_requests(cs)
    if notify:
        _notify_authors(
            cs,
            f"Published: {cs.title}",
            "Your case study is now published on the exchange. Thank you for sharing it.",
        )
    queue_reindex("case_study", cs.id)
    db.session.commit()
    log.info("%r published by %s", cs, moderator)
    notifications.send_emails_now()


def _withdraw_review_requests(cs: CaseStudy) -> None:
    """The moderators' notes that it waits for review go once one of them has reviewed it."""
    notifications.withdraw(f"review:case_study:{cs.id}:", prefix=True)


def return_for_changes(moderator: User, cs: CaseStudy, reason: str) -> None:
    """A moderator sends a submitted case study back with a reason; the authors are told."""
    if cs.status != Status.SUBMITTED:
        raise CaseStudyError("Only submitted case studies can be returned")
    _check(can_review_case_study(moderator, cs))
    if not reason.strip():
        raise CaseStudyError("Say what the authors should change", "reason")
    cs.status = Status.RETURNED
    cs.return_reason = reason.strip()[:RETURN_REASON_MAX]
    _withdraw_review_requests(cs)
    _notify_authors(
        cs,
        f"Changes requested: {cs.title}",
        f"A moderator has returned your case study with this note:\n\n{cs.return_reason}\n\n"
        "Edit it and submit it again when you are ready.",
    )
    db.session.commit()
    log.info("%r returned by %s", cs, moderator)
    notifications.send_emails_now()


def archive(user: User, cs: CaseStudy) -> None:
    """Take a published case study out of lists and search; its page stays, marked archived."""
    if cs.status != Status.PUBLISHED:
        raise CaseStudyError("Only published case studies can be archived")
    _check(can_archive_case_study(user, cs))
    cs.status = Status.ARCHIVED
    _refresh_reuse_counts({c.id for c in cs.adapted_from})
    queue_reindex("case_study", cs.id)
    db.session.commit()
    log.info("%r archived by %s", cs, user)


def restore_revision(moderator: User, cs: CaseStudy, number: int) -> None:
    """Bring back the content of an earlier revision, as a new revision."""
    _check(can_restore_case_study_revision(moderator, cs))
    revision = get_revision(cs, number)
    if revision is None:
        raise CaseStudyError("There is no such revision")
    data = data_from_snapshot(revision.content)
    data.slug = ""  # the address is not rolled back: links keep working
    try:
        changed = update_case_study(moderator, cs, data, note=f"Restored revision {number}")
    except CaseStudyError as exc:
        raise CaseStudyError(f"Revision {number} cannot be restored: {exc.message}") from None
    if not changed:
        raise CaseStudyError(f"The case study already matches revision {number}")


def set_helpful(user: User, cs: CaseStudy, marked: bool) -> bool:
    """Mark (or unmark) a case study as helpful; returns ``marked``.

    Idempotent: a double click, or the same click from two tabs, is the same as one.
    """
    if cs.status != Status.PUBLISHED:
        raise CaseStudyError("Only published case studies can be marked helpful")
    _check(can_mark_helpful(user, cs))
    # Markers of one case study take turns, so the recount below sees every committed mark.
    lock_row(CaseStudy.id, cs.id)
    existing = db.session.scalar(
        select(HelpfulMark).where(
            HelpfulMark.case_study_id == cs.id, HelpfulMark.user_id == user.id
        )
    )
    if (existing is not None) == marked:
        db.session.rollback()  # already as wanted; let go of the lock
        return marked
    if existing is not None:
        db.session.delete(existing)
    else:
        db.session.add(HelpfulMark(case_study_id=cs.id, user_id=user.id))
    db.session.flush()
    # Recount rather than +1/-1, so the number can never drift from the marks.
    cs.helpful_count = db.session.scalar(
        select(func.count()).select_from(HelpfulMark).where(HelpfulMark.case_study_id == cs.id)
    )
    db.session.commit()
    log.info("%r %s helpful by %s", cs, "marked" if marked else "unmarked", user)
    return marked


def toggle_helpful(user: User, cs: CaseStudy) -> bool:
    """Mark, or unmark if marked; returns whether it is now marked (forms send the wanted state
    to ``set_helpful`` instead, so a double click cannot undo itself)."""
    return set_helpful(user, cs, not has_marked_helpful(user, cs))


def delete_draft(user: User, cs: CaseStudy) -> None:
    """Authors may throw away a case study that was never published."""
    if cs.published_at is not None:
        raise CaseStudyError("Published case studies are archived, not deleted")
    lock_row(CaseStudy.id, cs.id)
    if db.session.scalar(select(CaseStudy.id).where(CaseStudy.id == cs.id)) is None:
        db.session.rollback()  # a double click: the first one deleted it, as was meant
        return
    # Checked once it is certain to still be there (a deleted one has no authors left).
    if not can_delete_case_study(user, cs):
        db.session.rollback()
        _check(False)
    for model in (CaseStudyRevision, CaseStudySlug, HelpfulMark):
        db.session.execute(delete(model).where(model.case_study_id == cs.id))
    queue_reindex("case_study", cs.id)
    db.session.delete(cs)  # the ORM removes authors and tag/supplier/adaptation links
    db.session.commit()
    log.info("%r deleted by %s", cs, user)


def move_organisation(source_id: int, target_id: int) -> None:
    """An organisation merged into another (``organisation.merge``, in the caller's
    transaction): the case studies it wrote and supplied now name the other."""
    db.session.execute(
        update(CaseStudy)
        .where(CaseStudy.organisation_id == source_id)
        .values(organisation_id=target_id)
    )
    supplied = select(case_study_supplier.c.case_study_id).where(
        case_study_supplier.c.organisation_id == target_id
    )
    db.session.execute(
        update(case_study_supplier)
        .where(
            case_study_supplier.c.organisation_id == source_id,
            case_study_supplier.c.case_study_id.not_in(supplied),
        )
        .values(organisation_id=target_id)
    )
    db.session.execute(
        delete(case_study_supplier).where(case_study_supplier.c.organisation_id == source_id)
    )
