"""Tag pages list everything carrying the tag."""

from __future__ import annotations

from tests.casestudies.factories import make_case_study


def test_tag_page_lists_case_studies_and_events(client, users, make_event):
    make_case_study(users["member"], status="published", moderator=users["moderator"])
    make_case_study(users["member"], title="Secret draft")
    make_event(title="LocalGov Drupal camp", tags=["LocalGov Drupal"])
    html = client.get("/tags/localgov-drupal").get_data(as_text=True)
    assert "Moving the council website to LocalGov Drupal" in html
    assert "LocalGov Drupal camp" in html
    assert "Secret draft" not in html
    assert client.get("/tags/no-such-tag").status_code == 404


def test_a_tag_page_shows_the_newest_case_studies_and_leads_to_all_of_them(client, users):
    """Its size does not grow with how many case studies carry the tag."""
    from dpse.casestudies.queries import TAG_PAGE_CASE_STUDIES

    for n in range(TAG_PAGE_CASE_STUDIES + 2):
        make_case_study(users["member"], "published", title=f"Tagged {n:02d}", topics=["forms"])
    html = client.get("/tags/forms").get_data(as_text=True)
    total = TAG_PAGE_CASE_STUDIES + 2
    assert f"Case studies ({total})" in html
    assert html.count('class="card"') == TAG_PAGE_CASE_STUDIES
    assert f"Tagged {total - 1:02d}" in html and "Tagged 00" not in html  # the newest
    assert f'href="/case-studies?topic=forms">All {total} case studies tagged forms</a>' in html


def test_a_common_tags_page_finds_the_same_newest_by_walking_the_list(client, users, monkeypatch):
    """A tag on many case studies is read by walking the published order (TAG_WALK_FROM),
    a rare one by sorting its own: both give the newest, the same ones, and drafts never."""
    from dpse.casestudies import queries
    from dpse.casestudies.queries import TAG_PAGE_CASE_STUDIES

    for n in range(TAG_PAGE_CASE_STUDIES + 3):
        topics = ["forms"] if n % 2 else ["forms", "maps"]
        make_case_study(users["member"], "published", title=f"Tagged {n:02d}", topics=topics)
    make_case_study(users["member"], title="Tagged draft", topics=["forms"])
    pages = {}
    for walk_from in (1, 10_000):  # every tag common, then every tag rare
        monkeypatch.setattr(queries, "TAG_WALK_FROM", walk_from)
        pages[walk_from] = [
            client.get(f"/tags/{t}").get_data(as_text=True) for t in ("forms", "maps")
        ]
    assert pages[1] == pages[10_000]
    forms, maps = pages[1]
    assert "Tagged 12" in forms and "Tagged 02" not in forms and "Tagged draft" not in forms
    assert "Tagged 12" in maps and "Tagged 11" not in maps and "Case studies (7)" in maps
