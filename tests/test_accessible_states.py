"""Accessible in every state, as the server renders it: facet values with human labels, page
titles that name their object, heading levels that never skip, outcome symbols hidden from
screen readers, optional fields marked, and dates typed as day, month and year."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from werkzeug.datastructures import MultiDict

from dpse.casestudies.models import Outcome
from dpse.events.forms import EventForm
from dpse.extensions import db
from dpse.forum import service as forum
from tests.casestudies.factories import make_case_study
from tests.conftest import login


def headings(html: str) -> list[int]:
    """The heading levels of a page's <main>, in order."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return [int(level) for level in re.findall(r"<h([1-6])[\s>]", main)]


def assert_no_skipped_level(html: str) -> None:
    levels = headings(html)
    assert levels and levels[0] == 1, levels
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"h{before} then h{after} in {levels}"


def test_search_facets_show_tag_names_and_labels_not_slugs(client, users):
    make_case_study(
        users["member"],
        "published",
        technologies=["LocalGov Drupal"],
        outcome=Outcome.MIXED,
        lessons_learned="Plan the migration.",
    )
    html = client.get("/search?q=").get_data(as_text=True)
    assert ">LocalGov Drupal (1)</a>" in html
    assert ">localgov-drupal (1)" not in html
    assert ">Case study (1)</a>" in html and ">case_study (1)" not in html
    assert ">Local government (1)</a>" in html and ">Mixed results (1)</a>" in html
    chosen = client.get("/search?q=&tag=localgov-drupal").get_data(as_text=True)
    assert "Tag: LocalGov Drupal" in chosen


def test_case_study_filter_chips_name_the_value(client, users):
    make_case_study(users["member"], "published", technologies=["LocalGov Drupal"])
    html = client.get("/case-studies?technology=localgov-drupal").get_data(as_text=True)
    assert "Technology: LocalGov Drupal" in html


@pytest.mark.parametrize(
    ("who", "path", "title"),
    [
        (
            "member",
            "/case-studies/{slug}/edit",
            "Edit “Moving the council website to LocalGov Drupal”",
        ),
        ("moderator", "/moderation/flag/case-study/{slug}", "Flag “Moving the council website"),
        (
            "member",
            "/moderation/flag/post/{post}",
            "Flag the post by Moderator Person in “Who has moved",
        ),
        ("admin", "/admin/users/{user}", "Edit user Member Person (@"),
    ],
)
def test_titles_of_forms_name_their_object(client, users, who, path, title):
    cs = make_case_study(users["member"], "published")
    category = forum.get_or_create_category("general", "General")
    db.session.commit()
    thread = forum.create_thread(users["moderator"], category, "Who has moved to Drupal?", "Us?")
    from dpse.forum.models import Post

    post = db.session.scalars(db.select(Post).where(Post.thread_id == thread.id)).first()
    login(client, f"{who}@testshire.gov.uk")
    url = path.format(slug=cs.slug, post=post.id, user=users["member"].id)
    html = client.get(url).get_data(as_text=True)
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found and title in found.group(1), (url, found and found.group(1))


def test_my_case_studies_and_quoted_posts_never_skip_a_heading_level(client, users):
    make_case_study(users["member"], "draft", what_we_built="#### A small heading\n\nText.")
    login(client, "member@testshire.gov.uk")
    assert_no_skipped_level(client.get("/case-studies/mine").get_data(as_text=True))
    category = forum.get_or_create_category("general", "General")
    db.session.commit()
    thread = forum.create_thread(
        users["moderator"], category, "Headings in posts", "### Deep heading\n\nWords."
    )
    from dpse.forum.models import Post

    post = db.session.scalars(db.select(Post).where(Post.thread_id == thread.id)).first()
    flag_page = client.get(f"/moderation/flag/post/{post.id}").get_data(as_text=True)
    assert_no_skipped_level(flag_page)
    assert "<h2>Deep heading</h2>" in flag_page  # renumbered under the page's h1
    thread_page = client.get(f"/forum/t/{thread.id}-{thread.slug}").get_data(as_text=True)
    assert_no_skipped_level(thread_page)


def test_outcome_symbols_are_hidden_from_screen_readers(client, users):
    cs = make_case_study(users["member"], "published")
    html = client.get(f"/case-studies/{cs.slug}").get_data(as_text=True)
    assert (
        '<span class="visually-hidden">Outcome: </span><span aria-hidden="true">✓</span> Success'
        in html
    )


def test_optional_fields_say_so_and_required_ones_do_not(client, users):
    login(client, "member@testshire.gov.uk")
    html = client.get("/case-studies/new").get_data(as_text=True)
    assert re.search(r'for="title">Title</label>', html)
    assert re.search(r'for="region">Region<span class="label__optional"> \(optional\)</span>', html)
    assert re.search(r'for="challenge">The challenge<span class="label__optional">', html)
    # Needed for failures and mixed results: its hint says when, it is not marked optional.
    assert re.search(r'for="lessons_learned">Lessons learned</label>', html)


def test_event_dates_are_day_month_year_boxes(client, users):
    login(client, "organiser@testshire.gov.uk")
    html = client.get("/events/new").get_data(as_text=True)
    assert '<legend class="label label--bold">Start date</legend>' in html
    for part in ("day", "month", "year"):
        assert f'name="start_date-{part}" type="text" inputmode="numeric"' in html
    assert 'name="start_time-hour"' in html and 'name="start_time-minute"' in html
    assert 'type="date"' not in html and 'type="time"' not in html


@pytest.mark.parametrize(
    ("posted", "day", "error"),
    [
        (
            {"start_date-day": "30", "start_date-month": "3", "start_date-year": "2031"},
            date(2031, 3, 30),
            None,
        ),
        (
            {"start_date-day": " 7 ", "start_date-month": "07", "start_date-year": "2031"},
            date(2031, 7, 7),
            None,
        ),
        ({"start_date": "2031-03-30"}, date(2031, 3, 30), None),  # one value still works
        (
            {"start_date-day": "31", "start_date-month": "2", "start_date-year": "2031"},
            None,
            "Enter a real date",
        ),
        (
            {"start_date-day": "1", "start_date-month": "", "start_date-year": "2031"},
            None,
            "Start date must include a month",
        ),
        (
            {"start_date-day": "", "start_date-month": "", "start_date-year": ""},
            None,
            "Enter the start date",
        ),
    ],
)
def test_date_boxes_are_read_and_checked(app, posted, day, error):
    with app.test_request_context(method="POST"):
        form = EventForm(formdata=MultiDict(posted), meta={"csrf": False})
        form.organisation_id.choices = []
        form.validate()
        assert form.start_date.data == day
        if error:
            assert any(error in message for message in form.start_date.errors)
        else:
            assert form.start_date.errors == []


def test_time_boxes_are_read_and_keep_what_was_typed(app):
    with app.test_request_context(method="POST"):
        form = EventForm(
            formdata=MultiDict({"start_time-hour": "9", "start_time-minute": "05"}),
            meta={"csrf": False},
        )
        form.organisation_id.choices = []
        form.validate()
        assert form.start_time.data == time(9, 5)
        bad = EventForm(
            formdata=MultiDict({"start_time-hour": "25", "start_time-minute": "xx"}),
            meta={"csrf": False},
        )
        bad.organisation_id.choices = []
        bad.validate()
        assert bad.start_time.errors and "Enter a real time" in bad.start_time.errors[0]
        assert bad.start_time.value_of("hour") == "25" and bad.start_time.value_of("minute") == "xx"
