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
