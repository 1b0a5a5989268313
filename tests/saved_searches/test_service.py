"""Saved searches: saving, listing, deleting, and at most one notification a day each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dpse.extensions import db
from dpse.mixins import utcnow
from dpse.notifications.models import Notification
from dpse.saved_searches import queries, service
from dpse.search.search_request import SearchRequest
from tests.casestudies.factories import make_case_study
from tests.conftest import login, post_form


@pytest.fixture(autouse=True)
def _fresh_index(app, tmp_path):
    from dpse.search.engine import current_engine

    engine = current_engine()
    old = engine.path
    engine.forget_searchers()
    engine.path = tmp_path / "index"
    yield
    engine.forget_searchers()
    engine.path = old


def _publish(users, title: str, when=None, **extra):
    """Publish a case study, dated ``when`` (the notifier's clock is simulated in these tests)."""
    from dpse.casestudies.service import publish

    cs = make_case_study(users["member"], status="submitted", title=title, **extra)
    publish(users["moderator"], cs, notify=False, when=when)
    return cs


def _notifications(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_new_matches_notify_at_most_once_a_day(users):
    supplier = users["supplier"]
    service.save_search(supplier, SearchRequest(q="wagtail"))
    _publish(users, "Old news about Drupal")
    now = utcnow()
    assert service.notify_saved_searches(now) == 0  # nothing new matches

    _publish(users, "Moving to Wagtail", when=now + timedelta(minutes=1))
    assert service.notify_saved_searches(now + timedelta(minutes=5)) == 1
    (note,) = _notifications(supplier)
    assert note.text == "1 new result for your saved search “wagtail”"
    assert note.url.startswith("/search?q=wagtail")

    _publish(users, "Wagtail again", when=now + timedelta(hours=1))
    assert service.notify_saved_searches(now + timedelta(hours=3)) == 0  # quiet for a day
    assert service.notify_saved_searches(now + timedelta(days=1, minutes=10)) == 1
    assert len(_notifications(supplier)) == 2
    assert service.notify_saved_searches(now + timedelta(days=3)) == 0  # nothing newer


def test_filters_are_part_of_the_saved_search(users):
    from dpse.casestudies.models import Outcome

    member = users["organiser"]
    service.save_search(member, SearchRequest(q="search", outcome="failure"))
    _publish(users, "Search that worked")
    _publish(users, "Search that failed", outcome=Outcome.FAILURE, lessons_learned="Buy Solr")
    assert service.notify_saved_searches(utcnow() + timedelta(minutes=1)) == 1
    assert _notifications(member)[0].text.startswith("1 new result")


def test_drafts_never_trigger_a_saved_search(users):
    service.save_search(users["supplier"], SearchRequest(q="zebra"))
    make_case_study(users["member"], title="Zebra draft")
    assert service.notify_saved_searches(utcnow() + timedelta(minutes=1)) == 0


def test_saving_twice_keeps_one_and_an_empty_search_is_refused(users):
    a = service.save_search(users["member"], SearchRequest(q="drupal", page=3))
    b = service.save_search(users["member"], SearchRequest(q="drupal"))
    assert a.id == b.id and a.label == "“drupal”"
    with pytest.raises(service.SavedSearchError):
        service.save_search(users["member"], SearchRequest())


def test_pages_save_list_and_delete(client, users):
    login(client, "member@testshire.gov.uk")
    response = post_form(
        client, "/search/save", {"q": "localgov", "tag": "drupal"}, form_url="/search?q=localgov"
    )
    assert response.status_code == 302
    page = client.get("/search/saved").get_data(as_text=True)
    assert "“localgov” · tag: drupal" in page
    (saved,) = queries.saved_searches(users["member"])
    other = users["supplier"]
    assert not service.delete_saved_search(other, saved.id)  # not theirs
    post_form(client, f"/search/saved/{saved.id}/delete", {"confirm": "yes"}, "/search/saved")
    assert queries.saved_searches(users["member"]) == []


def test_saving_needs_an_account(client):
    response = client.get("/search/saved")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
