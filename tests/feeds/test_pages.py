"""Pages announce their feeds (<link rel="alternate">) and give link previews (OpenGraph,
Twitter card) and their canonical address."""

from __future__ import annotations

import html5lib
import pytest

from dpse.extensions import db
from tests.casestudies.factories import make_case_study
from tests.forum.factories import make_category, make_thread

NS = "{http://www.w3.org/1999/xhtml}"


def head_of(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    return html5lib.parse(response.get_data(as_text=True)).find(f"{NS}head")


def feeds_of(client, url: str) -> dict[str, str]:
    """The page's announced Atom feeds: title -> address."""
    return {
        link.get("title"): link.get("href")
        for link in head_of(client, url).iter(f"{NS}link")
        if link.get("rel") == "alternate" and link.get("type") == "application/atom+xml"
    }


def meta_of(client, url: str) -> dict[str, str]:
    """OpenGraph and Twitter meta, and the canonical link."""
    head = head_of(client, url)
    found = {m.get("property") or m.get("name"): m.get("content") for m in head.iter(f"{NS}meta")}
    for link in head.iter(f"{NS}link"):
        if link.get("rel") == "canonical":
            found["canonical"] = link.get("href")
    return found


@pytest.fixture
def things(users, make_event):
    cs = make_case_study(
        users["member"],
        "published",
        title='Tom & "Jerry" <b>rebuild</b>',
        summary="We <i>moved</i> 3,000 pages & lived.",
    )
    category = make_category()
    thread = make_thread(users["member"], category, title="Moving to Drupal", body="Opening words")
    event = make_event(slug="open-councils", title="Open Councils")
    db.session.commit()
    return {"cs": cs, "category": category, "thread": thread, "event": event}


def test_pages_announce_their_feeds_and_the_feeds_answer(client, things, users):
    base = "http://dpse.test"
    expected = {
        "/": {
            "New case studies": f"{base}/feeds/case-studies.atom",
            "Upcoming events": f"{base}/feeds/events.atom",
        },
        "/case-studies": {"New case studies": f"{base}/feeds/case-studies.atom"},
        "/case-studies?sector=health": {
            "New case studies in this list": f"{base}/feeds/case-studies.atom?sector=health",
            "New case studies in this sector": f"{base}/feeds/case-studies/sector/health.atom",
        },
        "/case-studies?outcome=failure": {
            "New case studies with this outcome": f"{base}/feeds/case-studies/outcome/failure.atom"
        },
        "/tags/drupal": {
            "New case studies tagged Drupal": f"{base}/feeds/case-studies/tag/drupal.atom"
        },
        "/events": {
            "Upcoming events": f"{base}/feeds/events.atom",
            "Newly announced events": f"{base}/feeds/events/new.atom",
        },
        f"/forum/{things['category'].slug}": {
            f"New threads in {things['category'].name}": f"{base}/feeds/forum/drupal.atom"
        },
        f"/forum/t/{things['thread'].id}-{things['thread'].slug}": {
            "New posts in Moving to Drupal": f"{base}/feeds/forum/t/{things['thread'].id}.atom"
        },
        f"/people/{users['member'].handle}": {
            "Member Person’s activity": f"{base}/feeds/people/{users['member'].handle}.atom"
        },
    }
    for page, feeds in expected.items():
        announced = feeds_of(client, page)
        for title, href in feeds.items():
            assert announced.get(title) == href, (page, announced)
            assert client.get(href.removeprefix(base)).status_code == 200


def test_a_case_study_has_a_link_preview_with_its_text_escaped(client, things):
    cs = things["cs"]
    url = f"http://dpse.test/case-studies/{cs.slug}"
    meta = meta_of(client, f"/case-studies/{cs.slug}")
    assert meta["og:title"] == 'Tom & "Jerry" <b>rebuild</b>'  # as typed, not as markup
    assert meta["og:description"] == "We <i>moved</i> 3,000 pages & lived."
    assert meta["og:url"] == url and meta["canonical"] == url
    assert meta["og:type"] == "article" and meta["og:site_name"]
    assert meta["twitter:card"] == "summary"
    raw = client.get(f"/case-studies/{cs.slug}").get_data(as_text=True)
    assert "<b>rebuild" not in raw and "<i>moved" not in raw


def test_events_and_threads_have_link_previews(client, things):
    meta = meta_of(client, "/events/open-councils")
    assert meta["og:title"] == "Open Councils"
    assert meta["og:description"] == "Council web teams show and tell."  # plain text
    assert meta["canonical"] == "http://dpse.test/events/open-councils"
    thread = things["thread"]
    meta = meta_of(client, f"/forum/t/{thread.id}-{thread.slug}")
    assert meta["og:title"] == "Moving to Drupal"
    assert meta["og:description"] == "Opening words"
    assert meta["canonical"] == f"http://dpse.test/forum/t/{thread.id}-{thread.slug}"
    assert meta["twitter:card"] == "summary"


def test_the_canonical_address_follows_the_base_url(client, things, app):
    app.config["BASE_URL"] = "https://exchange.example.org"
    meta = meta_of(client, "/events/open-councils")
    assert meta["canonical"] == "https://exchange.example.org/events/open-councils"
    assert feeds_of(client, "/events")["Upcoming events"].startswith(
        "https://exchange.example.org/"
    )
