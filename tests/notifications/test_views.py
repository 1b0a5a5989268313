"""The notifications page, the header count, settings and the follow buttons."""

from __future__ import annotations

from sqlalchemy import select

from dpse.extensions import db
from dpse.forum import service as forum
from dpse.notifications import queries, service
from dpse.notifications.models import Notification, Subscription, TargetType
from dpse.tags.queries import tag_by_slug
from tests.casestudies.factories import make_case_study
from tests.conftest import login, post_form
from tests.forum.factories import make_thread


def test_header_count_page_and_marking_read(client, users):
    thread = make_thread(users["member"])
    forum.reply(users["supplier"], thread, "First")
    forum.reply(users["organiser"], thread, "Second")
    login(client, "member@testshire.gov.uk")
    home = client.get("/").get_data(as_text=True)
    assert 'Notifications <span class="count-badge">2<span class="visually-hidden"> unread' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert page.count(">New</strong>") == 2
    assert "Supplier Person replied in" in page and "Organiser Person replied in" in page
    first = db.session.scalars(select(Notification).order_by(Notification.id)).first()
    opened = client.get(f"/notifications/{first.id}")
    assert opened.headers["Location"] == first.url and first.read_at is not None
    post_form(client, "/notifications/read", {"up_to": ""}, "/notifications")
    home = client.get("/").get_data(as_text=True)
    assert "count-badge" not in home
    assert client.get("/notifications").get_data(as_text=True).count(">New</strong>") == 0


def test_someone_elses_notification_is_not_found(client, users):
    thread = make_thread(users["member"])
    forum.reply(users["supplier"], thread, "Hi")
    notification = db.session.scalars(select(Notification)).one()
    login(client, "supplier@testshire.gov.uk")
    assert client.get(f"/notifications/{notification.id}").status_code == 404
    assert notification.read_at is None


def test_email_setting_and_following_list(client, users):
    thread = make_thread(users["member"], title="Keycloak upgrade notes")
    login(client, "member@testshire.gov.uk")
    settings = client.get("/notifications/settings").get_data(as_text=True)
    assert "Keycloak upgrade notes" in settings and "Also email me" in settings
    post_form(client, "/notifications/settings", {"email_enabled": "y"})
    assert queries.email_enabled(users["member"])
    response = post_form(
        client,
        "/notifications/unfollow",
        {"target_type": "thread", "target_id": str(thread.id), "next": "/notifications/settings?"},
        "/notifications/settings",
    )
    assert response.headers["Location"].rstrip("?") == "/notifications/settings"
    assert not service.is_following(users["member"], TargetType.THREAD, thread.id)
    post_form(client, "/notifications/settings", {})
    assert not queries.email_enabled(users["member"])


def test_follow_buttons_on_threads_tags_and_case_studies(client, users):
    thread = make_thread(users["member"], tags=["Solr"])
    cs = make_case_study(users["organiser"], status="published", moderator=users["moderator"])
    solr = tag_by_slug("solr")
    login(client, "supplier@testshire.gov.uk")
    url = f"/forum/t/{thread.id}-{thread.slug}"
    for page, target_type, target_id in (
        (url + "?page=1", "thread", thread.id),
        ("/tags/solr", "tag", solr.id),
        (f"/case-studies/{cs.slug}", "case_study", cs.id),
    ):
        html = client.get(page).get_data(as_text=True)
        assert '<button class="button button--secondary" type="submit">Follow' in html
        data = {"target_type": target_type, "target_id": str(target_id), "next": page}
        response = post_form(client, "/notifications/follow", data, page)
        assert response.headers["Location"] == page
        assert "Stop following" in client.get(page).get_data(as_text=True)
    assert {s.target_type for s in db.session.scalars(select(Subscription))} >= {
        TargetType.THREAD,
        TargetType.TAG,
        TargetType.CASE_STUDY,
    }
    # A next address on another page (or site) is ignored: back to the followed thing.
    data = {"target_type": "thread", "target_id": str(thread.id), "next": "https://evil.example"}
    assert post_form(client, "/notifications/unfollow", data, url).headers["Location"] == url


def test_unfollowing_a_case_study_also_unfollows_its_comments(client, users):
    author = users["organiser"]
    cs = make_case_study(author, status="published", moderator=users["moderator"])
    forum.comment(users["member"], "case_study", cs.id, "A question")
    login(client, "organiser@testshire.gov.uk")
    page = client.get(f"/case-studies/{cs.slug}").get_data(as_text=True)
    assert "Stop following" in page  # the author follows the comment thread
    data = {"target_type": "case_study", "target_id": str(cs.id)}
    post_form(client, "/notifications/unfollow", data, f"/case-studies/{cs.slug}")
    assert (
        db.session.scalars(select(Subscription).where(Subscription.user_id == author.id)).all()
        == []
    )


def test_following_something_you_cannot_see_is_refused(client, app, users):
    app.config["HOLD_FIRST_POSTS"] = 1
    held = make_thread(users["member"], title="Held for review")
    app.config["HOLD_FIRST_POSTS"] = 0
    login(client, "supplier@testshire.gov.uk")
    data = {"target_type": "thread", "target_id": str(held.id)}
    assert post_form(client, "/notifications/follow", data, "/notifications").status_code == 404
