"""Each tag's count of published case studies (kept by database triggers) always equals
counting them, whatever changes links or status: the ORM, bulk statements, cascades."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import delete, func, select, update

from dpse.casestudies import service
from dpse.casestudies.models import CaseStudy, Status, case_study_tag
from dpse.extensions import db
from dpse.tags.models import Tag
from tests.casestudies.factories import make_case_study


def stored() -> dict[str, int]:
    db.session.expire_all()
    return {slug: n for slug, n in db.session.execute(select(Tag.slug, Tag.published_case_studies))}


def counted() -> dict[str, int]:
    per_tag = dict(
        db.session.execute(
            select(Tag.slug, func.count(CaseStudy.id))
            .select_from(Tag)
            .outerjoin(case_study_tag, case_study_tag.c.tag_id == Tag.id)
            .outerjoin(
                CaseStudy,
                (CaseStudy.id == case_study_tag.c.case_study_id)
                & (CaseStudy.status == Status.PUBLISHED),
            )
            .group_by(Tag.slug)
        ).all()
    )
    return per_tag


def assert_counts(**expected: int) -> None:
    now = stored()
    assert now == counted()
    for slug, n in expected.items():
        assert now[slug] == n, slug


def test_counts_follow_publishing_tag_edits_archiving_and_deleting(users):
    member, moderator = users["member"], users["moderator"]
    draft = make_case_study(member, title="Draft one")
    assert_counts(drupal=0, **{"content-migration": 0})
    first = make_case_study(member, status="published", moderator=moderator, title="First")
    second = make_case_study(member, status="published", moderator=moderator, title="Second")
    assert_counts(drupal=2, **{"localgov-drupal": 2, "content-migration": 2})

    data = service.data_from(first)
    service.update_case_study(
        member, first, replace(data, technologies=["Drupal", "CKAN"], topics=[]), "tags"
    )
    db.session.commit()
    assert_counts(drupal=2, ckan=1, **{"localgov-drupal": 1, "content-migration": 1})

    service.archive(moderator, second)
    db.session.commit()
    assert_counts(drupal=1, ckan=1, **{"localgov-drupal": 0, "content-migration": 0})

    service.submit(member, draft)
    service.publish(moderator, draft)
    db.session.commit()
    assert_counts(drupal=2, **{"localgov-drupal": 1, "content-migration": 1})

    db.session.delete(first)  # the ORM removes its links, then the row
    db.session.commit()
    assert_counts(drupal=1, ckan=0, **{"localgov-drupal": 1})

    db.session.execute(delete(CaseStudy).where(CaseStudy.id == draft.id))  # the cascade
    db.session.commit()
    assert_counts(drupal=0, **{"localgov-drupal": 0, "content-migration": 0})


def test_counts_follow_bulk_statements(users):
    member, moderator = users["member"], users["moderator"]
    cs = make_case_study(member, status="published", moderator=moderator)
    db.session.commit()
    assert_counts(drupal=1)
    db.session.execute(update(CaseStudy).values(status=Status.DRAFT))
    db.session.commit()
    assert_counts(drupal=0)
    db.session.execute(update(CaseStudy).values(status=Status.PUBLISHED))
    drupal = db.session.scalar(select(Tag.id).where(Tag.slug == "drupal"))
    db.session.execute(delete(case_study_tag).where(case_study_tag.c.tag_id == drupal))
    db.session.commit()
    assert_counts(drupal=0, **{"localgov-drupal": 1})
    db.session.execute(case_study_tag.insert().values(case_study_id=cs.id, tag_id=drupal))
    db.session.commit()
    assert_counts(drupal=1)
