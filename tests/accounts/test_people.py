"""Who's who: the people directory (search, filters, paging, who is listed), a profile's lists
with their counts, and an organisation's page (people, case studies written and supplied,
events), each page in a bounded number of SQL queries."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from dpse.accounts import service
from dpse.accounts.models import OrganisationKind, User
from dpse.accounts.queries import is_verified_public_sector
from dpse.extensions import db
from dpse.forum import service as forum
from dpse.moderation.service import hide_post
from tests.casestudies.factories import make_case_study
from tests.conftest import PASSWORD
from tests.forum.factories import make_thread

CARD = re.compile(r'class="card__title" href="/people/([a-z0-9-]+)"')


def listed(client, query: str = "") -> list[str]:
    """The handles the directory shows for this query string, in order."""
    response = client.get(f"/people{query}")
    assert response.status_code == 200
    return CARD.findall(response.get_data(as_text=True))


def person(email: str, name: str, org=None, verified: bool = True, **kw) -> User:
    return service.create_user(email, name, PASSWORD, organisation=org, verified=verified, **kw)


@pytest.fixture(autouse=True)
def _no_holding(app, monkeypatch):
    """These accounts are new: their posts would wait for review, and profiles show none."""
    monkeypatch.setitem(app.config, "HOLD_FIRST_POSTS", 0)


@pytest.fixture
def hospital():
    org = service.create_organisation("Northvale NHS Trust", OrganisationKind.HEALTH, "UK")
    db.session.commit()
    return org


# The directory ---------------------------------------------------------------------------


def test_directory_lists_active_verified_people_by_name(client, users, organisations):
    person("zed@testshire.gov.uk", "Zed Unconfirmed", organisations["council"], verified=False)
    gone = person("gone@testshire.gov.uk", "Gone Person", organisations["council"])
    service.set_active(users["admin"], gone, False)
    shown = listed(client)
    by_name = sorted(users.values(), key=lambda u: u.display_name.lower())
    assert shown == [u.handle for u in by_name]
    html = client.get("/people").get_data(as_text=True)
    assert "Zed Unconfirmed" not in html and "Gone Person" not in html
    assert "Acme Drupal Ltd" in html and "Verified public sector" in html  # organisation, badge


def test_search_by_name_or_handle(client, users, organisations):
    ada = person(
        "ada@testshire.gov.uk", "Ada Lovelace", organisations["council"], handle="countess"
    )
    assert listed(client, "?q=lovelace") == [ada.handle]
    assert listed(client, "?q=LOVE") == [ada.handle]
    assert listed(client, "?q=countess") == [ada.handle]
    assert listed(client, "?q=%40countess") == [ada.handle]  # "@countess", as shown
    assert listed(client, "?q=%25") == []  # LIKE's wildcards are searched for, not used
    assert listed(client, "?q=_") == []
    empty = client.get("/people?q=nobody-at-all").get_data(as_text=True)
    assert "Nobody matches your search" in empty


def test_filters_by_organisation_kind_and_verified_public_sector(
    client, users, organisations, hospital
):
    nurse = person("nurse@northvale.nhs.uk", "Nia Nurse", hospital)
    contractor = person("dev@gmail.com", "Cal Contractor", hospital)
    assert set(listed(client, "?organisation=northvale-nhs-trust")) == {
        nurse.handle,
        contractor.handle,
    }
    assert set(listed(client, "?kind=health")) == {nurse.handle, contractor.handle}
    assert listed(client, "?kind=supplier") == [users["supplier"].handle]
    assert listed(client, "?kind=health&verified=1") == [nurse.handle]
    verified = set(listed(client, "?verified=1"))
    assert contractor.handle not in verified and nurse.handle in verified
    assert users["member"].handle in verified  # testshire.gov.uk
    # The SQL filter and the badge agree (is_verified_public_sector is the badge's test).
    everyone = db.session.scalars(select(User)).all()
    assert verified == {u.handle for u in everyone if is_verified_public_sector(u)}
    # Junk filters are ignored, not errors.
    assert client.get("/people?kind=nonsense&organisation=nope&verified=maybe").status_code == 200
    assert listed(client, "?kind=nonsense") == listed(client)


def test_directory_form_keeps_its_values_and_has_labels(client, users, organisations):
    html = client.get("/people?q=ada&organisation=acme-drupal-ltd&kind=council&verified=1")
    page = html.get_data(as_text=True)
    assert 'value="ada"' in page
    assert 'value="acme-drupal-ltd" selected' in page and 'value="council" selected' in page
    assert 'id="people-verified" name="verified" type="checkbox" value="1" checked' in page
    for field in ("people-q", "people-organisation", "people-kind", "people-verified"):
        assert f'for="{field}"' in page
    assert 'href="/people"' in client.get("/").get_data(as_text=True)  # in the site navigation


def test_directory_pages_at_the_page_size(app, client, users, make_people, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 4)
    make_people(8)  # with the 5 role accounts: 13 people, 4 pages
    first, last = listed(client), listed(client, "?page=4")
    assert len(first) == 4 and len(last) == 1
    html = client.get("/people?kind=council&page=2").get_data(as_text=True)
    assert "page=3" in html and "kind=council" in html  # page links keep the filters
    seen = [h for page in range(1, 5) for h in listed(client, f"?page={page}")]
    assert len(seen) == len(set(seen)) == 13


def test_directory_makes_a_bounded_number_of_queries(
    app, client, users, make_people, count_queries, monkeypatch
):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 50)
    make_people(3)
    with count_queries() as few:
        assert len(listed(client, "?verified=1")) == 8
    make_people(30, prefix="more")
    with count_queries() as many:
        assert len(listed(client, "?verified=1")) == 38
    assert many.count == few.count


# Profiles --------------------------------------------------------------------------------


def _section_heading(html: str, heading: str) -> str:
    match = re.search(rf"<h2 id=\"section-[a-z-]+\">{heading} <span[^>]*>\((\d+)\)</span>", html)
    assert match, heading
    return match.group(1)


def test_profile_lists_case_studies_threads_replies_and_events_with_counts(
    client, users, make_event
):
    member, other = users["member"], users["organiser"]
    make_case_study(member, "published", title="Published one")
    make_case_study(member, "draft", title="Still a draft")
    thread = make_thread(member, title="My own question", replies=2)  # 2 replies of theirs
    elsewhere = make_thread(other, title="Someone else asks")
    forum.reply(member, elsewhere, "An answer from the member")
    hidden = forum.reply(member, elsewhere, "Something rude")
    hide_post(users["moderator"], hidden, "Rude words")
    make_event(organiser=other, title="Organiser's meetup")

    html = client.get(f"/people/{member.handle}").get_data(as_text=True)
    assert _section_heading(html, "Case studies") == "1"
    assert "Published one" in html and "Still a draft" not in html
    assert _section_heading(html, "Forum threads") == "1" and thread.title in html
    assert _section_heading(html, "Replies") == "3"  # two in their thread, one elsewhere
    assert "Something rude" not in html and "Someone else asks" in html
    assert _section_heading(html, "Events organised") == "0" and "No events organised." in html

    organiser = client.get(f"/people/{other.handle}").get_data(as_text=True)
    assert _section_heading(organiser, "Events organised") == "1"
    assert "Organiser&#39;s meetup" in organiser or "Organiser's meetup" in organiser
    assert _section_heading(organiser, "Forum threads") == "1"
    assert _section_heading(organiser, "Replies") == "0"  # an opening post is not a reply


def test_profile_sections_show_a_few_then_page_through_all(app, client, users, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 4)
    member = users["member"]
    thread = make_thread(member, replies=11)
    assert thread is not None
    html = client.get(f"/people/{member.handle}").get_data(as_text=True)
    assert _section_heading(html, "Replies") == "11"
    assert html.count("Reply in ") == 5  # the profile shows the first five
    see_all = f"/people/{member.handle}?section=replies"
    assert f'href="{see_all}"' in html and "See all 11" in html
    pages = [client.get(f"{see_all}&page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    assert [p.count("Reply in ") for p in pages] == [4, 4, 3]
    assert "section=replies&amp;page=2" in pages[0] or "page=2&amp;section=replies" in pages[0]
    assert "Reply number 0" in pages[2] and "Reply number 10" in pages[0]  # newest first
    assert "Case studies" not in pages[0].split("<main", 1)[-1].split("</main>")[0]
    # An unknown section shows the whole profile.
    unknown = client.get(f"/people/{member.handle}?section=x").get_data(as_text=True)
    assert _section_heading(unknown, "Replies") == "11"


def test_both_profile_addresses_still_work(client, users):
    member = users["member"]
    assert (
        client.get(f"/people/{member.id}").headers["Location"].endswith(f"/people/{member.handle}")
    )
    assert client.get(f"/people/{member.handle}").status_code == 200


@pytest.mark.parametrize("section", [None, "case-studies", "threads", "replies", "events"])
def test_profile_makes_a_bounded_number_of_queries(
    app, client, users, make_event, count_queries, section
):
    member = users["organiser"]  # may organise events
    query = f"?section={section}" if section else ""

    def add(n: int) -> None:
        for i in range(n):
            make_case_study(member, "published", title=f"Case study {i} {n}")
            make_thread(member, title=f"Question number {i} {n}", replies=1)
            make_event(organiser=member, title=f"Meetup {i} {n}")

    add(1)
    with count_queries() as few:
        assert client.get(f"/people/{member.handle}{query}").status_code == 200
    add(7)
    with count_queries() as many:
        assert client.get(f"/people/{member.handle}{query}").status_code == 200
    assert many.count == few.count


# Organisation pages ----------------------------------------------------------------------


def _supplied_by(supplier, author, n: int) -> None:
    for i in range(n):
        make_case_study(
            author, "published", title=f"Supplied project {i} {n}", supplier_slugs=[supplier.slug]
        )


def test_supplier_page_lists_the_case_studies_it_supplied(client, users, organisations):
    """The reported bug: the supplier filter showed 5 case studies, the supplier's page none."""
    supplier = organisations["supplier"]
    _supplied_by(supplier, users["member"], 5)
    make_case_study(users["member"], "draft", title="Unpublished draft")
    html = client.get("/organisations/acme-drupal-ltd").get_data(as_text=True)
    assert _section_heading(html, "Case studies it supplied") == "5"
    assert "has not published a case study yet" in html  # it wrote none itself
    assert html.count("Supplied project") == 5
    assert "/case-studies?supplier=acme-drupal-ltd" in html
    listing = client.get("/case-studies?supplier=acme-drupal-ltd").get_data(as_text=True)
    assert listing.count('class="card__title"') == 5  # the same five as the filter


