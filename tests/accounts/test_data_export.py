"""Download your data: a queued request, built by the job, a ZIP only its owner can fetch."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from flask import current_app

from dpse.accounts import export
from dpse.accounts.models import DataExport, ExportStatus
from dpse.extensions import db
from dpse.mail import OutboxEmail
from dpse.mixins import utcnow
from dpse.saved_searches.models import SavedSearch
from tests.casestudies.factories import make_case_study
from tests.conftest import login, post_form
from tests.forum.factories import make_thread


def _ask_and_build(client, user):
    login(client, user.email)
    page = post_form(client, "/account/data", {})
    assert page.status_code == 302
    assert export.build_pending() == 1
    return db.session.query(DataExport).filter_by(user_id=user.id).one()


def test_the_zip_holds_everything_about_a_person_with_content(client, users):
    member = users["member"]
    make_case_study(member, "published", title="Our open data portal")
    current_app.config["HOLD_FIRST_POSTS"] = 0
    make_thread(member, title="Who else runs CKAN?", replies=1)
    db.session.add(SavedSearch(user_id=member.id, query_string="q=ckan", label="CKAN"))
    db.session.commit()
    waiting = client.get("/account/data")
    assert waiting.status_code == 302  # signed out: the login page
    made = _ask_and_build(client, member)
    page = client.get("/account/data").get_data(as_text=True)
    assert "Ready." in page
    response = client.get(f"/account/data/{made.token}.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    response.close()
    names = set(archive.namelist())
    for expected in (
        "profile.json",
        "case_studies.json",
        "case_study_revisions.json",
        "posts.json",
        "threads.json",
        "registrations.json",
        "follows.json",
        "notifications.json",
        "saved_searches.json",
        "flags_about_you.json",
        "moderation_actions_about_you.json",
        "audit_log.json",
        "README.txt",
    ):
        assert expected in names
    profile = json.loads(archive.read("profile.json"))[0]
    assert profile["email"] == member.email
    assert profile["organisation"] == "Testshire Council"
    assert "password_hash" not in profile and "session_token" not in profile
    assert "totp_secret" not in profile
    studies = json.loads(archive.read("case_studies.json"))
    assert [s["title"] for s in studies] == ["Our open data portal"]
    assert json.loads(archive.read("case_study_revisions.json"))
    assert [s["label"] for s in json.loads(archive.read("saved_searches.json"))] == ["CKAN"]
    posts = json.loads(archive.read("posts.json"))
    assert len(posts) == 2
    markdown = [n for n in names if n.startswith("writing/") and n.endswith(".md")]
    assert any(n.startswith("writing/case-studies/") for n in markdown)
    assert len([n for n in markdown if n.startswith("writing/posts/")]) == 2
    case_study_md = archive.read(next(n for n in markdown if "case-studies" in n)).decode()
    assert case_study_md.startswith("# Our open data portal")
    assert "A **LocalGov Drupal** site." in case_study_md
    # and its owner was told by email
    told = db.session.query(OutboxEmail).filter_by(recipient=member.email).all()
    assert any("ready to download" in m.subject for m in told)


def test_another_person_cannot_download_it(client, app, users):
    made = _ask_and_build(client, users["member"])
    other = app.test_client()
    assert other.get(f"/account/data/{made.token}.zip").status_code == 302  # sign in first
    login(other, users["organiser"].email)
    assert other.get(f"/account/data/{made.token}.zip").status_code == 404
    assert other.get("/account/data/not-a-real-token.zip").status_code == 404
    assert made.token not in other.get("/account/data").get_data(as_text=True)


def test_asking_twice_queues_one_and_the_page_says_so(client, users):
    login(client, users["member"].email)
    post_form(client, "/account/data", {})
    export.request_export(users["member"])
    assert db.session.query(DataExport).count() == 1
    page = client.get("/account/data").get_data(as_text=True)
    assert "Being prepared" in page
    assert "<button" not in page.split("<main", 1)[-1].split("Downloads are kept")[0]


def test_an_export_expires_and_its_file_goes(client, users):
    made = _ask_and_build(client, users["member"])
    path = export.export_path(made)
    assert path.is_file()
    assert export.expire_exports(utcnow() + timedelta(days=6)) == 0
    assert export.expire_exports(utcnow() + timedelta(days=8)) == 1
    assert not path.exists()
    assert db.session.get(DataExport, made.id).status == ExportStatus.EXPIRED
    assert client.get(f"/account/data/{made.token}.zip").status_code == 404
    assert "Expired." in client.get("/account/data").get_data(as_text=True)


def test_exports_can_wait_in_a_folder_several_hosts_share(app, client, users, tmp_path):
    app.config["DATA_EXPORT_PATH"] = str(tmp_path / "shared")
    made = _ask_and_build(client, users["member"])
    assert (tmp_path / "shared" / f"{made.token}.zip").is_file()
    response = client.get(f"/account/data/{made.token}.zip")
    assert response.status_code == 200
    response.close()
