"""A NUL character in any parameter is dropped, never a database error (PostgreSQL refuses NUL
in text; CI runs this file on PostgreSQL too)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dpse.casestudies.models import CaseStudy
from dpse.extensions import db
from dpse.security import NulFreeMultiDict
from tests.casestudies.factories import FORM
from tests.conftest import login, post_form


def test_the_dict_drops_nul_and_keeps_the_rest():
    values = NulFreeMultiDict([("ti\x00tle", "A\x00B"), ("tag", "x"), ("tag", "y\x00")])
    assert values.getlist("tag") == ["x", "y"] and values["title"] == "AB"
    assert NulFreeMultiDict({"a": ["1\x00", "2"]}).getlist("a") == ["1", "2"]


def test_a_form_with_nul_saves_what_was_typed(client, users):
    login(client, "member@testshire.gov.uk")
    data = {**FORM, "title": "Nul\x00 bytes", "summary": "Sum\x00mary", "action": "save"}
    response = post_form(client, "/case-studies/new", data)
    assert response.status_code == 302
    saved = db.session.scalars(select(CaseStudy)).one()
    assert (saved.title, saved.summary) == ("Nul bytes", "Summary")


@pytest.mark.parametrize(
    "url",
    [
        "/case-studies?q=%00&sector=%00&technology=dru%00pal&year=20%0025",
        "/search?q=%00drupal&tag=%00&sector=%00",
        "/events?q=%00",
        "/forum?q=%00",
        "/login?next=%00",
    ],
)
def test_filters_with_nul_answer_normally(client, users, url):
    response = client.get(url)
    assert response.status_code in (200, 404), response.status_code


def test_saving_a_search_with_nul(client, users):
    login(client, "member@testshire.gov.uk")
    response = post_form(
        client, "/search/save", {"q": "dru\x00pal", "sector": "\x00"}, form_url="/search?q=x"
    )
    assert response.status_code in (302, 303), response.status_code
    assert "drupal" in client.get("/search/saved").get_data(as_text=True)
