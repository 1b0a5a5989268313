"""The event filter lists the most used topics and organisations: its size does not grow with
how many exist, and a chosen one stays chosen."""

from __future__ import annotations

import re

from dpse.events.queries import FILTER_OPTIONS

OPTION = re.compile(r"<option ")


def tag_options(html: str) -> list[str]:
    select = html.split('name="tag"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option[^>]*value="([^"]*)"', select)


def test_the_tag_filter_lists_the_most_used_only(client, make_event):
    for n in range(FILTER_OPTIONS + 15):
        # one topic on every event, the others on one each
        make_event(title=f"Meetup {n}", tags=["common topic", f"rare topic {n:02d}"])
    html = client.get("/events").get_data(as_text=True)
    offered = tag_options(html)
    assert len(offered) == FILTER_OPTIONS + 1  # "Any topic or technology" and the top ones
    assert "common-topic" in offered
    assert "search events" in html
    # A topic beyond the list, asked for in the URL, is offered (chosen) and filters.
    beyond = next(f"rare-topic-{n:02d}" for n in range(60) if f"rare-topic-{n:02d}" not in offered)
    chosen = client.get(f"/events?tag={beyond}").get_data(as_text=True)
    assert beyond in tag_options(chosen)
    assert re.search(rf'<option (selected value="{beyond}"|value="{beyond}" selected)', chosen)
    assert "1 event match your filters" in chosen


def test_the_list_page_does_not_grow_with_the_number_of_tags(client, make_event):
    for n in range(5):  # 60 tags, 12 an event
        make_event(title=f"Batch one {n}", tags=[f"one {n} {k}" for k in range(12)])
    options_before = len(OPTION.findall(client.get("/events").get_data(as_text=True)))
    for n in range(5):  # 60 more
        make_event(title=f"Batch two {n}", tags=[f"two {n} {k}" for k in range(12)])
    options_after = len(OPTION.findall(client.get("/events").get_data(as_text=True)))
    assert options_after == options_before
