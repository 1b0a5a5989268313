"""Events in search: announced ones are found, edits follow, cancelled ones leave."""

from __future__ import annotations

from dpse.events import service
from dpse.events.models import EventStatus
from tests.events.factories import details
from tests.search.searching import titles


def test_event_is_found_then_follows_edits_and_cancellation(make_event, users):
    event = make_event(title="Open Councils Quetzal edition")
    assert titles("quetzal") == ["Open Councils Quetzal edition"]
    service.update_event(event, users["organiser"], details(title="Open Councils Ocelot edition"))
    assert titles("quetzal") == []
    assert titles("ocelot") == ["Open Councils Ocelot edition"]
    service.change_status(event, users["organiser"], EventStatus.CANCELLED, "Venue flooded")
    assert titles("ocelot") == []


def test_events_and_case_studies_share_one_search(client, make_event, users):
    make_event(title="Accessibility clinic")
    html = client.get("/search?q=accessibility&type=event").get_data(as_text=True)
    assert "Accessibility clinic" in html and "1 result" in html
