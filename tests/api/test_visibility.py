"""The API shows exactly what a signed-out visitor sees on the HTML pages: for every kind of
object, what the page hides (drafts, hidden and held posts, pending organisations and members,
deactivated people) the API neither lists nor serves, and no private field ever appears."""

from __future__ import annotations

from typing import Any

from dpse.events.service import create_or_replace_feed
from dpse.extensions import db


def _everything(client, *also: str) -> str:
    """Every list of the API, every page of it, and every object they link to, as text."""
    seen: list[str] = []
    queue = [
        *also,
        "/api/v1/case-studies?per_page=100",
        "/api/v1/events?per_page=100",
        "/api/v1/events?when=past&per_page=100",
        "/api/v1/forum/categories",
        "/api/v1/search",
        "/api/v1/search?q=secret",
        "/api/v1/tags?per_page=100",
        "/api/v1/organisations?per_page=100",
        "/api/v1/people?per_page=100",
    ]
    done: set[str] = set()
    while queue:
        url = queue.pop()
        if url in done:
            continue
        done.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        seen.append(response.get_data(as_text=True))
        queue += [link for link in _api_links(response.get_json()) if link not in done]
    return "\n".join(seen)


def _api_links(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [
            link
            for key, item in value.items()
            for link in (
                [item]
                if key in ("api_url", "threads_api_url", "next") and item
                else _api_links(item)
            )
        ]
    if isinstance(value, list):
        return [link for item in value for link in _api_links(item)]
    return []


def test_case_studies_match_the_pages(client, site):
    listed = {cs["slug"] for cs in client.get("/api/v1/case-studies").get_json()["items"]}
    page = client.get("/case-studies").get_data(as_text=True)
    for cs in (site.published, site.archived, site.draft, site.submitted):
        html = client.get(f"/case-studies/{cs.slug}")
        api = client.get(f"/api/v1/case-studies/{cs.slug}")
        assert api.status_code == html.status_code, cs.status  # 200 public, 404 otherwise
        assert (cs.slug in listed) == (f'/case-studies/{cs.slug}"' in page), cs.status
    assert listed == {site.published.slug}
    assert client.get(f"/api/v1/case-studies/{site.draft.slug}").status_code == 404


def test_threads_and_posts_match_the_pages(client, site):
    thread = client.get(f"/api/v1/forum/threads/{site.thread.id}").get_json()
    shown = {p["id"] for p in thread["posts"]["items"]}
    page = client.get(f"/forum/t/{site.thread.id}-{site.thread.slug}").get_data(as_text=True)
    for post in (site.visible_reply, site.hidden_reply, site.held_reply):
        assert (post.id in shown) == (post.body in page), post
    assert site.visible_reply.id in shown
    assert site.hidden_reply.id not in shown and site.held_reply.id not in shown
    html = client.get(f"/forum/t/{site.held_thread.id}-{site.held_thread.slug}")
    api = client.get(f"/api/v1/forum/threads/{site.held_thread.id}")
    assert html.status_code == api.status_code == 404
    threads = client.get(f"/api/v1/forum/categories/{site.category.slug}/threads").get_json()
    assert site.held_thread.id not in {t["id"] for t in threads["items"]}


def test_organisations_and_people_match_the_pages(client, site):
    for org in (site.approved_org, site.pending_org):
        html = client.get(f"/organisations/{org.slug}")
        api = client.get(f"/api/v1/organisations/{org.slug}")
        assert api.status_code == html.status_code
    organisations = client.get("/api/v1/organisations").get_json()["items"]
    assert site.pending_org.slug not in {o["slug"] for o in organisations}
    pending = client.get(f"/api/v1/people/{site.pending_member.handle}").get_json()
    assert pending["organisation"] is None  # a pending organisation is named nowhere
    assert client.get(f"/people/{site.deactivated.handle}").status_code == 404
    assert client.get(f"/api/v1/people/{site.deactivated.handle}").status_code == 404
    people = client.get("/api/v1/people?per_page=100").get_json()["items"]
    assert site.deactivated.handle not in {p["handle"] for p in people}


def test_events_match_the_pages(client, site):
    html = client.get(f"/events/{site.event.slug}")
    api = client.get(f"/api/v1/events/{site.event.slug}")
    assert html.status_code == api.status_code == 200


def test_nothing_private_appears_anywhere(client, site, users):
    site.event.online_url = "https://meet.example/secret-room"
    feed = create_or_replace_feed(users["member"])
    users["member"].totp_secret = "JBSWY3DPEHPK3PXPSECRET"
    db.session.commit()
    text = _everything(client, f"/api/v1/case-studies/{site.archived.slug}")
    assert site.published.title in text and site.archived.title in text
    private = [
        site.draft.title,
        site.submitted.title,
        site.hidden_reply.body,
        site.held_reply.body,
        site.held_thread.title,
        site.pending_org.name,
        site.deactivated.display_name,
        "secret-room",
        feed.token,
        "JBSWY3DPEHPK3PXPSECRET",
        *(user.email for user in users.values()),
        site.pending_member.email,
        "password",
        "session_token",
    ]
    for secret in private:
        assert secret not in text, secret
