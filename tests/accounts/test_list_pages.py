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


def test_the_people_filter_lists_the_organisations_with_most_people(
    app, client, users, organisations, monkeypatch
):
    """Its size does not grow with the number of organisations; a chosen one is always listed."""
    import re

    from dpse.accounts import queries

    monkeypatch.setattr(queries, "PEOPLE_FILTER_ORGANISATIONS", 2)
    borough = service.create_organisation("Borough 0", OrganisationKind.COUNCIL)
    db.session.commit()
    for i in range(2):
        service.create_user(
            f"b{i}@borough.gov.uk",
            f"Borough Person {i}",
            PASSWORD,
            organisation=borough,
            verified=True,
        )
    _add_organisations(5, start=1)  # with nobody in them

    def offered(html):
        select = html.split('name="organisation"', 1)[1].split("</select>", 1)[0]
        return re.findall(r'<option value="([^"]*)"', select)

    html = client.get("/people").get_data(as_text=True)
    # Testshire Council (four verified members) and Borough 0 (two); not Acme (one), nor the
    # empty ones.
    assert offered(html) == ["", "borough-0", "testshire-council"]
    assert "all organisations" in html
    chosen = client.get("/people?organisation=acme-drupal-ltd").get_data(as_text=True)
    assert offered(chosen) == ["", "acme-drupal-ltd", "borough-0", "testshire-council"]
    assert "Supplier Person" in chosen and "Borough Person 0" not in chosen


def test_the_organisations_list_pages(app, client, users, organisations, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    _add_organisations(4)
    first = client.get("/organisations").get_data(as_text=True)
    assert first.count('href="/organisations/') == 3 and "page=2" in first
    second = client.get("/organisations?page=2").get_data(as_text=True)
    # By name: Acme, Borough 0, Borough 1 | Borough 2, Borough 3, Testshire Council (4 people).
    assert "Borough 2" in second and "Acme" not in second
    assert "<td>Testshire Council" in second or ">Testshire Council</a></td>" in second
    assert "<td>4</td>" in second