def test_organisation_page_counts_people_case_studies_and_events(
    app, client, users, organisations, make_event, monkeypatch
):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 3)
    council = organisations["council"]
    person("new@testshire.gov.uk", "Unconfirmed Person", council, verified=False)
    for i in range(7):
        make_case_study(users["member"], "published", title=f"Council project {i}")
    make_event(organisation_id=council.id, title="Council meetup")
    html = client.get("/organisations/testshire-council").get_data(as_text=True)
    assert _section_heading(html, "Case studies it wrote") == "7"
    assert "See all 7" in html and html.count("Council project") == 5
    assert _section_heading(html, "Events organised") == "1" and "Council meetup" in html
    assert _section_heading(html, "People") == "4"  # verified and active, not the new one
    assert "Unconfirmed Person" not in html
    assert "Case studies it supplied" not in html  # a council supplies nothing
    second = client.get("/organisations/testshire-council?section=case-studies&page=3")
    assert second.get_data(as_text=True).count("Council project") == 1
    assert client.get("/organisations/testshire-council?page=2").status_code == 200


@pytest.mark.parametrize("section", [None, "case-studies", "supplied", "events"])
def test_organisation_page_makes_a_bounded_number_of_queries(
    client, users, organisations, make_event, count_queries, section
):
    supplier = organisations["supplier"]
    query = f"?section={section}" if section else ""

    def add(n: int) -> None:
        _supplied_by(supplier, users["supplier"], n)  # written and supplied by the supplier
        for i in range(n):
            make_event(organisation_id=supplier.id, title=f"Supplier day {i} {n}")
            person(f"staff{i}-{n}@acme.example", f"Staff {i} {n}", supplier, verified=True)

    add(1)
    with count_queries() as few:
        assert client.get(f"/organisations/acme-drupal-ltd{query}").status_code == 200
    add(7)
    with count_queries() as many:
        assert client.get(f"/organisations/acme-drupal-ltd{query}").status_code == 200
    assert many.count == few.count
