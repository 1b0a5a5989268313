"""Races end as the user meant for events, follows and tags: 24 copies at once of one
request, on SQLite and PostgreSQL, never an error the person did not earn."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from dpse.accounts.models import User
from dpse.events import service
from dpse.events.models import CalendarFeed, Event, Registration
from dpse.events.registrations import RegistrationError, register_for_event
from dpse.extensions import db
from dpse.notifications import service as notifications
from dpse.notifications.models import Subscription, TargetType
from dpse.tags.models import Tag
from dpse.tags.service import get_or_create_tags
from tests.concurrency import DUPLICATES, at_once
from tests.events.factories import details


def test_the_same_event_title_sent_at_once_gives_each_its_own_slug(app: Flask, users):
    organiser_id = users["organiser"].id

    def create() -> str:
        organiser = db.session.get(User, organiser_id)
        return service.create_event(organiser, details(title="Open Councils")).slug

    slugs, errors = at_once(app, [create] * DUPLICATES)
    assert errors == []
    expected = {"open-councils"} | {f"open-councils-{n}" for n in range(2, DUPLICATES + 1)}
    assert set(slugs) == expected and len(slugs) == DUPLICATES
    assert set(db.session.scalars(select(Event.slug))) == expected


def test_a_double_clicked_registration_registers_once(app: Flask, users, make_event):
    event_id, member_id = make_event(capacity=5).id, users["member"].id

    def register() -> int:
        event, member = db.session.get(Event, event_id), db.session.get(User, member_id)
        return register_for_event(event, member).id

    made, errors = at_once(app, [register] * DUPLICATES)
    assert len(made) == 1
    assert {type(e) for e in errors} == {RegistrationError} and len(errors) == DUPLICATES - 1
    assert {str(e) for e in errors} == {"You are already going to this event."}
    count = select(func.count()).select_from(Registration).where(Registration.event_id == event_id)
    assert db.session.scalar(count) == 1
    assert db.session.get(Event, event_id).going_count == 1


def test_a_double_clicked_follow_follows_once(app: Flask, users, make_event):
    event_id, member_id = make_event().id, users["member"].id

    def follow() -> bool:
        return notifications.follow(db.session.get(User, member_id), TargetType.EVENT, event_id)

    results, errors = at_once(app, [follow] * DUPLICATES)
    assert errors == []
    assert sorted(results) == [False] * (DUPLICATES - 1) + [True]
    rows = select(func.count()).select_from(Subscription).where(Subscription.user_id == member_id)
    assert db.session.scalar(rows) == 1


def test_the_same_new_tag_made_at_once_is_one_tag(app: Flask, users):
    def tag() -> int:
        (made,) = get_or_create_tags(["Brand New Tag"])
        db.session.commit()
        return made.id

    ids, errors = at_once(app, [tag] * DUPLICATES)
    assert errors == [] and len(set(ids)) == 1
    assert db.session.scalar(select(func.count()).select_from(Tag)) == 1


def test_a_double_clicked_calendar_address_change_or_revoke_is_one(app: Flask, users):
    member_id = users["member"].id

    def make() -> str:
        return service.create_or_replace_feed(db.session.get(User, member_id)).token

    _, errors = at_once(app, [make] * DUPLICATES)
    assert errors == []
    feeds = select(func.count()).select_from(CalendarFeed)
    assert db.session.scalar(feeds) == 1

    def revoke() -> bool:
        return service.revoke_feed(db.session.get(User, member_id))

    results, errors = at_once(app, [revoke] * DUPLICATES)
    assert errors == []
    assert sorted(results) == [False] * (DUPLICATES - 1) + [True]
    assert db.session.scalar(feeds) == 0
