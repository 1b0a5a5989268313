"""Races end as the user meant: the same title sent at once, a double-clicked "helpful",
a double-clicked Save — 24 copies at once, on SQLite and PostgreSQL, and never an error."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import func, select

from dpse.accounts import service as accounts
from dpse.accounts.models import User
from dpse.accounts.roles import Role
from dpse.casestudies import service
from dpse.casestudies.models import CaseStudy, CaseStudyRevision, HelpfulMark
from dpse.extensions import db
from tests.casestudies.factories import case_study_data, make_case_study
from tests.concurrency import DUPLICATES, at_once, browsers, post_from_each
from tests.conftest import PASSWORD


def _marks(cs_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(HelpfulMark).where(HelpfulMark.case_study_id == cs_id)
    )


def _count(cs_id: int) -> int:
    return db.session.scalar(select(CaseStudy.helpful_count).where(CaseStudy.id == cs_id))


def test_the_same_title_sent_at_once_gives_each_its_own_slug(app: Flask, users):
    author_id = users["member"].id

    def create() -> str:
        author = db.session.get(User, author_id)
        return service.create_case_study(author, case_study_data(title="Open Data Portal")).slug

    slugs, errors = at_once(app, [create] * DUPLICATES)
    assert errors == []
    expected = {"open-data-portal"} | {f"open-data-portal-{n}" for n in range(2, DUPLICATES + 1)}
    assert sorted(slugs) == sorted(expected)
    stored = db.session.scalars(select(CaseStudy.slug)).all()
    assert sorted(stored) == sorted(expected)
    revisions = db.session.scalar(select(func.count()).select_from(CaseStudyRevision))
    assert revisions == DUPLICATES  # each draft kept its first revision too


def test_a_double_clicked_helpful_marks_once(app: Flask, users):
    cs = make_case_study(users["member"], status="published", moderator=users["moderator"])
    url = f"/case-studies/{cs.slug}/helpful"
    clients, token = browsers(
        app, "supplier@testshire.gov.uk", DUPLICATES, f"/case-studies/{cs.slug}"
    )
    responses, errors = post_from_each(app, clients, url, {"csrf_token": token, "helpful": "1"})
    assert errors == []
    assert [r.status_code for r in responses] == [302] * DUPLICATES
    assert _marks(cs.id) == _count(cs.id) == 1

    responses, errors = post_from_each(app, clients, url, {"csrf_token": token, "helpful": "0"})
    assert errors == [] and {r.status_code for r in responses} == {302}
    assert _marks(cs.id) == _count(cs.id) == 0


def test_many_people_marking_at_once_are_all_counted(app: Flask, users):
    cs = make_case_study(users["member"], status="published", moderator=users["moderator"])
    org = users["member"].organisation
    people = [
        accounts.create_user(
            f"reader{n}@testshire.gov.uk", f"Reader {n}", PASSWORD, Role.MEMBER, org, verified=True
        ).id
        for n in range(DUPLICATES // 2)
    ]

    def mark(person_id: int, marked: bool) -> Callable[[], bool]:
        def job() -> bool:
            person = db.session.get(User, person_id)
            return service.set_helpful(person, db.session.get(CaseStudy, cs.id), marked)

        return job

    # Every reader clicks twice at once.
    results, errors = at_once(app, [mark(p, True) for p in people for _ in range(2)])
    assert errors == [] and all(results)
    assert _marks(cs.id) == _count(cs.id) == len(people)

    # Half take it back (twice each) while the others click again.
    jobs = [mark(p, n % 2 == 1) for n, p in enumerate(people) for _ in range(2)]
    results, errors = at_once(app, jobs)
    assert errors == []
    assert _marks(cs.id) == _count(cs.id) == len(people) // 2


def test_a_double_clicked_save_makes_one_revision(app: Flask, users):
    cs = make_case_study(users["member"])
    author_id, cs_id = users["member"].id, cs.id

    def save() -> bool:
        author = db.session.get(User, author_id)
        data = case_study_data(title="A better title for our migration")
        return service.update_case_study(author, db.session.get(CaseStudy, cs_id), data)

    results, errors = at_once(app, [save] * DUPLICATES)
    assert errors == []
    assert sorted(results) == [False] * (DUPLICATES - 1) + [True]  # the rest found it saved
    numbers = db.session.scalars(
        select(CaseStudyRevision.number).where(CaseStudyRevision.case_study_id == cs_id)
    ).all()
    assert sorted(numbers) == [1, 2]
    assert db.session.get(CaseStudy, cs_id).slug == "a-better-title-for-our-migration"


def test_a_double_clicked_delete_of_a_draft_deletes_it_once(app: Flask, users):
    cs = make_case_study(users["member"])
    author_id, cs_id = users["member"].id, cs.id

    def delete() -> None:
        author, draft = db.session.get(User, author_id), db.session.get(CaseStudy, cs_id)
        if draft is not None:  # else the page answers 404, as it should
            service.delete_draft(author, draft)

    _, errors = at_once(app, [delete] * DUPLICATES)
    assert errors == []
    assert db.session.scalar(select(func.count()).select_from(CaseStudy)) == 0
