"""The home page: newest case studies, upcoming events and active discussions, bounded queries."""

from __future__ import annotations

from tests.casestudies.factories import make_case_study


def test_home_shows_newest_published_case_studies_only(client, users, count_queries):
    make_case_study(users["member"], status="published", moderator=users["moderator"])
    make_case_study(users["member"], title="Hidden draft")
    with count_queries() as queries:
        html = client.get("/").get_data(as_text=True)
    assert "Moving the council website to LocalGov Drupal" in html
    assert "Hidden draft" not in html
    assert queries.count <= 8
