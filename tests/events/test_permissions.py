"""Every role × event action in one table, checked through the real pages."""

from __future__ import annotations

import pytest
from flask_login import AnonymousUserMixin

from dpse import permissions
from dpse.accounts.roles import Role
from dpse.events.models import EventStatus, Registration
from dpse.extensions import db
from tests.conftest import login, post_form
from tests.events.factories import new_user

ROLES = ["anonymous", *[r.value for r in Role]]
SIGNED_IN = {r.value for r in Role}
ORGANISERS = {"organiser", "moderator", "admin"}
MODERATORS = {"moderator", "admin"}

# action -> the roles allowed to do it
TABLE = {
    "see_event_lists": set(ROLES),
    "see_an_event_and_its_calendar_file": set(ROLES),
    "register_for_an_event": SIGNED_IN,
    "see_your_events_and_private_calendar": SIGNED_IN,
    "announce_an_event": ORGANISERS,
    "edit_own_event": ORGANISERS,
    "see_own_attendees": ORGANISERS,
    "edit_someone_elses_event": MODERATORS,
    "see_someone_elses_attendees": MODERATORS,
    "export_someone_elses_attendees": MODERATORS,
    "message_someone_elses_attendees": MODERATORS,
    "cancel_someone_elses_event": MODERATORS,
}


@pytest.fixture
def events(make_event, users):
    """An event of another organiser, and one of each signed-in role's own."""
    other = new_user("other.organiser@testshire.gov.uk", Role.ORGANISER)
    made = {"other": make_event(organiser=other, title="Someone else's")}
    for role in Role:
        if role.value in ORGANISERS:
            made[role.value] = make_event(organiser=users[role.value], title=f"{role.value} own")
        else:  # the service refuses to announce for them: an event handed over to them later
            made[role.value] = make_event(title=f"{role.value} own")
            made[role.value].organiser_id = users[role.value].id
            db.session.commit()
    return made


def _allowed(response, role: str) -> bool:
    """200 means allowed; refusals are 403 when signed in, a sign-in redirect when not."""
    if response.status_code == 200:
        return True
    expected = 302 if role == "anonymous" else 403
    assert response.status_code == expected, (role, response.status_code)
    return False


def _try(client, role: str, action: str, events) -> bool:
    other = events["other"].slug
    own = events[role].slug if role in events else other
    if action == "see_event_lists":
        return all(_allowed(client.get(u), role) for u in ("/events", "/events/past"))
    if action == "see_an_event_and_its_calendar_file":
        urls = (f"/events/{other}", f"/events/{other}.ics", "/events.ics")
        return all(_allowed(client.get(u), role) for u in urls)
    if action == "register_for_an_event":
        form_url = "/login" if role == "anonymous" else f"/events/{other}"
        post_form(client, f"/events/{other}/register", {}, form_url=form_url)
        return db.session.query(Registration).count() == 1
    if action == "see_your_events_and_private_calendar":
        return _allowed(client.get("/events/mine"), role)
    if action == "announce_an_event":
        return _allowed(client.get("/events/new"), role)
    if action == "edit_own_event":
        return _allowed(client.get(f"/events/{own}/edit"), role)
    if action == "see_own_attendees":
        return _allowed(client.get(f"/events/{own}/attendees"), role)
    if action == "edit_someone_elses_event":
        return _allowed(client.get(f"/events/{other}/edit"), role)
    if action == "see_someone_elses_attendees":
        return _allowed(client.get(f"/events/{other}/attendees"), role)
    if action == "export_someone_elses_attendees":
        return _allowed(client.get(f"/events/{other}/attendees.csv"), role)
    if action == "message_someone_elses_attendees":
        return _allowed(client.get(f"/events/{other}/message"), role)
    assert action == "cancel_someone_elses_event"
    form_url = "/login" if role == "anonymous" else f"/events/{other}"
    response = post_form(
        client,
        f"/events/{other}/status",
        {"status": "cancelled", "reason": "Testing", "confirm": "yes"},
        form_url=form_url,
    )
    db.session.refresh(events["other"])
    cancelled = events["other"].status == EventStatus.CANCELLED
    assert (response.status_code == 302) == (cancelled or role == "anonymous")
    return cancelled


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(TABLE))
def test_role_action_table(client, users, events, role, action):
    if role != "anonymous":
        assert login(client, f"{role}@testshire.gov.uk").status_code == 302
    assert _try(client, role, action, events) is (role in TABLE[action])


@pytest.mark.parametrize("role", ROLES)
def test_templates_show_exactly_the_tools_the_views_allow(client, users, events, role):
    if role != "anonymous":
        login(client, f"{role}@testshire.gov.uk")
    page = client.get(f"/events/{events['other'].slug}").get_data(as_text=True)
    assert ("Organiser tools" in page) is (role in MODERATORS)
    listing = client.get("/events").get_data(as_text=True)
    assert ("Announce an event" in listing) is (role in ORGANISERS)


def test_a_demoted_organiser_no_longer_manages_their_events(users, events):
    organiser = users["organiser"]
    assert permissions.can_manage_event(organiser, events["organiser"])
    organiser.role = Role.MEMBER
    assert not permissions.can_manage_event(organiser, events["organiser"])


def test_predicates_for_anonymous(events):
    anon = AnonymousUserMixin()
    assert not permissions.can_manage_event(anon, events["other"])
    assert not permissions.can_register_for_events(anon)
    assert not permissions.can_see_joining_link(anon, events["other"], None)
