"""A form posted with an expired token, or over the size limit, comes back with what was typed
and one clear message, and nothing is saved."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import func, select

from dpse.casestudies.models import CaseStudy
from dpse.events.models import Event
from dpse.extensions import db
from dpse.forum.models import Thread
from dpse.resubmit import EXPIRED_MESSAGE
from tests.conftest import CSRF_RE, login
from tests.forum.factories import make_category

SITE = {"Origin": "http://dpse.test"}
STALE = "IjVmZjNhYjZlZjQ5NjBhMzQ3ZjRmNjE4NTBmYjkwMjZmMjNhZjQ5NzAi.stale.token"
THREAD = {
    "category": "drupal",
    "title": "Moving our <b>council</b> site",
    "body": "Three weeks of notes & lessons — keep them!",
    "tags": "",
    "action": "post",
}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _page(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_expired_token_brings_the_new_thread_form_back_with_the_text(client, users):
    make_category()
    login(client, "member@testshire.gov.uk")
    response = client.post("/forum/new", data={**THREAD, "csrf_token": STALE}, headers=SITE)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert EXPIRED_MESSAGE in _page(response)
    assert "Moving our &lt;b&gt;council&lt;/b&gt; site" in html  # kept, and escaped
    assert "Three weeks of notes &amp; lessons — keep them!" in html
    assert _count(Thread) == 0
    fresh = CSRF_RE.search(html).group(1)
    assert fresh != STALE
    again = client.post("/forum/new", data={**THREAD, "csrf_token": fresh}, headers=SITE)
    assert again.status_code == 302 and _count(Thread) == 1


def test_missing_token_from_another_site_gets_the_plain_page(client, users):
    make_category()
    login(client, "member@testshire.gov.uk")
    for headers in ({"Origin": "https://evil.example"}, {}, {"Sec-Fetch-Site": "cross-site"}):
        response = client.post("/forum/new", data=THREAD, headers=headers)
        assert response.status_code == 400
        assert "Form expired" in response.get_data(as_text=True)
        assert "keep them!" not in response.get_data(as_text=True)
    assert _count(Thread) == 0


def test_expired_token_on_a_button_is_refused_without_replay(client, users, make_event):
    event = make_event()
    login(client, "member@testshire.gov.uk")
    response = client.post(f"/events/{event.slug}/register", data={}, headers=SITE)
    assert response.status_code == 400 and "Form expired" in response.get_data(as_text=True)


def test_expired_token_keeps_the_case_study_text(client, users):
    login(client, "member@testshire.gov.uk")
    data = {"title": "Our move to the cloud", "summary": "What we learnt", "challenge": "Long text"}
    response = client.post("/case-studies/new", data=data, headers=SITE)
    html = _page(response)
    assert response.status_code == 400 and EXPIRED_MESSAGE in html
    assert 'value="Our move to the cloud"' in html and "Long text" in html
    assert _count(CaseStudy) == 0


def test_expired_token_keeps_the_event_text(client, users):
    login(client, "organiser@testshire.gov.uk")
    data = {"title": "Drupal meetup", "description": "Talks and tea", "format": "online"}
    response = client.post("/events/new", data=data, headers={"Sec-Fetch-Site": "same-origin"})
    html = _page(response)
    assert response.status_code == 400 and EXPIRED_MESSAGE in html
    assert 'value="Drupal meetup"' in html and "Talks and tea" in html
    assert _count(Event) == 0


def test_signed_out_meanwhile_shows_what_was_typed_to_copy(client, users):
    make_category()
    data = {**THREAD, "password_confirm": "hunter2hunter2", "csrf_token": STALE}
    response = client.post("/forum/new", data=data, headers=SITE)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and _count(Thread) == 0
    assert EXPIRED_MESSAGE in _page(response) and "sign in" in html
    assert "Moving our &lt;b&gt;council&lt;/b&gt; site</textarea>" in html  # escaped, to copy
    assert "hunter2" not in html and STALE not in html


@pytest.fixture
def small_limit(app):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    yield
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024


def test_too_large_post_keeps_what_fitted_and_says_the_limit(client, users, small_limit):
    make_category()
    login(client, "member@testshire.gov.uk")
    token = CSRF_RE.search(client.get("/forum/new").get_data(as_text=True)).group(1)
    data = {"csrf_token": token, **{k: v for k, v in THREAD.items() if k != "body"}}
    data["body"] = "x" * 10_000
    response = client.post("/forum/new", data=data, headers=SITE)
    html = _page(response)
    assert response.status_code == 413
    assert "over the 4 KB limit" in html
    assert "so nothing was saved" in html
    assert 'value="Moving our <b>council</b> site"' in html  # the title fitted
    assert "x" * 100 not in html
    assert _count(Thread) == 0


def test_too_large_post_from_elsewhere_gets_the_page_with_the_limit(client, users):
    response = client.post("/login", data={"email": "x" * (3 * 1024 * 1024)})
    html = _page(response)
    assert response.status_code == 413
    assert "over the 2 MB limit, so nothing was saved" in html
