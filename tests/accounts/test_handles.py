"""Handles: the rules (case, reserved words, look-alikes), choosing one at registration,
changing it once in 30 days, profile addresses, and the migration that gave existing accounts
theirs."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from dpse.accounts import handles, service
from dpse.accounts.models import User
from dpse.extensions import db
from dpse.mixins import utcnow
from tests.conftest import PASSWORD, login, post_form

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "handle", ["mina-member", "m2x", "a-b-c", "lotte-de-vries", "x" * 30, "council-42"]
)
def test_good_handles(handle):
    assert handles.format_problem(handle) is None


@pytest.mark.parametrize(
    "handle",
    [
        "ab",
        "x" * 31,
        "-mina",
        "mina-",
        "mina--member",
        "mina_member",
        "mina.member",
        "12345",
        "mina member",
        "mоrgan",
    ],  # the last has a Cyrillic о
)
def test_bad_handles(handle):
    assert handles.format_problem(handle) == handles.PROBLEMS["format"]


@pytest.mark.parametrize("handle", ["admin", "moderator", "support", "staff", "adm1n", "m0d"])
def test_reserved_words_and_their_look_alikes_are_refused(handle):
    assert handles.format_problem(handle) == handles.PROBLEMS["reserved"]


def test_case_is_folded():
    assert handles.normalise(" @Mina-Member ") == "mina-member"


@pytest.mark.parametrize(
    "look_alike",
    [
        "morgan-rnoderator",
        "morganmoderator",
        "m0rgan-moderator",
        "MORGAN-MODERATOR",
        "morgan-moderat0r",
        "rnorgan-moderator",
    ],
)
def test_look_alikes_of_an_existing_handle_are_refused(users, look_alike):
    service.create_user(
        "morgan@testshire.gov.uk", "Morgan", PASSWORD, verified=True, handle="morgan-moderator"
    )
    with pytest.raises(service.AccountError) as refused:
        service.check_handle(look_alike)
    assert refused.value.message == handles.PROBLEMS["taken"] and refused.value.field == "handle"


def test_accounts_without_a_handle_get_one_from_their_name(users, make_people):
    twins = [
        service.create_user(f"twin{i}@testshire.gov.uk", "Morgan Moderator", PASSWORD)
        for i in range(3)
    ]
    assert [t.handle for t in twins] == [
        "morgan-moderator",
        "morgan-moderator-2",
        "morgan-moderator-3",
    ]
    people = make_people(3)  # inserted together in one flush
    assert len({p.handle for p in people}) == 3
    assert handles.suggest("Morgan Moderator") == "morgan-moderator-4"
    assert handles.suggest("Zoë Ørsted") == "zoe-rsted"


def test_registration_takes_a_handle_and_refuses_a_taken_one(client, users, organisations):
    data = {
        "email": "new@testshire.gov.uk",
        "display_name": "Member Person",  # the same name as an existing account: allowed
        "handle": "Member-Person",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "organisation_id": str(organisations["council"].id),
        "new_organisation": "",
        "new_organisation_kind": "other",
    }
    response = post_form(client, "/register", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert handles.PROBLEMS["taken"] in html
    assert 'value="new@testshire.gov.uk"' in html and 'value="Member-Person"' in html
    response = post_form(client, "/register", {**data, "handle": "member-too"})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    made = db.session.scalar(select(User).where(User.email == "new@testshire.gov.uk"))
    assert made.handle == "member-too"
    response = post_form(
        client, "/register", {**data, "email": "third@testshire.gov.uk", "handle": ""}
    )
    assert response.status_code == 200
    third = db.session.scalar(select(User).where(User.email == "third@testshire.gov.uk"))
    assert third.handle == "member-person-2"  # suggested from the name


def test_a_handle_changes_once_in_30_days_and_the_old_address_redirects(client, users):
    member = users["member"]
    assert client.get("/people/member-person").status_code == 200
    login(client, member.email)
    form = {"display_name": "Member Person", "job_title": "", "bio": "", "organisation_id": ""}
    response = post_form(client, "/account", {**form, "handle": "mina-member"})
    assert response.status_code == 302
    assert member.handle == "mina-member"
    old = client.get("/people/member-person")
    assert old.status_code == 301 and old.headers["Location"].endswith("/people/mina-member")
    assert client.get(f"/people/{member.id}").headers["Location"].endswith("/people/mina-member")
    assert client.get("/people/Mina-Member").status_code == 301
    # Too soon for another change; the form says when.
    again = post_form(client, "/account", {**form, "handle": "mina-m"})
    assert again.status_code == 400 and "You changed your handle recently" in again.get_data(
        as_text=True
    )
    # Nobody else can take the old handle (or a look-alike of it).
    with pytest.raises(service.AccountError):
        service.check_handle("rnember-person")
    with pytest.raises(service.AccountError):
        service.check_handle("member-person")
    # 30 days later it can change again, and taking back your own old handle is allowed.
    assert service.change_handle(member, "member-person", now=utcnow() + timedelta(days=31))
    assert client.get("/people/mina-member").status_code == 301


def test_the_migration_gives_existing_accounts_distinct_handles(tmp_path):
    database = tmp_path / "old.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DPSE_")}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "DPSE_INSTANCE_PATH": str(tmp_path),
            "DPSE_DATABASE_URL": f"sqlite:///{database}",
        }
    )
    to_old = (
        "from flask_migrate import upgrade; from dpse import create_app; app = create_app()\n"
        "with app.app_context(): upgrade(directory=app.extensions['migrate'].directory,"
        " revision='b4679499a4c5')"
    )
    subprocess.run([sys.executable, "-c", to_old], env=env, check=True, timeout=120)
    with sqlite3.connect(database) as conn:
        for n, name in enumerate(["Mina Member", "Mina Member", "Zoë", "Admin"]):  # one reserved
            conn.execute(
                "INSERT INTO user_account (email, display_name, password_hash, role, job_title,"
                " bio, active, session_token, created_at, updated_at, bio_html, bio_text,"
                " render_version) VALUES (?, ?, 'x', 'member', '', '', 1, 't',"
                " '2026-01-01 00:00:00', '2026-01-01 00:00:00', '', '', 2)",
                (f"p{n}@example.org", name),
            )
    init = subprocess.run(
        [sys.executable, "-c", "from dpse.cli import main; main()", "init"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT handle, handle_key FROM user_account ORDER BY id").fetchall()
    assert [h for h, _ in rows] == ["mina-member", "mina-member-2", "zoe", "person-admin"]
    assert [k for _, k in rows] == [handles.skeleton(h) for h, _ in rows]
    assert all(handles.format_problem(h) is None for h, _ in rows)


def test_a_name_freed_in_an_earlier_transaction_is_handed_out_again(app):
    """The handles handed out while one transaction inserts its accounts are that
    transaction's: a later one (whose transaction object may reuse the memory, and so the
    id(), of an earlier one) gets the plain handle once the earlier account is gone."""
    for _ in range(30):
        ann = User(email="ann@testshire.gov.uk", display_name="Ann Example", password_hash="x")
        db.session.add(ann)
        db.session.commit()
        assert ann.handle == "ann-example"
        db.session.delete(ann)
        db.session.commit()
