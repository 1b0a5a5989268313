"""A person's case studies in their data export, and what happens to them when the account is
deleted (the "account.export" and "account.erase" extension points of dpse.accounts).

Deleting: a case study with other authors stays with them, without this person. One they wrote
alone is removed when they asked to remove their writing, else it stays, shown as written by a
former member. Helpful marks go either way.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import delete, select

from dpse.accounts.export import JsonFile, TextFile, markdown_name, row_dict
from dpse.accounts.models import User
from dpse.casestudies.models import (
    CaseStudy,
    CaseStudyAuthor,
    CaseStudyRevision,
    CaseStudySlug,
    HelpfulMark,
)
from dpse.casestudies.service import _refresh_reuse_counts
from dpse.extensions import db
from dpse.search.models import queue_reindex

SECTIONS = (
    ("challenge", "The challenge"),
    ("what_we_built", "What we built"),
    ("results", "Results"),
    ("lessons_learned", "Lessons learned"),
)


def _written_by(user: User) -> list[CaseStudy]:
    return list(
        db.session.scalars(
            select(CaseStudy)
            .join(CaseStudyAuthor, CaseStudyAuthor.case_study_id == CaseStudy.id)
            .where(CaseStudyAuthor.user_id == user.id)
            .order_by(CaseStudy.id)
        )
    )


def removed_with(user: User) -> list[int]:
    """The case studies that go when this person removes their writing: those they wrote
    alone. Other domains clear what points at them first (SQLite enforces no foreign keys)."""
    mine = _written_by(user)
    return [cs.id for cs in mine if all(a.user_id == user.id for a in cs.authors)]


def _markdown(cs: CaseStudy) -> str:
    parts = [f"# {cs.title}\n", f"{cs.summary}\n"]
    parts += [
        f"## {label}\n\n{getattr(cs, name)}\n" for name, label in SECTIONS if getattr(cs, name)
    ]
    return "\n".join(parts)


def export_case_studies(user: User) -> Iterator[JsonFile | TextFile]:
    """Case studies the person (co-)wrote, their revisions, and what they marked helpful."""
    written = _written_by(user)
    ids = [cs.id for cs in written]

    def records() -> Iterator[dict[str, object]]:
        for cs in written:
            record = row_dict(cs, skip={f"{n}_text" for n, _ in SECTIONS})
            record["tags"] = [t.slug for t in cs.tags]
            record["co_authors"] = [a.user_id for a in cs.authors if a.user_id != user.id]
            yield record

    yield JsonFile("case_studies.json", records())
    revisions = select(CaseStudyRevision).where(
        CaseStudyRevision.case_study_id.in_(ids) | (CaseStudyRevision.editor_id == user.id)
    )
    yield JsonFile(
        "case_study_revisions.json",
        (row_dict(r) for r in db.session.scalars(revisions.order_by(CaseStudyRevision.id))),
    )
    marks = select(HelpfulMark).where(HelpfulMark.user_id == user.id)
    yield JsonFile("helpful_marks.json", (row_dict(m) for m in db.session.scalars(marks)))
    for cs in written:
        yield TextFile(
            f"writing/case-studies/{markdown_name(cs.slug, str(cs.id))}.md", _markdown(cs)
        )


def erase_case_studies(user: User, remove: bool) -> None:
    """Leave co-written case studies to their other authors; remove or keep sole-written ones."""
    adapted: set[int] = set()
    for cs in _written_by(user):
        others = [a for a in cs.authors if a.user_id != user.id]
        queue_reindex("case_study", cs.id)
        if others:
            cs.authors = others
        elif remove:
            adapted |= {a.id for a in cs.adapted_from}
            for model in (CaseStudyRevision, CaseStudySlug, HelpfulMark):
                db.session.execute(delete(model).where(model.case_study_id == cs.id))
            db.session.delete(cs)
    for mark in db.session.scalars(select(HelpfulMark).where(HelpfulMark.user_id == user.id)):
        cs = db.session.get(CaseStudy, mark.case_study_id)
        if cs is not None:
            cs.helpful_count = max(cs.helpful_count - 1, 0)
        db.session.delete(mark)
    db.session.flush()
    _refresh_reuse_counts(adapted)
