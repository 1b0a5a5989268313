"""An organisation's count of shown members (active, membership verified; kept by database
triggers) always equals counting them, whatever changes a person: the ORM, bulk statements,
an organisation deleted."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update

from dpse.accounts import service as accounts
from dpse.accounts.models import Organisation, OrganisationKind, User
from dpse.accounts.queries import SHOWN_MEMBER, organisations_for_people_filter
from dpse.extensions import db
from tests.conftest import PASSWORD


def assert_members(**expected: int) -> None:
    db.session.expire_all()
    stored = dict(db.session.execute(select(Organisation.slug, Organisation.shown_members)).all())
    counted = {slug: 0 for slug in stored} | dict(
        db.session.execute(
            select(Organisation.slug, func.count(User.id))
            .join(User, User.organisation_id == Organisation.id)
            .where(SHOWN_MEMBER)
            .group_by(Organisation.slug)
        ).all()
    )
    assert stored == counted
    for slug, n in expected.items():
        assert stored[slug.replace("_", "-")] == n, slug


def test_members_counted_as_people_join_leave_and_change(users, organisations):
    council, supplier = organisations["council"], organisations["supplier"]
    assert_members(testshire_council=len(users) - 1, acme_drupal_ltd=1)
    newcomer = accounts.create_user("new@testshire.gov.uk", "New Person", PASSWORD)
    newcomer.organisation = council  # named, not yet verified: not shown
    db.session.commit()
    before = council.shown_members
    assert_members(testshire_council=before)
    newcomer.membership_verified_at = newcomer.created_at
    db.session.commit()
    assert_members(testshire_council=before + 1)
    newcomer.organisation = supplier
    db.session.commit()
    assert_members(testshire_council=before, acme_drupal_ltd=2)
    admin = users["admin"]
    accounts.set_active(admin, newcomer, False)
    db.session.commit()
    assert_members(acme_drupal_ltd=1)
    db.session.execute(update(User).values(active=True))
    db.session.commit()
    assert_members(acme_drupal_ltd=2)
    db.session.execute(delete(User).where(User.id == newcomer.id))
    db.session.commit()
    assert_members(acme_drupal_ltd=1)


def test_the_people_filter_ranks_by_the_kept_count(users, organisations):
    big = accounts.create_organisation("Big Borough Council", OrganisationKind.COUNCIL, "UK")
    db.session.commit()
    for n in range(len(users) + 1):
        accounts.create_user(
            f"p{n}@big.gov.uk", f"Person {n}", PASSWORD, organisation=big, verified=True
        )
    assert_members(big_borough_council=len(users) + 1)
    shown = organisations_for_people_filter()
    assert {org.slug for org in shown} >= {"big-borough-council", "testshire-council"}
    db.session.execute(delete(Organisation).where(Organisation.id == big.id))  # people kept
    db.session.commit()
    assert_members(testshire_council=len(users) - 1)
    assert "big-borough-council" not in {org.slug for org in organisations_for_people_filter()}
