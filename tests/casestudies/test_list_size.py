"""The case-study list renders what it shows, not what exists: its filter form lists the most
used topics, technologies and suppliers, its pager a window of pages, so the page's size does
not grow with how many tags, suppliers or pages there are."""

from __future__ import annotations

import re

from dpse.accounts import service as accounts
from dpse.accounts.models import OrganisationKind
from dpse.casestudies.models import Outcome
from dpse.casestudies.queries import FACET_VALUES
from dpse.extensions import db
from tests.casestudies.factories import make_case_study

PAGE_LINK = re.compile(r'<a href="[^"]*[?&]page=(\d+)[^"]*"')


def options(html: str, name: str) -> list[str]:
    select = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option[^>]*value="([^"]*)"', select)


def publish(users, first: int, count: int) -> None:
    """``count`` case studies, each with a technology, topic and supplier of its own (and one
    technology they all share)."""
    for n in range(first, first + count):
        supplier = accounts.create_organisation(f"Supplier {n:03d} Ltd", OrganisationKind.SUPPLIER)
        db.session.commit()
        make_case_study(
            users["member"],
            "published",
            moderator=users["moderator"],
            title=f"Case study {n:03d}",
            technologies=["Drupal", f"Technology {n:03d}"],
            topics=[f"Topic {n:03d}"],
            supplier_slugs=[supplier.slug],
        )


def test_the_list_does_not_grow_with_tags_suppliers_or_pages(app, client, users):
    app.config["PAGE_SIZE"] = 2
    some = FACET_VALUES + 4
    publish(users, 0, some)
    middle = f"/case-studies?page={some // 4}"
    small = client.get(middle).get_data(as_text=True)
    publish(users, some, some)  # twice the tags, suppliers and pages
    large = client.get(middle).get_data(as_text=True)

    for name in ("technology", "topic", "supplier"):
        assert len(options(small, name)) == FACET_VALUES + 1  # "Any …" and the most used
        assert len(options(large, name)) == FACET_VALUES + 1
    assert "drupal" in options(large, "technology")  # the one on every case study is listed
    pages = {int(n) for n in PAGE_LINK.findall(large)}
    assert pages <= {1, *range(some // 4 - 2, some // 4 + 3), some}  # first, window, last
    # Counts gain a digit at most: the page is the same size whatever exists beyond it.
    assert abs(len(large) - len(small)) < 400


def test_a_value_beyond_the_list_can_still_be_chosen(client, users):
    publish(users, 0, FACET_VALUES + 2)
    listed = options(client.get("/case-studies").get_data(as_text=True), "topic")
    beyond = next(
        f"topic-{n:03d}" for n in range(FACET_VALUES + 2) if f"topic-{n:03d}" not in listed
    )
    html = client.get(f"/case-studies?topic={beyond}").get_data(as_text=True)
    assert beyond in options(html, "topic")
    assert "1 case study" in html


def test_a_narrowed_list_counts_its_tags_and_lists_the_most_used(client, users):
    """With a filter chosen the tags are counted over the narrowed list (one statement for
    both kinds), and each kind lists its most used, ties by name, however many exist."""
    publish(users, 0, FACET_VALUES + 3)  # successes, a topic each
    for title, topics in (("A", ["Topic 001"]), ("B", ["Topic 001", "Topic 002"])):
        make_case_study(
            users["member"],
            "published",
            moderator=users["moderator"],
            title=title,
            topics=topics,
            technologies=["Solr"],
            outcome=Outcome.FAILURE,
            lessons_learned="Pick a supported search engine.",
        )
    html = client.get("/case-studies?outcome=success").get_data(as_text=True)
    # Among the successes each topic is on one case study: the first by name are listed.
    assert options(html, "topic")[1:] == [f"topic-{n:03d}" for n in range(FACET_VALUES)]
    assert "solr" not in options(html, "technology")
    html = client.get("/case-studies?outcome=failure").get_data(as_text=True)
    assert options(html, "topic")[1:] == ["topic-001", "topic-002"]
    assert options(html, "technology")[1:] == ["solr"]
    topic = html.split('name="topic"', 1)[1].split("</select>", 1)[0]
    assert re.search(r">Topic 001 \(2\)<", topic) and re.search(r">Topic 002 \(1\)<", topic)
