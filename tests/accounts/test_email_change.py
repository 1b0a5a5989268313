"""Changing your email address: confirmed by a link to the new address, the old one told."""

from __future__ import annotations

import re

from dpse.accounts.models import User
from dpse.accounts.queries import get_user_by_email
from dpse.extensions import db
from dpse.mail import OutboxEmail
from tests.conftest import PASSWORD, login, post_form

LINK = re.compile(r"https?://[^\s]+/account/email/confirm/[^\s]+")


def _mail_to(address: str) -> list[OutboxEmail]:
    return db.session.query(OutboxEmail).filter_by(recipient=address).order_by(OutboxEmail.id).all()


def test_email_change_end_to_end(client, app, users):
    member = users["member"]
    login(client, member.email)
    page = post_form(
        client, "/account/email", {"email": "New.Me@testshire.gov.uk", "password": PASSWORD}
    )
    assert page.status_code == 302
    account = client.get("/account").get_data(as_text=True)
    assert "new.me@testshire.gov.uk" in account  # shown as waiting for its link
    # Until confirmed the old address stays, and signs in.
    assert db.session.get(User, member.id).email == "member@testshire.gov.uk"
    (confirm,) = _mail_to("new.me@testshire.gov.uk")
    assert "Confirm your new email address" in confirm.subject
    told = _mail_to("member@testshire.gov.uk")
    assert any("new.me@testshire.gov.uk" in m.body for m in told)
    link = LINK.search(confirm.body).group(0)
    path = link.split("dpse.test", 1)[-1]
    done = client.get(path)
    assert done.status_code == 302
    assert get_user_by_email("new.me@testshire.gov.uk").id == member.id
    assert get_user_by_email("member@testshire.gov.uk") is None
    assert any(
        "now uses new.me@testshire.gov.uk" in m.body for m in _mail_to("member@testshire.gov.uk")
    )
    # The link is spent; the new address signs in, the old one does not.
    assert client.get(path).status_code == 400
    other = app.test_client()
    assert login(other, "new.me@testshire.gov.uk").status_code == 302
    assert login(app.test_client(), "member@testshire.gov.uk").status_code != 302


def test_the_new_address_must_be_free_and_the_password_right(client, users):
    login(client, users["member"].email)
    taken = post_form(
        client, "/account/email", {"email": users["organiser"].email, "password": PASSWORD}
    )
    assert taken.status_code == 400
    assert "Another account uses this email address" in taken.get_data(as_text=True)
    wrong = post_form(
        client, "/account/email", {"email": "fresh@testshire.gov.uk", "password": "not it at all"}
    )
    assert wrong.status_code == 400
    body = wrong.get_data(as_text=True)
    assert "Your current password is not right" in body
    assert 'value="fresh@testshire.gov.uk"' in body  # what was typed stays
    assert db.session.get(User, users["member"].id).pending_email is None


def test_an_address_taken_before_the_link_is_opened_is_refused(client, users):
    member = users["member"]
    login(client, member.email)
    post_form(client, "/account/email", {"email": "race@testshire.gov.uk", "password": PASSWORD})
    link = LINK.search(_mail_to("race@testshire.gov.uk")[0].body).group(0)
    from dpse.accounts import service

    service.create_user("race@testshire.gov.uk", "Quick Person", PASSWORD)
    page = client.get(link.split("dpse.test", 1)[-1])
    assert page.status_code == 400
    assert db.session.get(User, member.id).email == "member@testshire.gov.uk"


def test_membership_is_checked_again_for_the_new_address(client, users, organisations):
    council = organisations["council"]
    council.domains = "testshire.gov.uk"
    db.session.commit()
    member = users["member"]
    assert member.membership_verified_at is not None
    login(client, member.email)
    post_form(client, "/account/email", {"email": "me@gmail.example", "password": PASSWORD})
    link = LINK.search(_mail_to("me@gmail.example")[0].body).group(0)
    client.get(link.split("dpse.test", 1)[-1])
    assert db.session.get(User, member.id).membership_verified_at is None
