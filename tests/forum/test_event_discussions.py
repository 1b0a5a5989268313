"""Comments under events: the same discussion system as under case studies."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dpse.events import service as events
from dpse.events.models import EventStatus
from dpse.extensions import db
from dpse.forum import service
from dpse.forum.models import Thread
from dpse.forum.service import ForumError
from dpse.notifications.models import Notification, TargetType
from dpse.notifications.service import follow
from tests.conftest import login, post_form


def test_event_page_shows_comments_and_takes_new_ones(client, users, make_event):
    event = make_event(title="Open Councils Northvale")
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert 'id="comments"' in page and "No comments yet." in page
    login(client, "member@testshire.gov.uk")
    response = post_form(
        client,
        f"/forum/discuss/event/{event.id}",
        {"body": "Will the talks be recorded?", "action": "post"},
        f"/events/{event.slug}",
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/events/{event.slug}#post-")
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Comments (1)" in page and "Will the talks be recorded?" in page
    thread = db.session.scalars(select(Thread)).one()
    assert thread.event_id == event.id and thread.category.slug == "events"


def test_the_organiser_and_followers_hear_about_comments(users, make_event):
    event = make_event()
    follow(users["supplier"], TargetType.EVENT, event.id)
    service.comment(users["member"], "event", event.id, "Is there step-free access?")
    notified = {n.user_id: n.kind for n in db.session.scalars(select(Notification))}
    assert notified == {users["organiser"].id: "comment", users["supplier"].id: "comment"}


def test_cancelled_events_keep_their_comments_but_take_no_more(client, users, make_event):
    event = make_event()
    service.comment(users["member"], "event", event.id, "Looking forward to it")
    events.change_status(event, users["organiser"], EventStatus.CANCELLED, "Venue flooded")
    with pytest.raises(ForumError, match="no longer"):
        service.comment(users["supplier"], "event", event.id, "Oh no")
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Looking forward to it" in page and "no longer takes comments" in page
