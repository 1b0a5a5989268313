"""Organisations people can trust: typed-in ones wait for approval, verified email domains make
verified members, pending members are shown nowhere, and admins approve, merge and delete."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from dpse.accounts import organisations as admin_writes
from dpse.accounts import queries
from dpse.accounts.models import Organisation, OrganisationKind, User
from dpse.audit import AuditLog
from dpse.events.models import Event
from dpse.extensions import db
from tests.casestudies.factories import make_case_study
from tests.conftest import PASSWORD, login, post_form

REGISTRATION = {
    "display_name": "Pat Newcomer",
    "handle": "",
    "password": PASSWORD,
    "confirm": PASSWORD,
    "organisation_id": "",
    "new_organisation": "",
    "new_organisation_kind": "council",
}


def register(client, email: str, **fields: str) -> User:
    response = post_form(client, "/register", {**REGISTRATION, "email": email, **fields})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return db.session.scalar(select(User).where(User.email == email))


def confirm_email(client, outbox_link) -> None:
    assert client.get(outbox_link).status_code == 302


def verification_link(email: str) -> str:
    from dpse.mail import OutboxEmail

    body = db.session.scalars(
        select(OutboxEmail.body).where(OutboxEmail.recipient == email).order_by(OutboxEmail.id)
    ).all()[-1]
    return re.search(r"https?://[^/\s]+(/verify-email/\S+)", body).group(1)


def test_a_typed_in_organisation_waits_for_approval_and_is_invisible(client, users):
    person = register(client, "pat@gmail.com", new_organisation="Evil Supplies Ltd")
    org = person.organisation
    assert org.name == "Evil Supplies Ltd" and not org.is_approved
    assert client.get(f"/organisations/{org.slug}").status_code == 404
    assert "Evil Supplies" not in client.get("/organisations").get_data(as_text=True)
    assert "Evil Supplies" not in client.get("/register").get_data(as_text=True)  # not offered
    assert person.verified_organisation is None  # their content shows no organisation
    # Choosing it by id anyway is refused.
    response = post_form(
        client,
        "/register",
        {**REGISTRATION, "email": "other@gmail.com", "organisation_id": str(org.id)},
    )
    assert response.status_code == 400

    admin_writes.approve_organisation(users["admin"], org)
    assert client.get(f"/organisations/{org.slug}").status_code == 200
    assert person.verified_organisation == org  # the person who named it is vouched for
    entry = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert entry.action == "approve_organisation" and entry.actor_id == users["admin"].id


def test_an_address_at_a_verified_domain_makes_a_verified_member(client, users, organisations):
    council = organisations["council"]
    admin_writes.save_organisation(
        users["admin"], council, council.name, council.kind, domains="Testshire.gov.uk, @nhs.net"
    )
    assert council.domain_list == ["testshire.gov.uk", "nhs.net"]
    at_domain = register(
        client, "ann@roads.testshire.gov.uk", organisation_id=str(council.id)
    )  # a subdomain counts
    elsewhere = register(
        client, "bob@gmail.com", display_name="Bob Elsewhere", organisation_id=str(council.id)
    )
    assert at_domain.membership_verified_at is None  # not before the address is confirmed
    confirm_email(client, verification_link(at_domain.email))
    confirm_email(client, verification_link(elsewhere.email))
    db.session.refresh(at_domain), db.session.refresh(elsewhere)
    assert at_domain.verified_organisation == council
    assert elsewhere.membership_verified_at is None and elsewhere.verified_organisation is None
    page = client.get(f"/organisations/{council.slug}").get_data(as_text=True)
    assert "Pat Newcomer" in page and "Bob Elsewhere" not in page  # pending: shown nowhere
    assert queries.pending_members(council) == [elsewhere]
    admin_writes.verify_member(users["admin"], elsewhere)
    assert "Bob Elsewhere" in client.get(f"/organisations/{council.slug}").get_data(as_text=True)


def test_bad_domains_are_refused_with_the_form_kept(client, users, organisations):
    login(client, users["admin"].email)
    council = organisations["council"]
    url = f"/admin/organisations/{council.id}"
    response = post_form(
        client, url, {"name": council.name, "kind": "council", "domains": "gov.uk, not a domain"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "is not an email domain" in html and "not a domain" in html
    assert council.domains == ""


def test_merge_moves_members_case_studies_and_events_and_redirects(
    client, users, organisations, make_event
):
    council, supplier = organisations["council"], organisations["supplier"]
    duplicate = admin_writes.save_organisation(
        users["admin"], None, "Testshire County Council", OrganisationKind.COUNCIL
    )
    member = users["member"]
    member.organisation = duplicate
    db.session.commit()
    written = make_case_study(member, status="published", moderator=users["moderator"])
    written.organisation = duplicate
    written.suppliers = [duplicate, supplier]
    also = make_case_study(
        member, title="Both supplied", status="published", moderator=users["moderator"]
    )
    also.suppliers = [duplicate, council]
    event = make_event()
    event.organisation = duplicate
    db.session.commit()
    old_slug, duplicate_id = duplicate.slug, duplicate.id

    login(client, users["admin"].email)
    page = client.get(f"/admin/organisations/{duplicate_id}").get_data(as_text=True)
    assert "merge it instead" in page  # it cannot simply be deleted
    response = post_form(
        client,
        f"/admin/organisations/{duplicate_id}/merge",
        {"merge-target": str(council.id)},
        form_url=f"/admin/organisations/{duplicate_id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, duplicate_id) is None
    assert db.session.get(User, member.id).organisation_id == council.id
    assert written.organisation_id == council.id
    assert sorted(o.name for o in written.suppliers) == ["Acme Drupal Ltd", "Testshire Council"]
    assert [o.name for o in also.suppliers] == ["Testshire Council"]  # no double row
    assert db.session.get(Event, event.id).organisation_id == council.id
    moved = client.get(f"/organisations/{old_slug}")
    assert moved.status_code == 301 and moved.headers["Location"].endswith(f"/{council.slug}")
    entry = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert entry.action == "merge_organisation" and "Testshire County Council" in entry.detail


def test_only_an_empty_organisation_can_be_deleted(client, users, organisations):
    empty = admin_writes.save_organisation(
        users["admin"], None, "Nobody Ltd", OrganisationKind.SUPPLIER
    )
    with pytest.raises(admin_writes.AccountError):
        admin_writes.delete_organisation(users["admin"], organisations["council"])
    login(client, users["admin"].email)
    response = post_form(
        client,
        f"/admin/organisations/{empty.id}/delete",
        {},
        form_url=f"/admin/organisations/{empty.id}",
    )
    assert response.status_code == 302
    assert db.session.get(Organisation, empty.id) is None


def test_only_admins_manage_organisations(client, users, organisations):
    with pytest.raises(admin_writes.NotAllowed):
        admin_writes.approve_organisation(users["moderator"], organisations["council"])
    login(client, users["moderator"].email)
    assert client.get("/admin/organisations").status_code == 403
    council = organisations["council"]
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/account").get_data(as_text=True)
    ).group(1)
    response = client.post(f"/admin/organisations/{council.id}/delete", data={"csrf_token": token})
    assert response.status_code == 403
    assert db.session.get(Organisation, council.id) is not None
