"""Each tag's and supplier's count of published case studies (kept by database triggers)
always equals counting them, whatever changes links or status: the ORM, bulk statements,
cascades, an organisation merged into another."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import delete, func, select, update

from dpse.accounts import service as accounts
from dpse.accounts.models import Organisation, OrganisationKind
from dpse.casestudies import service
from dpse.casestudies.models import CaseStudy, Status, case_study_supplier, case_study_tag
from dpse.extensions import db
from dpse.tags.models import Tag
from tests.casestudies.factories import make_case_study

# (model, its stored count, the link table, the link's column to the model)
COUNTED = [
    (Tag, Tag.published_case_studies, case_study_tag, case_study_tag.c.tag_id),
    (
        Organisation,
        Organisation.published_case_studies_supplied,
        case_study_supplier,
        case_study_supplier.c.organisation_id,
    ),
]


def stored_and_counted() -> tuple[dict[str, int], dict[str, int]]:
    db.session.expire_all()
    stored: dict[str, int] = {}
    counted: dict[str, int] = {}
    for model, column, links, key in COUNTED:
        stored |= dict(db.session.execute(select(model.slug, column)).all())
        counted |= dict(
            db.session.execute(
                select(model.slug, func.count(CaseStudy.id))
                .select_from(model)
                .outerjoin(links, key == model.id)
                .outerjoin(
                    CaseStudy,
                    (CaseStudy.id == links.c.case_study_id)
                    & (CaseStudy.status == Status.PUBLISHED),
                )
                .group_by(model.slug)
            ).all()
        )
    return stored, counted


def assert_counts(**expected: int) -> None:
    stored, counted = stored_and_counted()
    assert stored == counted
    for slug, n in expected.items():
        assert stored[slug.replace("_", "-")] == n, slug


def test_counts_follow_publishing_edits_archiving_and_deleting(users, organisations):
    member, moderator = users["member"], users["moderator"]
    acme = organisations["supplier"].slug
    draft = make_case_study(member, title="Draft one", supplier_slugs=[acme])
    assert_counts(drupal=0, content_migration=0, acme_drupal_ltd=0)
    first = make_case_study(member, "published", moderator, title="First", supplier_slugs=[acme])
    second = make_case_study(member, "published", moderator, title="Second")
    assert_counts(drupal=2, localgov_drupal=2, content_migration=2, acme_drupal_ltd=1)

    data = replace(service.data_from(first), technologies=["Drupal", "CKAN"], topics=[])
    service.update_case_study(member, first, replace(data, supplier_slugs=[]), "tags")
    db.session.commit()
    assert_counts(drupal=2, ckan=1, localgov_drupal=1, content_migration=1, acme_drupal_ltd=0)

    service.archive(moderator, second)
    db.session.commit()
    assert_counts(drupal=1, ckan=1, localgov_drupal=0, content_migration=0)

    service.submit(member, draft)
    service.publish(moderator, draft)
    db.session.commit()
    assert_counts(drupal=2, localgov_drupal=1, content_migration=1, acme_drupal_ltd=1)

    db.session.delete(first)  # the ORM removes its links, then the row
    db.session.commit()
    assert_counts(drupal=1, ckan=0, localgov_drupal=1)

    db.session.execute(delete(CaseStudy).where(CaseStudy.id == draft.id))  # the cascade
    db.session.commit()
    assert_counts(drupal=0, localgov_drupal=0, content_migration=0, acme_drupal_ltd=0)


def test_counts_follow_bulk_statements_and_a_merged_supplier(users, organisations):
    member, moderator = users["member"], users["moderator"]
    acme = organisations["supplier"]
    other = accounts.create_organisation("Other Drupal Ltd", OrganisationKind.SUPPLIER)
    db.session.commit()
    cs = make_case_study(member, "published", moderator, supplier_slugs=[acme.slug, other.slug])
    make_case_study(member, "published", moderator, title="Two", supplier_slugs=[other.slug])
    db.session.commit()
    assert_counts(drupal=2, acme_drupal_ltd=1, other_drupal_ltd=2)
    service.move_organisation(other.id, acme.id)  # links moved, or dropped where both were
    db.session.commit()
    assert_counts(acme_drupal_ltd=2, other_drupal_ltd=0)

    db.session.execute(update(CaseStudy).values(status=Status.DRAFT))
    db.session.commit()
    assert_counts(drupal=0, acme_drupal_ltd=0)
    db.session.execute(update(CaseStudy).values(status=Status.PUBLISHED))
    drupal = db.session.scalar(select(Tag.id).where(Tag.slug == "drupal"))
    db.session.execute(delete(case_study_tag).where(case_study_tag.c.tag_id == drupal))
    db.session.commit()
    assert_counts(drupal=0, localgov_drupal=2, acme_drupal_ltd=2)
    db.session.execute(case_study_tag.insert().values(case_study_id=cs.id, tag_id=drupal))
    db.session.commit()
    assert_counts(drupal=1)
