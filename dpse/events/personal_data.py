"""A person's event registrations, calendar feed and events they organise in their data export;
what happens to them when the account is deleted (the "account.export" and "account.erase"
extension points of dpse.accounts).

Their registrations and calendar feed go (a seat they held passes to the first person waiting).
Events they organised stay, shown as organised by a former member, in both cases: other people
registered for them.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import delete, select

from dpse.accounts.export import JsonFile, TextFile, markdown_name, row_dict
from dpse.accounts.models import User
from dpse.casestudies.personal_data import removed_with
from dpse.events.models import (
    CalendarFeed,
    Event,
    Registration,
    RegistrationStatus,
    event_case_study,
)
from dpse.events.registrations import lock_event, promote_waitlist
from dpse.extensions import db
from dpse.mixins import utcnow


def export_events(user: User) -> Iterator[JsonFile | TextFile]:
    """Registrations, events organised (with their descriptions as Markdown), calendar feed."""
    registrations = select(Registration).where(Registration.user_id == user.id)
    yield JsonFile(
        "registrations.json",
        (
            row_dict(r) | {"event_title": r.event.title}
            for r in db.session.scalars(registrations.order_by(Registration.id))
        ),
    )
    organised = list(
        db.session.scalars(select(Event).where(Event.organiser_id == user.id).order_by(Event.id))
    )
    yield JsonFile(
        "events_organised.json", (row_dict(e, skip={"description_text"}) for e in organised)
    )
    feeds = db.session.scalars(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    yield JsonFile("calendar_feeds.json", (row_dict(f) for f in feeds))
    for event in organised:
        if event.description:
            name = markdown_name(event.slug, str(event.id))
            yield TextFile(f"writing/events/{name}.md", f"# {event.title}\n\n{event.description}\n")


def erase_events(user: User, remove: bool) -> None:
    """Give up their seats (the waitlist moves up), then forget registrations and feeds; events
    stop naming the case studies that go with the person."""
    if remove:
        going_away = event_case_study.c.case_study_id.in_(removed_with(user))
        db.session.execute(delete(event_case_study).where(going_away))
    now = utcnow()
    going = db.session.scalars(
        select(Registration).where(
            Registration.user_id == user.id, Registration.status == RegistrationStatus.GOING
        )
    ).all()
    for registration in going:
        event = lock_event(registration.event)
        if event.ends_at > now:
            registration.status = RegistrationStatus.CANCELLED
            event.going_count -= 1
            promote_waitlist(event, now)
    db.session.flush()
    db.session.execute(delete(Registration).where(Registration.user_id == user.id))
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
