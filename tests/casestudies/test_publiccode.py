"""Starting a case study from a publiccode.yml: realistic files of the 0.2 to 0.4 shapes fill in
the form for review; broken, oversized and hostile ones get a message naming the problem."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dpse.accounts import service as accounts
from dpse.accounts.models import OrganisationKind
from dpse.casestudies import publiccode
from dpse.casestudies.models import CaseStudy
from dpse.extensions import db
from dpse.tags.service import get_or_create_tags
from tests.conftest import csrf_token, login

FILES = Path(__file__).parent / "publiccode"


def text_of(name: str) -> str:
    return (FILES / name).read_text(encoding="utf-8")


def test_an_italian_and_english_v02_file_fills_every_field_it_can(app, organisations):
    get_or_create_tags(["Drupal"])
    db.session.commit()
    imported = publiccode.read(text_of("comune-v0.2-it.yml"))
    fields = imported.fields
    assert imported.version == "0.2" and imported.language == "en"  # the site's language
    assert fields["title"] == "Office Booking"
    assert fields["summary"].startswith("Book appointments at council service desks online")
    assert "registry, tax and planning" in fields["what_we_built"]
    assert "- Email reminders" in fields["what_we_built"]
    assert fields["technologies"] == "Drupal, PostgreSQL"
    assert fields["topics"] == "Appointment scheduling, Citizen engagement"
    assert fields["repository_url"] == "https://github.com/comune-di-valleverde/prenota-ufficio"
    assert fields["live_url"] == "https://prenota.comune.valleverde.example.it"
    assert fields["suppliers"] == [organisations["supplier"].slug]  # Acme Drupal Ltd is here
    assert imported.development_status == "Stable"
    assert imported.used_by == ["Comune di Valleverde", "Comune di Montealto"]
    assert imported.owner == "Comune di Valleverde" and imported.owner_match is None
    assert imported.matched_tags == ["Drupal"]
    assert "PostgreSQL" in imported.new_tags


def test_the_italian_description_is_used_when_it_is_the_sites_language(app):
    app.config["SITE_LANGUAGE"] = "it"
    imported = publiccode.read(text_of("comune-v0.2-it.yml"))
    assert imported.language == "it"
    assert imported.fields["title"] == "Prenota Ufficio"
    assert imported.fields["summary"].startswith("Prenotazione online degli appuntamenti")
    assert imported.fields["language"] == "it"


def test_a_v03_file_matches_the_owner_and_existing_tags(app, organisations):
    get_or_create_tags(["LocalGov Drupal", "Content management"])
    db.session.commit()
    imported = publiccode.read(text_of("county-v0.3-en.yml"))
    assert imported.owner_match is not None
    assert imported.owner_match.id == organisations["council"].id
    assert imported.fields["technologies"] == "LocalGov Drupal, Drupal"
    assert imported.fields["topics"] == "Waste management, Content management"
    assert set(imported.matched_tags) == {"LocalGov Drupal", "Content management"}
    assert imported.development_status == "Beta"


def test_a_v04_file_with_a_regional_language_tag(app):
    imported = publiccode.read(text_of("agency-v0.4.yml"))
    assert imported.language == "en-GB"
    assert imported.fields["summary"].startswith("Accessible form components")
    assert imported.fields["live_url"] == "" and imported.fields["suppliers"] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("name: [unclosed", "not valid YAML"),
        ("name: x\n  bad: indentation\n", "Line 2"),
        ("- just\n- a list\n", "top level must be keys"),
        (
            "name: Something\nurl: https://example.org\n",
            "missing publiccodeYmlVersion, description",
        ),
        (
            'publiccodeYmlVersion: "0.3"\nname: X\nurl: https://e.org\ndescription:\n  en:\n'
            "    longDescription: only long\n",
            "no shortDescription",
        ),
        (
            'publiccodeYmlVersion: "0.3"\nname: X\nurl: https://e.org\ndescription: plain text\n',
            "one entry per language",
        ),
        ("x: !!python/object/apply:os.system ['true']\n", "not valid YAML"),
    ],
)
def test_broken_files_say_what_is_wrong(app, text, message):
    with pytest.raises(publiccode.PubliccodeError, match=message):
        publiccode.read(text)


def test_a_yaml_bomb_is_refused_before_it_expands(app):
    bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for n in range(1, 10):
        bomb += f"{chr(97 + n)}: &{chr(97 + n)} [" + ",".join([f"*{chr(96 + n)}"] * 9) + "]\n"
    with pytest.raises(publiccode.PubliccodeError, match="alias"):
        publiccode.read(bomb)


def test_too_many_values_and_too_many_bytes_are_refused(app):
    many = "publiccodeYmlVersion: '0.3'\nusedBy:\n" + "".join(
        f"  - Council {n}\n" for n in range(publiccode.MAX_NODES + 1)
    )
    with pytest.raises(publiccode.PubliccodeError, match="more than 20,000 values"):
        publiccode.read(many)
    with pytest.raises(publiccode.PubliccodeError, match="at most 512 KB"):
        publiccode.read(b"#" * (publiccode.MAX_BYTES + 1))
    with pytest.raises(publiccode.PubliccodeError, match="not UTF-8"):
        publiccode.read(b"name: \xff\xfe")


def test_pasting_a_file_shows_the_filled_form_and_saves_nothing(client, users):
    login(client, "member@testshire.gov.uk")
    token = csrf_token(client, "/case-studies/import")
    response = client.post(
        "/case-studies/import", data={"csrf_token": token, "text": text_of("county-v0.3-en.yml")}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Filled in from your publiccode.yml" in html
    assert 'value="LocalGov Bins"' in html
    assert 'action="/case-studies/new"' in html
    assert "Beta" in html and "Testshire Council" in html
    assert db.session.scalar(select(func.count()).select_from(CaseStudy)) == 0


def test_uploading_a_file_works_too(client, users):
    login(client, "member@testshire.gov.uk")
    token = csrf_token(client, "/case-studies/import")
    upload = (io.BytesIO(text_of("agency-v0.4.yml").encode()), "publiccode.yml")
    response = client.post(
        "/case-studies/import",
        data={"csrf_token": token, "file": upload},
        content_type="multipart/form-data",
    )
    assert 'value="Open Forms Kit"' in response.get_data(as_text=True)


def test_a_bad_paste_comes_back_with_the_text_and_the_problem(client, users):
    login(client, "member@testshire.gov.uk")
    token = csrf_token(client, "/case-studies/import")
    pasted = "name: Something\nurl: https://example.org\n"
    response = client.post("/case-studies/import", data={"csrf_token": token, "text": pasted})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and "missing publiccodeYmlVersion" in html
    assert "name: Something" in html  # what was pasted is kept


def test_an_empty_submission_asks_for_a_file(client, users):
    login(client, "member@testshire.gov.uk")
    token = csrf_token(client, "/case-studies/import")
    response = client.post("/case-studies/import", data={"csrf_token": token})
    assert response.status_code == 400
    assert "Choose your publiccode.yml file" in response.get_data(as_text=True)


def test_only_people_who_may_write_case_studies_can_import(client, users):
    assert client.get("/case-studies/import").status_code == 302  # sign in first
    accounts.create_organisation("Elsewhere", OrganisationKind.OTHER)
    login(client, "member@testshire.gov.uk")
    assert client.get("/case-studies/import").status_code == 200
