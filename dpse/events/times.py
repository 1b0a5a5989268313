"""Event times: local wall-clock time in an IANA zone to UTC and back, and how times read.

Stands alone because forms, models, calendars, messages and templates (the event_when,
event_moment and event_utc filters create_app registers) all need it; it reads no database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

if TYPE_CHECKING:
    from dpse.events.models import Event

DEFAULT_TIMEZONE = "Europe/London"


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone this system knows, sorted (the tzdata package guarantees the list)."""
    return tuple(sorted(available_timezones()))


def is_timezone(name: str) -> bool:
    """Whether name is a known IANA zone (not a file path or an empty string)."""
    return name in set(timezone_names())


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo for a known name; ValueError otherwise."""
    if not is_timezone(name):
        raise ValueError(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


class NonexistentTime(ValueError):
    """A wall-clock time skipped when the clocks go forward (e.g. 01:30 in London in March)."""


def to_utc(local: datetime, timezone: str) -> datetime:
    """A naive wall-clock time in timezone as an aware UTC datetime.

    Ambiguous times (the repeated hour in autumn) take the first occurrence; times that do not
    exist (the skipped hour in spring) raise NonexistentTime rather than silently moving.
    """
    tz = zone(timezone)
    aware = local.replace(tzinfo=tz, fold=0)
    result = aware.astimezone(UTC)
    if result.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None, fold=0):
        raise NonexistentTime(f"{local:%H:%M} on {local:%-d %B %Y} does not exist in {timezone}")
    return result


def to_local(moment: datetime, timezone: str) -> datetime:
    """An aware datetime shown in the event's zone."""
    return moment.astimezone(zone(timezone))


def local_date_plus(days: int, at: time, timezone: str, now: datetime | None = None) -> datetime:
    """'In 21 days at 10:00 Europe/London' as a naive local datetime (used by the seed)."""
    today = (now or datetime.now(UTC)).astimezone(zone(timezone)).date()
    return datetime.combine(today + timedelta(days=days), at)


def zone_abbreviation(moment: datetime) -> str:
    """'GMT', 'BST', 'CET'…; zones without a letter name read 'UTC+03'."""
    name = moment.tzname() or ""
    if not name or name[0] in "+-":
        offset = moment.utcoffset() or timedelta(0)
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        hours, mins = divmod(abs(minutes), 60)
        return f"UTC{sign}{hours:02d}" + (f":{mins:02d}" if mins else "")
    return name


def _day(value: date) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def format_when(starts_at: datetime, ends_at: datetime, timezone: str) -> str:
    """'Tuesday 30 March 2027, 10:00–16:00 BST (Europe/London)', across days when needed."""
    start, end = to_local(starts_at, timezone), to_local(ends_at, timezone)
    start_zone, end_zone = zone_abbreviation(start), zone_abbreviation(end)
    if start.date() == end.date():
        if start_zone == end_zone:
            times = f"{start:%H:%M}–{end:%H:%M} {end_zone}"
        else:  # the clocks change during the event
            times = f"{start:%H:%M} {start_zone} – {end:%H:%M} {end_zone}"
        return f"{_day(start.date())}, {times} ({timezone})"
    return (
        f"{_day(start.date())}, {start:%H:%M} {start_zone} – "
        f"{_day(end.date())}, {end:%H:%M} {end_zone} ({timezone})"
    )


def format_moment(moment: datetime, timezone: str) -> str:
    """'Monday 1 March 2027, 09:00 GMT (Europe/London)'."""
    local = to_local(moment, timezone)
    return f"{_day(local.date())}, {local:%H:%M} {zone_abbreviation(local)} ({timezone})"


def format_utc_range(starts_at: datetime, ends_at: datetime) -> str:
    """'09:00–15:00 UTC' (with dates when it spans days), for people in other zones."""
    start, end = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    if start.date() == end.date():
        return f"{start:%H:%M}–{end:%H:%M} UTC"
    return f"{start:%-d %b %H:%M} – {end:%-d %b %H:%M} UTC"


def month_bounds(month: str) -> tuple[datetime, datetime] | None:
    """'2027-03' -> [1 March 00:00 UTC, 1 April 00:00 UTC); None when not a month."""
    try:
        year_text, month_text = month.split("-")
        year, number = int(year_text), int(month_text)
        if len(year_text) != 4 or not 1 <= number <= 12 or year < 1971:
            return None
        start = datetime(year, number, 1, tzinfo=UTC)
    except ValueError:
        return None
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=UTC)
    return start, end


def months_around(now: datetime, past: bool, count: int) -> list[tuple[str, str]]:
    """('2027-03', 'March 2027') for the next (or last) count months, starting with this one."""
    year, month = now.year, now.month
    found = []
    for _ in range(count):
        found.append((f"{year:04d}-{month:02d}", datetime(year, month, 1).strftime("%B %Y")))
        month += -1 if past else 1
        if month == 0:
            year, month = year - 1, 12
        elif month == 13:
            year, month = year + 1, 1
    return found


def event_when(event: Event) -> str:
    """'Tuesday 30 March 2027, 10:00–16:00 BST (Europe/London)'."""
    return format_when(event.starts_at, event.ends_at, event.timezone)


def event_moment(event: Event, attribute: str) -> str:
    """One of the event's timestamps in its own zone, labelled with it."""
    value = getattr(event, attribute)
    return format_moment(value, event.timezone) if value else ""


def event_utc(event: Event) -> str:
    """The event's times in UTC, for people elsewhere."""
    return format_utc_range(event.starts_at, event.ends_at)
