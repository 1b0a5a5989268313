"""Times: wall-clock time in the event's zone, stored in UTC, across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dpse.events import times
from dpse.events.service import EventError
from dpse.extensions import db
from dpse.mixins import utcnow

# 2030: clocks go forward in the UK on 31 March and back on 27 October.
MARCH = datetime(2030, 3, 31, 10, 0)  # the day of the change, nine hours after it
APRIL = datetime(2030, 4, 2, 10, 0)  # just after it
NOVEMBER = datetime(2030, 11, 6, 10, 0)


@pytest.mark.parametrize(
    ("local", "utc_hour"),
    [(MARCH, 9), (APRIL, 9), (NOVEMBER, 10), (datetime(2030, 3, 26, 10, 0), 10)],
)
def test_ten_oclock_in_london_is_stored_in_utc(local, utc_hour):
    stored = times.to_utc(local, "Europe/London")
    assert stored.tzinfo is UTC
    assert stored == local.replace(hour=utc_hour, tzinfo=UTC)
    assert times.to_local(stored, "Europe/London").strftime("%H:%M") == "10:00"


def test_dst_events_round_trip_through_the_database_and_read_ten_oclock(make_event):
    spring = make_event(title="Spring", starts_local=APRIL, ends_local=APRIL.replace(hour=16))
    autumn = make_event(title="Autumn", starts_local=NOVEMBER, ends_local=NOVEMBER.replace(hour=16))
    db.session.expire_all()  # read back what the database holds
    assert spring.starts_at == datetime(2030, 4, 2, 9, 0, tzinfo=UTC)
    assert autumn.starts_at == datetime(2030, 11, 6, 10, 0, tzinfo=UTC)
    assert times.format_when(spring.starts_at, spring.ends_at, spring.timezone) == (
        "Tuesday 2 April 2030, 10:00–16:00 BST (Europe/London)"
    )
    assert times.format_when(autumn.starts_at, autumn.ends_at, autumn.timezone) == (
        "Wednesday 6 November 2030, 10:00–16:00 GMT (Europe/London)"
    )


def test_event_pages_show_ten_oclock_either_side_of_the_change(client, make_event):
    make_event(title="Spring", starts_local=APRIL, ends_local=APRIL.replace(hour=16))
    make_event(title="Autumn", starts_local=NOVEMBER, ends_local=NOVEMBER.replace(hour=16))
    spring = client.get("/events/spring").get_data(as_text=True)
    autumn = client.get("/events/autumn").get_data(as_text=True)
    assert "10:00–16:00 BST (Europe/London)" in spring
    assert "That is 09:00–15:00 UTC" in spring
    assert "10:00–16:00 GMT (Europe/London)" in autumn
    listing = client.get("/events").get_data(as_text=True)
    assert listing.count("10:00–16:00") == 2


def test_a_time_skipped_by_the_clocks_is_refused(make_event):
    skipped = datetime(2030, 3, 31, 1, 30)  # 01:00 → 02:00 in London
    with pytest.raises(times.NonexistentTime):
        times.to_utc(skipped, "Europe/London")
    with pytest.raises(EventError) as caught:
        make_event(starts_local=skipped, ends_local=skipped.replace(hour=4))
    assert caught.value.field == "start_time"
    assert "clocks go forward" in caught.value.message


def test_the_repeated_hour_in_autumn_takes_the_first(make_event):
    repeated = datetime(2030, 10, 27, 1, 30)  # happens twice in London
    assert times.to_utc(repeated, "Europe/London") == datetime(2030, 10, 27, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "local", "expected"),
    [
        ("Europe/Amsterdam", datetime(2030, 7, 1, 13, 0), "13:00–16:00 CEST (Europe/Amsterdam)"),
        ("America/Toronto", datetime(2030, 1, 8, 12, 0), "12:00–15:00 EST (America/Toronto)"),
        ("Australia/Sydney", datetime(2030, 1, 8, 18, 0), "18:00–21:00 AEDT (Australia/Sydney)"),
        ("Asia/Dubai", datetime(2030, 1, 8, 9, 0), "09:00–12:00 UTC+04 (Asia/Dubai)"),
        ("Asia/Kolkata", datetime(2030, 1, 8, 9, 0), "09:00–12:00 IST (Asia/Kolkata)"),
    ],
)
def test_times_are_labelled_with_their_zone(zone, local, expected):
    start = times.to_utc(local, zone)
    end = times.to_utc(local.replace(hour=local.hour + 3), zone)
    assert times.format_when(start, end, zone).endswith(expected)


def test_an_event_spanning_the_change_shows_both_abbreviations():
    start = times.to_utc(datetime(2030, 10, 26, 22, 0), "Europe/London")
    end = times.to_utc(datetime(2030, 10, 27, 6, 0), "Europe/London")
    assert times.format_when(start, end, "Europe/London") == (
        "Saturday 26 October 2030, 22:00 BST – Sunday 27 October 2030, 06:00 GMT (Europe/London)"
    )


@pytest.mark.parametrize("name", ["", "Mars/Olympus", "../../etc/passwd", "europe/london", "UTC "])
def test_only_iana_zone_names_are_accepted(name):
    assert not times.is_timezone(name)
    with pytest.raises(ValueError):
        times.to_utc(datetime(2030, 1, 1, 10), name)


def test_month_bounds():
    assert times.month_bounds("2030-12") == (
        datetime(2030, 12, 1, tzinfo=UTC),
        datetime(2031, 1, 1, tzinfo=UTC),
    )
    for bad in ("2030-13", "2030-00", "30-01", "abcd-ef", "2030", "", "2030-01-01", "99999-01"):
        assert times.month_bounds(bad) is None


def test_local_date_plus_counts_days_in_the_events_zone():
    # 23:30 UTC on 31 Dec is already 1 January in Sydney.
    now = datetime(2029, 12, 31, 23, 30, tzinfo=UTC)
    assert times.local_date_plus(1, datetime.min.time(), "Australia/Sydney", now) == datetime(
        2030, 1, 2
    )
    assert times.local_date_plus(0, datetime.min.time(), "Europe/London", now).day == 31
    assert utcnow().tzinfo is UTC
