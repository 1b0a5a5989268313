"""Atom feeds: what a feed reader gets, read with feedparser as readers do."""

from __future__ import annotations

from dataclasses import replace
from xml.etree import ElementTree

import feedparser
import pytest

from dpse.accounts.deletion import delete_account_on_request
from dpse.casestudies import service as casestudies_service
from dpse.casestudies.models import Outcome, Sector
from dpse.events import service as events_service
from dpse.events.models import EventStatus
from dpse.extensions import db
from dpse.feeds import queries as feed_queries
from dpse.forum import service as forum
from dpse.moderation import service as moderation
from tests.casestudies.factories import make_case_study
from tests.forum.factories import make_category, make_thread, posts_of

ATOM = "http://www.w3.org/2005/Atom"
XSS = (
    '<script>alert("x")</script>\n\n<img src=x onerror="alert(1)">\n\n'
    "**bold** [a](javascript:alert(1))"
)


def read(client, url: str):
    """The feed at ``url``, parsed; it must be well-formed Atom served as such."""
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "application/atom+xml"
    assert response.mimetype_params.get("charset") == "utf-8"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, (url, feed.get("bozo_exception"))
    assert feed.version == "atom10"
    return feed


def assert_entries_complete(feed) -> None:
    for entry in feed.entries:
        assert entry.id.startswith("tag:dpse.test,")
        assert entry.updated_parsed is not None
        assert entry.link.startswith("http://dpse.test/")
        assert entry.author
        assert entry.content[0].language or feed.feed.language


@pytest.fixture
def content(users):
    """Published, draft and submitted case studies; a thread with a public, a hidden and a
    held reply; an event."""
    author, moderator = users["member"], users["moderator"]
    published = make_case_study(author, "published", title="Published search rebuild")
    make_case_study(author, "draft", title="A secret draft")
    make_case_study(author, "submitted", title="Waiting for review")
    make_case_study(
        author,
        "published",
        title="A failure in health",
        outcome=Outcome.FAILURE,
        sector=Sector.HEALTH,
        lessons_learned="Start smaller.",
    )
    category = make_category()
    thread = make_thread(author, category, title="Moving to Drupal", body="Opening words")
    forum.reply(users["organiser"], thread, "A public reply")
    hidden = forum.reply(users["organiser"], thread, "A reply the moderators hid")
    moderation.hide_post(moderator, hidden, "Off topic")
    forum.reply(users["organiser"], thread, "A reply held for review", hold=True)
    db.session.commit()
    return {"published": published, "thread": thread, "category": category}


def test_new_case_studies_show_published_ones_only(client, content):
    feed = read(client, "/feeds/case-studies.atom")
    titles = [e.title for e in feed.entries]
    assert "Published search rebuild" in titles
    assert "A secret draft" not in titles and "Waiting for review" not in titles
    assert_entries_complete(feed)
    entry = next(e for e in feed.entries if e.title == "Published search rebuild")
    assert entry.link == f"http://dpse.test/case-studies/{content['published'].slug}"
    assert entry.author == "Member Person"
    assert "<strong>LocalGov Drupal</strong>" in entry.content[0].value  # the stored HTML
    assert entry.content[0].language == "en"
    assert feed.feed.links[0].href.startswith("http://dpse.test/feeds/")


def test_entry_ids_stay_when_the_title_changes(client, content, users):
    before = {e.title: e.id for e in read(client, "/feeds/case-studies.atom").entries}
    cs = content["published"]
    data = replace(casestudies_service.data_from(cs), title="Renamed search rebuild")
    casestudies_service.update_case_study(users["member"], cs, data)
    after = {e.title: e.id for e in read(client, "/feeds/case-studies.atom").entries}
    assert after["Renamed search rebuild"] == before["Published search rebuild"]


@pytest.mark.parametrize(
    ("url", "present", "absent"),
    [
        ("/feeds/case-studies/outcome/failure.atom", "A failure in health", "Published search"),
        ("/feeds/case-studies/sector/health.atom", "A failure in health", "Published search"),
        ("/feeds/case-studies.atom?outcome=failure", "A failure in health", "Published search"),
        ("/feeds/case-studies/tag/solr.atom", None, "Published search"),
    ],
)
def test_filtered_case_study_feeds(client, content, url, present, absent):
    if url.endswith("/tag/solr.atom"):
        assert client.get(url).status_code == 404  # no such tag
        return
    titles = [e.title for e in read(client, url).entries]
    assert present in titles
    assert not any(t.startswith(absent) for t in titles)


def test_a_tag_feed_lists_its_case_studies(client, content):
    titles = [e.title for e in read(client, "/feeds/case-studies/tag/localgov-drupal.atom").entries]
    assert "Published search rebuild" in titles and "A secret draft" not in titles


def test_unknown_sector_outcome_category_thread_and_person_are_404(client, content):
    for url in (
        "/feeds/case-studies/sector/nowhere.atom",
        "/feeds/case-studies/outcome/nope.atom",
        "/feeds/forum/no-such-category.atom",
        "/feeds/forum/t/999999.atom",
        "/feeds/people/nobody-here.atom",
    ):
        assert client.get(url).status_code == 404, url


def test_a_thread_feed_leaves_out_hidden_and_held_posts(client, content):
    thread = content["thread"]
    feed = read(client, f"/feeds/forum/t/{thread.id}.atom")
    bodies = " ".join(e.content[0].value for e in feed.entries)
    assert "A public reply" in bodies and "Opening words" in bodies
    assert "hid" not in bodies and "held for review" not in bodies
    assert_entries_complete(feed)
    first = posts_of(thread)[0]
    assert any(e.link == f"http://dpse.test/forum/p/{first.id}" for e in feed.entries)


