"""Sign-ups at the same moment end as people meant: one organisation, one account per address,
never an error (the issue found 9 of 24 sign-ups naming one new organisation failing)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from dpse.accounts import service, signup
from dpse.accounts.models import Organisation, OrganisationKind, User
from dpse.extensions import db
from dpse.mail import OutboxEmail
from tests.concurrency import DUPLICATES, at_once
from tests.conftest import PASSWORD, csrf_token


def _sign_up(email: str, organisation: str = "Brand New Borough Council") -> Callable[[], object]:
    def job() -> object:
        data = signup.Registration(
            email=email,
            display_name="Racer",
            password=PASSWORD,
            new_organisation=organisation,
            new_organisation_kind=OrganisationKind.COUNCIL,
        )
        user = signup.register(data)
        return user.id if user else None

    return job


def test_sign_ups_naming_the_same_new_organisation_share_one(app):
    jobs = [_sign_up(f"racer{n}@brandnew.gov.uk") for n in range(DUPLICATES)]
    results, errors = at_once(app, jobs)
    assert errors == []
    assert None not in results and len(results) == DUPLICATES
    (organisation,) = db.session.scalars(select(Organisation)).all()
    assert organisation.name == "Brand New Borough Council"
    members = db.session.scalar(
        select(func.count(User.id)).where(User.organisation_id == organisation.id)
    )
    assert members == DUPLICATES


def test_the_same_address_signed_up_at_once_makes_one_account(app):
    results, errors = at_once(app, [_sign_up("twin@brandnew.gov.uk") for _ in range(DUPLICATES)])
    assert errors == []
    assert len(results) == DUPLICATES and len([r for r in results if r is not None]) == 1
    assert db.session.scalar(select(func.count(User.id))) == 1
    subjects = db.session.scalars(select(OutboxEmail.subject)).all()
    assert len(subjects) == DUPLICATES  # one confirmation link, and the owner told of each retry
    assert sum(s.startswith("Confirm your email") for s in subjects) == 1


def test_an_organisation_whose_slug_another_name_took_gets_the_next_one(app):
    service.create_organisation("Brand New", OrganisationKind.COUNCIL)
    db.session.commit()
    other = service.create_organisation("Brand New!", OrganisationKind.COUNCIL)
    assert other.slug == "brand-new-2"


def test_sign_ups_through_the_form_at_once_all_get_the_same_answer(app):
    """As the issue's test did it: 24 browsers post the sign-up form naming one new organisation."""
    clients = [app.test_client() for _ in range(DUPLICATES)]
    tokens = [csrf_token(c, "/register") for c in clients]

    def post(n: int) -> Callable[[], object]:
        data = {
            "csrf_token": tokens[n],
            "email": f"form{n}@brandnew.gov.uk",
            "display_name": "Racer",
            "new_organisation": "Brand New Borough Council",
            "new_organisation_kind": "council",
            "password": PASSWORD,
            "confirm": PASSWORD,
        }
        return lambda: clients[n].post("/register", data=data).status_code

    statuses, errors = at_once(app, [post(n) for n in range(DUPLICATES)])
    assert errors == [] and statuses == [200] * DUPLICATES
    assert db.session.scalar(select(func.count(Organisation.id))) == 1
    assert db.session.scalar(select(func.count(User.id))) == DUPLICATES
