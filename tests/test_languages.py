"""Content language: case studies, events and threads say what language they are written in,
and every page that shows their words marks them with lang=… when it is not the page's."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from dpse.casestudies.models import CaseStudy
from dpse.config import ConfigError, load_config
from dpse.events.models import Event
from dpse.extensions import db
from dpse.forum import service as forum
from dpse.forum.models import Thread
from tests.casestudies.factories import FORM, make_case_study
from tests.conftest import login, post_form


def test_the_site_language_is_configured_and_checked():
    assert load_config({"DPSE_ENV": "testing", "DPSE_SECRET_KEY": "k"})["SITE_LANGUAGE"] == "en"
    welsh = load_config({"DPSE_ENV": "testing", "DPSE_SECRET_KEY": "k", "DPSE_SITE_LANGUAGE": "cy"})
    assert welsh["SITE_LANGUAGE"] == "cy"
    with pytest.raises(ConfigError, match="DPSE_SITE_LANGUAGE"):
        load_config({"DPSE_ENV": "testing", "DPSE_SECRET_KEY": "k", "DPSE_SITE_LANGUAGE": "<b>"})


def test_pages_declare_the_site_language(app, client):
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    app.config["SITE_LANGUAGE"] = "cy"
    assert '<html lang="cy">' in client.get("/").get_data(as_text=True)


def test_a_case_study_written_in_welsh_is_marked_wherever_it_is_shown(client, users):
    login(client, "member@testshire.gov.uk")
    form = client.get("/case-studies/new").get_data(as_text=True)
    assert '<option value="cy">Welsh (Cymraeg)</option>' in form
    assert re.search(r'<option selected value="en">English</option>', form)
    response = post_form(
        client,
        "/case-studies/new",
        {**FORM, "title": "Gwefan newydd y cyngor", "language": "cy", "action": "save"},
    )
    assert response.status_code == 302
    cs = db.session.scalars(select(CaseStudy)).one()
    assert cs.language == "cy"
    make_case_study(users["member"], "published", title="An English one")
    from dpse.casestudies import service

    service.submit(users["member"], cs)
    service.publish(users["moderator"], cs)

    detail = client.get(f"/case-studies/{cs.slug}").get_data(as_text=True)
    assert '<h1 lang="cy">Gwefan newydd y cyngor</h1>' in detail
    assert '<div class="prose" lang="cy">' in detail
    assert "Welsh (Cymraeg)" in detail  # the Language row
    for page in ("/case-studies", "/", "/search?q=gwefan"):
        html = client.get(page).get_data(as_text=True)
        assert re.search(r'lang="cy">Gwefan newydd y cyngor</a>', html), page
        assert 'lang="en">An English one' not in html  # the page's own language needs none
    edit = client.get(f"/case-studies/{cs.slug}/edit").get_data(as_text=True)
    assert '<option selected value="cy">Welsh (Cymraeg)</option>' in edit


def test_a_form_without_the_language_field_means_the_site_language(client, users):
    login(client, "member@testshire.gov.uk")
    response = post_form(client, "/case-studies/new", {**FORM, "action": "save"})
    assert response.status_code == 302
    assert db.session.scalars(select(CaseStudy)).one().language == "en"


def test_an_unknown_language_is_refused_with_the_typing_kept(client, users):
    login(client, "member@testshire.gov.uk")
    response = post_form(
        client, "/case-studies/new", {**FORM, "language": "<script>", "action": "save"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose a language from the list" in html
    assert 'value="Our failed search project"' in html


def test_an_event_in_french_is_marked_on_its_page_and_in_lists(client, users, make_event):
    event = make_event(title="Rencontre Drupal", language="fr")
    assert event.language == "fr"
    other = make_event(title="Drupal meetup")
    assert other.language == "en"
    detail = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert '<h1 lang="fr">Rencontre Drupal</h1>' in detail
    assert re.search(r'<div class="prose" lang="fr">', detail)
    listing = client.get("/events").get_data(as_text=True)
    assert 'lang="fr">Rencontre Drupal</a>' in listing
    assert re.search(r'"[^"]*drupal-meetup">Drupal meetup</a>', listing)
    search = client.get("/search?q=rencontre").get_data(as_text=True)
    assert 'lang="fr">Rencontre Drupal</a>' in search


def test_the_event_form_offers_and_keeps_the_language(client, users, make_event):
    event = make_event(title="Rencontre Drupal", language="fr")
    login(client, "organiser@testshire.gov.uk")
    form = client.get(f"/events/{event.slug}/edit").get_data(as_text=True)
    assert '<option selected value="fr">French (Français)</option>' in form
    assert db.session.get(Event, event.id).language == "fr"


def test_a_thread_in_irish_marks_its_title_and_posts(app, client, users):
    app.config["HOLD_FIRST_POSTS"] = 0  # shown (and indexed) at once
    login(client, "member@testshire.gov.uk")
    category = forum.get_or_create_category("general", "General")
    db.session.commit()
    response = post_form(
        client,
        "/forum/new",
        {
            "category": category.slug,
            "title": "Dia duit ó Bhaile Átha Cliath",
            "body": "Cé a d'úsáid LocalGov Drupal?",
            "language": "ga",
            "action": "post",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    thread = db.session.scalars(select(Thread)).one()
    assert thread.language == "ga"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<h1 lang="ga">Dia duit ó Bhaile Átha Cliath</h1>' in page
    assert '<div class="prose post__body" lang="ga">' in page
    assert 'lang="ga">Dia duit' in client.get("/forum/general").get_data(as_text=True)
    assert 'lang="ga">Dia duit' in client.get("/search?q=drupal").get_data(as_text=True)