def test_a_category_feed_lists_visible_threads_with_their_opening_post(client, content, users):
    make_thread(users["member"], content["category"], title="Held thread", hold=True)
    feed = read(client, f"/feeds/forum/{content['category'].slug}.atom")
    assert [e.title for e in feed.entries] == ["Moving to Drupal"]
    assert "Opening words" in feed.entries[0].content[0].value


def test_a_hidden_thread_has_no_feed(client, content, users):
    thread = make_thread(users["member"], content["category"], title="Held thread", hold=True)
    assert client.get(f"/feeds/forum/t/{thread.id}.atom").status_code == 404


def test_script_in_a_post_does_not_come_through(client, content, users):
    thread = content["thread"]
    forum.reply(users["organiser"], thread, XSS)
    db.session.commit()
    response = client.get(f"/feeds/forum/t/{thread.id}.atom")
    # The HTML a reader would insert into its page, as the document carries it (unescaped
    # once by the XML parser; feedparser's own cleaning would hide a fault here).
    root = ElementTree.fromstring(response.data)  # noqa: S314 - our own document
    html = " ".join(c.text or "" for c in root.iter(f"{{{ATOM}}}content"))
    assert "<script" not in html and "<img" not in html
    assert 'href="javascript' not in html
    assert "onerror" not in html
    feed = feedparser.parse(response.data)
    assert not feed.bozo
    assert any("<strong>bold</strong>" in e.content[0].value for e in feed.entries)  # Markdown


def test_titles_with_markup_and_control_characters_are_escaped(client, users):
    make_case_study(users["member"], "published", title='Tom & "Jerry" <b>rebuild</b>')
    raw = client.get("/feeds/case-studies.atom").get_data(as_text=True)
    assert "<b>rebuild" not in raw
    feed = read(client, "/feeds/case-studies.atom")
    assert feed.entries[0].title == 'Tom & "Jerry" <b>rebuild</b>'


def test_events_feeds(client, make_event, users):
    make_event(slug="open-councils", title="Open Councils")
    cancelled = make_event(slug="gone", title="Cancelled meetup", days=40)
    events_service.change_status(cancelled, users["organiser"], EventStatus.CANCELLED, "Ill")
    db.session.commit()
    upcoming = read(client, "/feeds/events.atom")
    assert [e.title for e in upcoming.entries] == ["Open Councils", "Cancelled: Cancelled meetup"]
    assert "Northvale Civic Centre" in upcoming.entries[0].content[0].value
    assert_entries_complete(upcoming)
    announced = read(client, "/feeds/events/new.atom")
    assert announced.entries[0].title == "Cancelled: Cancelled meetup"


def test_a_persons_feed_is_their_public_activity(client, content, users):
    feed = read(client, f"/feeds/people/{users['member'].handle}.atom")
    titles = [e.title for e in feed.entries]
    assert "Published search rebuild" in titles and "Moving to Drupal" in titles
    assert "A secret draft" not in titles
    assert_entries_complete(feed)
    organiser = read(client, f"/feeds/people/{users['organiser'].handle}.atom")
    bodies = " ".join(e.content[0].value for e in organiser.entries)
    assert "A public reply" in bodies and "hid" not in bodies and "held" not in bodies


def test_a_former_members_writing_is_credited_as_on_the_pages(client, content, users):
    delete_account_on_request(users["admin"], users["organiser"], remove_content=False)
    feed = read(client, f"/feeds/forum/t/{content['thread'].id}.atom")
    reply = next(e for e in feed.entries if "A public reply" in e.content[0].value)
    assert reply.author == "Former member"
    assert client.get(f"/feeds/people/{users['organiser'].handle}.atom").status_code == 404


def test_entries_carry_the_language_they_are_written_in(client, users, app):
    make_category()
    thread = forum.create_thread(
        users["member"], make_category(), "Edrych ar Drupal", "Helo pawb", language="cy"
    )
    db.session.commit()
    feed = read(client, f"/feeds/forum/t/{thread.id}.atom")
    assert feed.entries[0].content[0].language == "cy"


def test_conditional_get_answers_304(client, content):
    first = client.get("/feeds/case-studies.atom")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get("/feeds/case-studies.atom", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_each_feed_runs_a_fixed_number_of_queries(client, users, count_queries, make_event):
    category = make_category()

    def add(n: int) -> None:
        for i in range(n):
            make_case_study(users["member"], "published", title=f"Case study {i} {n}")
            thread = make_thread(users["member"], category, title=f"Thread {i} {n}")
            forum.reply(users["organiser"], thread, f"Reply {i}")
            make_event(slug=f"event-{n}-{i}", title=f"Event {i}")
        db.session.commit()

    first = make_thread(users["member"], category, title="The thread")
    urls = [
        "/feeds/case-studies.atom",
        "/feeds/case-studies/tag/drupal.atom",
        "/feeds/events.atom",
        "/feeds/events/new.atom",
        f"/feeds/forum/{category.slug}.atom",
        f"/feeds/people/{users['member'].handle}.atom",
        f"/feeds/people/{users['organiser'].handle}.atom",
    ]

    def counts() -> list[int]:
        found = []
        for url in [*urls, f"/feeds/forum/t/{first.id}.atom"]:
            with count_queries() as q:
                assert client.get(url).status_code == 200
            found.append(q.count)
        return found

    add(1)
    few = counts()
    add(4)
    for n in range(6):
        forum.reply(users["organiser"], first, f"More {n}")
    db.session.commit()
    assert counts() == few
    assert feed_queries.FEED_LENGTH >= 5
