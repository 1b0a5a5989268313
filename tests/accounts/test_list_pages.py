"""Accounts' list pages run the same number of queries however many people and organisations
there are, and page at the one PAGE_SIZE setting."""

from __future__ import annotations

import pytest

from dpse.accounts import service
from dpse.accounts.models import OrganisationKind
from dpse.extensions import db
from tests.conftest import PASSWORD, login


def _add_people(organisation, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        service.create_user(
            f"person{i}@testshire.gov.uk", f"Person {i}", PASSWORD, organisation=organisation
        )


def _add_organisations(count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        service.create_organisation(f"Borough {i}", OrganisationKind.COUNCIL)
    db.session.commit()


@pytest.mark.parametrize(
    "path", ["/organisations", "/organisations/testshire-council", "/admin/users", "/"]
)
def test_list_pages_make_a_bounded_number_of_queries(
    app, client, users, organisations, count_queries, path, monkeypatch
):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 5)
    login(client, "admin@testshire.gov.uk")
    _add_people(organisations["council"], 2)
    _add_organisations(2)
    with count_queries() as few:
        assert client.get(path).status_code == 200
    _add_people(organisations["council"], 10, start=2)
    _add_organisations(10, start=2)
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert many.count == few.count


def test_member_and_account_lists_page_at_the_page_size(
    app, client, users, organisations, monkeypatch
):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    _add_people(organisations["council"], 4)
    login(client, "admin@testshire.gov.uk")
    first = client.get("/admin/users").get_data(as_text=True)
    assert first.count("/admin/users/") == 3 and "page=2" in first
    members = client.get("/organisations/testshire-council?page=2").get_data(as_text=True)
    assert "page=1" in members
