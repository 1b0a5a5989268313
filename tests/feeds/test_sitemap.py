"""The sitemap and robots.txt: what a search engine is told about the site."""

from __future__ import annotations

import re

import pytest

from dpse.extensions import db
from dpse.feeds import sitemap
from dpse.moderation import service as moderation
from tests.casestudies.factories import make_case_study
from tests.forum.factories import make_category, make_thread, posts_of

LOC = re.compile(r"<loc>([^<]+)</loc>")


def locations(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "application/xml"
    return LOC.findall(response.get_data(as_text=True))


@pytest.fixture
def site(users, make_event):
    """Public and private things of every kind."""
    author = users["member"]
    published = make_case_study(author, "published", title="Published rebuild")
    draft = make_case_study(author, "draft", title="Secret draft")
    category = make_category()
    public = make_thread(author, category, title="A public thread")
    hidden = make_thread(author, category, title="A hidden thread")
    # Hiding the opening post hides the thread.
    moderation.hide_post(users["moderator"], posts_of(hidden)[0], "Spam posting")
    held = make_thread(author, category, title="A held thread", hold=True)
    event = make_event(slug="open-councils")
    db.session.commit()
    assert not hidden.visible and not held.visible
    return locals()


def test_the_sitemap_lists_public_pages_only(client, site, users, organisations):
    found = locations(client, "/sitemap.xml")
    base = "http://dpse.test"
    expected = [
        f"{base}/",
        f"{base}/case-studies",
        f"{base}/events",
        f"{base}/forum",
        f"{base}/privacy",
        f"{base}/accessibility",
        f"{base}/case-studies/{site['published'].slug}",
        f"{base}/events/open-councils",
        f"{base}/forum/{site['category'].slug}",
        f"{base}/forum/t/{site['public'].id}-{site['public'].slug}",
        f"{base}/tags/drupal",
        f"{base}/organisations/{organisations['council'].slug}",
        f"{base}/people/{users['member'].handle}",
    ]
    for url in expected:
        assert url in found, url
    assert f"{base}/case-studies/{site['draft'].slug}" not in found
    for thread in (site["hidden"], site["held"]):
        assert not any(f"/forum/t/{thread.id}-" in u for u in found)
    private = ("/account", "/admin", "/login", "/moderation", "/search")
    assert not any(u.removeprefix(base).startswith(private) for u in found)
    assert len(found) == len(set(found))


def test_objects_carry_their_last_change(client, site):
    body = client.get("/sitemap.xml").get_data(as_text=True)
    entry = re.search(
        rf"<url><loc>[^<]*/case-studies/{site['published'].slug}</loc>"
        r"<lastmod>(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00)</lastmod></url>",
        body,
    )
    assert entry, body[:500]


def test_past_the_page_size_the_sitemap_becomes_an_index(client, site, monkeypatch):
    every = locations(client, "/sitemap.xml")
    monkeypatch.setattr(sitemap, "PAGE_SIZE", 7)
    index = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<sitemapindex" in index
    pages = LOC.findall(index)
    assert len(pages) == -(-len(every) // 7)
    assert pages[0] == "http://dpse.test/sitemap-1.xml"
    paged = [
        url for page in pages for url in locations(client, page.removeprefix("http://dpse.test"))
    ]
    assert paged == every  # every address once, in the same order
    assert all(len(locations(client, p.removeprefix("http://dpse.test"))) <= 7 for p in pages)
    assert client.get(f"/sitemap-{len(pages) + 1}.xml").status_code == 404
    assert client.get("/sitemap-0.xml").status_code == 404


def test_the_sitemap_costs_the_same_queries_at_any_size(client, users, count_queries):
    make_case_study(users["member"], "published", title="One")  # one of each kind
    make_thread(users["member"], title="First thread")
    with count_queries() as few:
        client.get("/sitemap.xml").get_data()
    for n in range(5):
        make_case_study(users["member"], "published", title=f"More {n}")
        make_thread(users["member"], title=f"Thread {n}")
    with count_queries() as many:
        client.get("/sitemap.xml").get_data()
    assert many.count == few.count


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_private_pages(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    assert "Sitemap: http://dpse.test/sitemap.xml" in lines
    for path in ("/account", "/admin", "/moderation", "/search", "/case-studies?", "/login"):
        assert f"Disallow: {path}" in lines
    assert "Disallow: /" not in lines  # the public pages stay open
    assert "Disallow: /case-studies" not in lines
