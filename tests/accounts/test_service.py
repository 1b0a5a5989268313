"""Account use cases without a browser: create, authenticate, tokens, roles."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from dpse.accounts import queries, service, signup
from dpse.accounts.models import (
    BIO_MAX,
    DISPLAY_NAME_MAX,
    JOB_TITLE_MAX,
    Organisation,
    OrganisationKind,
    User,
)
from dpse.accounts.roles import Role
from dpse.extensions import db
from dpse.mail import OutboxEmail
from tests.conftest import PASSWORD


def _register(email="ann@testshire.gov.uk", **extra):
    data = signup.Registration(
        email=email, display_name="Ann", password=PASSWORD, new_organisation="Testshire", **extra
    )
    return signup.register(data)


def test_register_stores_a_slow_hash_and_lower_cased_email(app):
    user = _register("Ann@TestShire.GOV.uk")
    assert user.email == "ann@testshire.gov.uk"
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("pbkdf2:sha256:")  # tests configure a fast KDF
    assert user.role == Role.MEMBER
    assert not user.email_verified


def test_production_default_kdf_is_scrypt():
    from dpse.config import load_config

    assert load_config({"DPSE_INSTANCE_PATH": "/tmp/x-unused"})["PASSWORD_HASH_METHOD"] == "scrypt"


def test_registering_with_a_supplier_organisation_makes_a_supplier(organisations):
    data = signup.Registration(
        email="sue@acme.example",
        display_name="Sue",
        password=PASSWORD,
        organisation_id=organisations["supplier"].id,
    )
    user = signup.register(data)
    assert user.role == Role.SUPPLIER
    assert user.is_supplier


def test_registering_a_taken_address_emails_its_owner_instead(app):
    first = _register()
    assert _register("ANN@testshire.gov.uk") is None  # whatever the case
    assert db.session.scalars(select(User)).all() == [first]
    subjects = [
        (m.recipient, m.subject) for m in db.session.scalars(select(OutboxEmail).order_by("id"))
    ]
    assert subjects == [
        ("ann@testshire.gov.uk", "Confirm your email address for Public Sector Exchange"),
        (
            "ann@testshire.gov.uk",
            "Someone tried to register with your address on Public Sector Exchange",
        ),
    ]
    notice = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
    assert "/forgot-password" in notice.body and "/login" in notice.body


def test_create_user_still_refuses_a_taken_address(app):
    service.create_user("ann@testshire.gov.uk", "Ann", PASSWORD)
    with pytest.raises(service.AccountError, match="already exists") as err:
        service.create_user("ANN@testshire.gov.uk", "Ann", PASSWORD)
    assert err.value.field == "email"


def test_registering_a_taken_address_creates_no_organisation(app):
    _register()
    taken = signup.register(
        signup.Registration(
            email="ann@testshire.gov.uk",
            display_name="Ann",
            password=PASSWORD,
            new_organisation="A Brand New Org",
        )
    )
    assert taken is None
    names = db.session.scalars(select(Organisation.name)).all()
    assert "A Brand New Org" not in names


def test_new_and_taken_addresses_cost_the_same_password_hashing(app, monkeypatch):
    """Timing must not tell whether an address has an account: both hash once."""
    _register()
    calls: list[str] = []
    real = service.hash_password
    monkeypatch.setattr(service, "hash_password", lambda p: calls.append(p) or real(p))
    _register("new@testshire.gov.uk")
    new_calls = len(calls)
    _register("ann@testshire.gov.uk")
    assert new_calls == 1 and len(calls) - new_calls == 1


def test_short_password_is_refused(app):
    with pytest.raises(service.AccountError, match="at least 12"):
        service.create_user("a@b.gov.uk", "A", "short-pass")


def test_authenticate(users):
    member = users["member"]
    assert service.authenticate("MEMBER@testshire.gov.uk", PASSWORD) == member
    assert service.authenticate(member.email, "wrong password here") is None
    assert service.authenticate("nobody@testshire.gov.uk", PASSWORD) is None
    assert service.authenticate(member.email, "x" * 5000) is None


def test_deactivated_user_cannot_authenticate(users):
    service.set_active(users["admin"], users["member"], False)
    assert service.authenticate(users["member"].email, PASSWORD) is None


def test_verification_link_works_once(app):
    user = _register()
    token = service.make_verification_token(user)
    assert service.verify_email(token) == user
    assert user.email_verified
    with pytest.raises(service.AccountError, match="already been used"):
        service.verify_email(token)


def test_verification_link_expires(app):
    user = _register()
    token = service.make_verification_token(user)
    app.config["TOKEN_MAX_AGE"] = -1
    try:
        with pytest.raises(service.AccountError, match="expired"):
            service.verify_email(token)
    finally:
        app.config["TOKEN_MAX_AGE"] = 24 * 3600
    assert not user.email_verified


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "x" * 500])
def test_tampered_links_are_refused(app, token):
    with pytest.raises(service.AccountError, match="not valid"):
        service.verify_email(token)


def test_a_link_signed_for_another_purpose_is_refused(users):
    reset = service.make_reset_token(users["member"])
    with pytest.raises(service.AccountError):
        service.verify_email(reset)


def test_a_link_with_a_wrong_payload_shape_is_refused(app):
    token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="dpse.verify").dumps({"a": 1})
    with pytest.raises(service.AccountError, match="not valid"):
        service.verify_email(token)


def test_password_reset_link_works_once_and_ends_sessions(users):
    member = users["member"]
    old_session = member.get_id()
    token = service.make_reset_token(member)
    service.reset_password(token, "a brand new password")
    assert service.authenticate(member.email, "a brand new password") == member
    assert queries.get_user_for_session(old_session) is None
    with pytest.raises(service.AccountError, match="already been used"):
        service.reset_password(token, "yet another password")


def test_reset_request_for_unknown_address_sends_nothing(app):
    service.request_password_reset("nobody@testshire.gov.uk")
    assert db.session.scalars(select(OutboxEmail)).all() == []


def test_reset_request_queues_one_email_with_a_working_link(users):
    service.request_password_reset("Member@testshire.gov.uk")
    (message,) = db.session.scalars(select(OutboxEmail)).all()
    assert message.recipient == "member@testshire.gov.uk"
    assert "/reset-password/" in message.body
    assert message.sent_at is not None  # development: written to the log, marked sent


@pytest.mark.parametrize(
    ("email", "verified", "expected"),
    [
        ("a@testshire.gov.uk", True, True),
        ("a@trust.nhs.uk", True, True),
        ("a@ec.europa.eu", True, True),
        ("a@testshire.gov.uk", False, False),
        ("a@gmail.com", True, False),
        ("a@notgov.uk", True, False),
        ("a@evil-gov.uk", True, False),
    ],
)
def test_public_sector_badge_needs_verified_public_sector_domain(app, email, verified, expected):
    user = service.create_user(email, "A", PASSWORD, verified=verified)
    assert queries.is_verified_public_sector(user) is expected


def test_public_sector_domains_are_configurable(app):
    user = service.create_user("a@example.org", "A", PASSWORD, verified=True)
    old = app.config["PUBLIC_SECTOR_DOMAINS"]
    app.config["PUBLIC_SECTOR_DOMAINS"] = ("example.org",)
    try:
        assert queries.is_verified_public_sector(user)
    finally:
        app.config["PUBLIC_SECTOR_DOMAINS"] = old


def test_admin_cannot_change_own_role_or_deactivate_self(users):
    admin = users["admin"]
    with pytest.raises(service.AccountError):
        service.set_role(admin, admin, Role.MEMBER)
    with pytest.raises(service.AccountError):
        service.set_active(admin, admin, False)
    assert admin.role == Role.ADMIN and admin.active


@pytest.mark.parametrize("who", ["member", "moderator", "organiser"])
def test_only_admins_change_roles_or_active_states(users, who):
    # The service asks the same predicates as the admin pages, whoever calls it.
    actor, target = users[who], users["supplier"]
    with pytest.raises(service.AccountError, match="Only admins"):
        service.set_role(actor, target, Role.ADMIN)
    with pytest.raises(service.AccountError, match="Only admins"):
        service.set_active(actor, target, False)
    assert target.role == Role.SUPPLIER and target.active


def test_profile_limits_are_the_model_constants(users):
    member = users["member"]
    for display_name, job_title, bio, field in [
        ("x" * (DISPLAY_NAME_MAX + 1), "", "", "display_name"),
        ("Member", "x" * (JOB_TITLE_MAX + 1), "", "job_title"),
        ("Member", "", "x" * (BIO_MAX + 1), "bio"),
    ]:
        with pytest.raises(service.AccountError) as caught:
            service.update_profile(member, display_name, job_title, bio, None)
        assert caught.value.field == field
    service.update_profile(member, "x" * DISPLAY_NAME_MAX, "x" * JOB_TITLE_MAX, "x" * BIO_MAX, None)
    assert len(member.bio) == BIO_MAX


def test_create_organisation_reuses_an_existing_name(app):
    a = service.create_organisation("Testshire Council", OrganisationKind.COUNCIL)
    b = service.create_organisation("testshire council", OrganisationKind.OTHER)
    assert a.id == b.id
    c = service.create_organisation("Testshire Council!", OrganisationKind.COUNCIL)
    assert c.slug == "testshire-council-2"


def test_session_loader_rejects_malformed_ids(users):
    member = users["member"]
    assert queries.get_user_for_session(member.get_id()) == member
    for bad in ["", "abc", f"{member.id}", f"{member.id}:", f"{member.id}:wrong", "x:y"]:
        assert queries.get_user_for_session(bad) is None
    assert isinstance(db.session.get(User, member.id), User)


def test_create_organisation_takes_a_given_slug(app):
    """The demo content names its organisations' addresses; seeding goes through this path."""
    org = service.create_organisation(
        "Riverside Community Health Service", OrganisationKind.HEALTH, slug="riverside-health"
    )
    db.session.commit()
    assert org.slug == "riverside-health"
    again = service.create_organisation(
        "riverside community health service", OrganisationKind.HEALTH
    )
    assert again.id == org.id
