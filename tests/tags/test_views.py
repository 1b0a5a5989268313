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
