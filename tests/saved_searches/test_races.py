"""Saving a search: twice at once keeps one; non-Latin searches store and show as typed; a
search too long to store is a clear error — on SQLite and PostgreSQL, never a 500."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask
from sqlalchemy import select

from dpse.extensions import db
from dpse.saved_searches import queries, service
from dpse.saved_searches.models import MAX_QUERY_STRING, SavedSearch
from dpse.search.search_request import SearchRequest
from tests.concurrency import DUPLICATES, at_once, browsers, post_from_each
from tests.conftest import login, post_form

CYRILLIC = "ё" + "Поиск открытых данных " * 9  # 199 characters
CHINESE = "开放数据门户网站" * 15  # 120 characters


def _saved(user) -> list[SavedSearch]:
    return list(db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == user.id)))


def test_saving_the_same_search_at_once_keeps_one(app: Flask, users):
    clients, token = browsers(app, "member@testshire.gov.uk", DUPLICATES, "/search?q=drupal")
    data = {"csrf_token": token, "q": "drupal", "outcome": "failure"}
    responses, errors = post_from_each(app, clients, "/search/save", data)
    assert errors == []
    assert [r.status_code for r in responses] == [302] * DUPLICATES
    (saved,) = _saved(users["member"])
    assert saved.query_string == "outcome=failure&q=drupal"
    page = clients[0].get("/search/saved").get_data(as_text=True)
    assert page.count('<li class="card">') == 1 and "“drupal” · outcome: failure" in page


def test_the_same_search_saved_at_once_by_the_service_answers_with_one_row(app: Flask, users):
    member_id = users["member"].id

    def save() -> int:
        from dpse.accounts.models import User

        return service.save_search(db.session.get(User, member_id), SearchRequest(q=CHINESE)).id

    ids, errors = at_once(app, [save] * DUPLICATES)
    assert errors == []
    assert len(set(ids)) == 1 and [s.id for s in _saved(users["member"])] == ids[:1]


def test_non_latin_searches_store_and_show_as_typed(client, users):
    login(client, "member@testshire.gov.uk")
    for q in (CYRILLIC, CHINESE, "🦆" * 200):
        response = post_form(client, "/search/save", {"q": q}, form_url="/search?q=x")
        assert response.status_code == 302
    saved = {queries.request_of(s).q: s for s in _saved(users["member"])}
    assert set(saved) == {CYRILLIC.strip(), CHINESE, "🦆" * 200}
    assert saved[CHINESE].query_string == f"q={CHINESE}"  # stored as typed, not %-encoded
    page = client.get("/search/saved").get_data(as_text=True)
    assert f"“{CHINESE}”" in page and f"“{CYRILLIC.strip()}”" in page
    encoded = urlencode({"q": CHINESE})
    assert f'href="/search?{encoded}"' in page  # links are %-encoded for any browser


def test_saving_again_finds_a_search_saved_in_the_old_encoded_form(users):
    member = users["member"]
    old = SavedSearch(user_id=member.id, query_string=urlencode({"q": "ёлка"}), label="“ёлка”")
    db.session.add(old)
    db.session.commit()
    assert service.save_search(member, SearchRequest(q="ёлка")).id == old.id
    assert len(_saved(member)) == 1


def test_a_search_too_long_to_store_is_a_clear_error(client, users):
    login(client, "member@testshire.gov.uk")
    data = {"q": "&" * 200, "country": "%" * 100, "tag": "+" * 100, "sector": "#" * 100}
    response = post_form(client, "/search/save", data, form_url="/search?q=x")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This search is too long to save" in page
    assert _saved(users["member"]) == []
    assert len(service.stored_query({"q": "&" * 200, "tag": "+" * 100})) <= MAX_QUERY_STRING


def test_control_characters_are_left_out(users):
    saved = service.save_search(users["member"], SearchRequest(q="open\x00data\x1b\t"))
    assert queries.request_of(saved).q == "open data" and saved.label == "“open data”"


def test_a_notification_links_to_the_search_or_the_list_when_too_long(users):
    short = service.save_search(users["member"], SearchRequest(q="ёлка"))
    assert service.notification_link(short) == "/search?q=%D1%91%D0%BB%D0%BA%D0%B0&sort=newest"
    long = service.save_search(users["member"], SearchRequest(q=CHINESE))
    assert service.notification_link(long) == "/search/saved"


def test_a_double_clicked_delete_deletes_once(app: Flask, users):
    saved = service.save_search(users["member"], SearchRequest(q="drupal"))
    url = f"/search/saved/{saved.id}/delete"
    clients, token = browsers(app, "member@testshire.gov.uk", DUPLICATES, "/search/saved")
    responses, errors = post_from_each(app, clients, url, {"csrf_token": token, "confirm": "yes"})
    assert errors == []
    assert [r.status_code for r in responses] == [302] * DUPLICATES
    assert _saved(users["member"]) == []
