"""Generated events, past and upcoming, with registrations, full events and waitlists."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from dpse.events.models import (
    Event,
    EventFormat,
    EventStatus,
    Registration,
    RegistrationStatus,
    event_case_study,
    event_tag,
)
from dpse.populate import words
from dpse.populate.community import Community
from dpse.populate.sink import Phase, Renderer, Sink, Unique

CAPACITIES = (None, None, 20, 30, 40, 50, 60, 80, 100, 150, 200, 300)


def events(
    rng: random.Random,
    sink: Sink,
    phase: Phase,
    n: int,
    now: datetime,
    com: Community,
    renderer: Renderer,
    case_studies: list[tuple[int, str]],
) -> list[tuple[int, str]]:
    """``n`` events, two thirds in the past; returns (id, title) of each for comments."""
    zones, zone_cum = words.weighted(words.TIMEZONES)
    descriptions = [words.section(rng) for _ in range(max(10, min(300, n // 3)))]
    slugs = Unique(Event.slug, max_length=120)
    table = Event.__table__
    rows: list[dict[str, Any]] = []
    registrations: list[dict[str, Any]] = []
    tags: list[dict[str, int]] = []
    about: list[dict[str, int]] = []
    organisers = com.organisers or com.people
    out: list[tuple[int, str]] = []
    for event_id in sink.ids(table, n):
        organiser = rng.choice(organisers)
        kind = rng.choice(words.EVENT_KINDS)
        title = f"{kind}: {rng.choice(words.TITLE_THINGS)} in {rng.choice(words.PLACES)}"
        starts = now + timedelta(days=rng.randint(-730, 365), hours=rng.randint(-6, 6))
        starts = starts.replace(minute=0, second=0, microsecond=0)
        length = (
            timedelta(hours=rng.choice((1, 1, 2, 3, 6, 8)))
            if rng.random() > 0.08
            else timedelta(days=2)
        )
        fmt = rng.choice(list(EventFormat))
        capacity = rng.choice(CAPACITIES)
        status = EventStatus.SCHEDULED
        roll = rng.random()
        if roll < 0.04:
            status = EventStatus.CANCELLED
        elif roll < 0.06:
            status = EventStatus.POSTPONED
        created = min(starts, now) - timedelta(days=rng.randint(7, 90))
        row: dict[str, Any] = {
            "id": event_id,
            "slug": slugs.take(title),
            "title": title,
            **renderer.columns("description", rng.choice(descriptions)),
            **renderer.version(),
            "organiser_id": organiser,
            "organisation_id": com.person_org.get(organiser),
            "starts_at": starts,
            "ends_at": starts + length,
            "timezone": rng.choices(zones, cum_weights=zone_cum)[0],
            "format": fmt,
            "venue_name": f"{rng.choice(words.PLACES)} Town Hall" if fmt.has_venue else "",
            "venue_address": f"{rng.randint(1, 200)} High Street" if fmt.has_venue else "",
            "online_url": f"https://meet.example.org/{event_id}" if fmt.is_online else "",
            "capacity": capacity,
            "going_count": 0,
            "registration_opens_at": None,
            "registration_closes_at": None,
            "status": status,
            "status_reason": "" if status == EventStatus.SCHEDULED else "The venue is unavailable.",
            "sequence": 0,
            "created_at": created,
            "updated_at": created,
        }
        # Demand: most events fill part of their places, some overflow onto a waitlist.
        demand = int((capacity or 60) * rng.lognormvariate(-0.4, 0.6))
        people = list(dict.fromkeys(com.active_person(rng) for _ in range(demand)))
        going = 0
        for position, user_id in enumerate(people, 1):
            if rng.random() < 0.06:
                reg_status = RegistrationStatus.CANCELLED
            elif capacity is None or going < capacity:
                reg_status = RegistrationStatus.GOING
                going += 1
            else:
                reg_status = RegistrationStatus.WAITLISTED
            when = created + timedelta(hours=position)
            registrations.append(
                {
                    "event_id": event_id,
                    "user_id": user_id,
                    "status": reg_status,
                    "position": position,
                    "created_at": when,
                    "updated_at": when,
                }
            )
        row["going_count"] = going
        tags += [{"event_id": event_id, "tag_id": t} for t in com.tags(rng, rng.randint(1, 4))]
        if case_studies and rng.random() < 0.1:
            picked = {rng.choice(case_studies)[0] for _ in range(rng.randint(1, 2))}
            about += [{"event_id": event_id, "case_study_id": c} for c in sorted(picked)]
        rows.append(row)
        out.append((event_id, title))
    for reg_id, reg in zip(
        sink.ids(Registration.__table__, len(registrations)), registrations, strict=True
    ):
        reg["id"] = reg_id
    sink.write(phase, "Events", table, rows)
    sink.write(phase, "Registrations", Registration.__table__, registrations)
    sink.write(phase, "Event tags", event_tag, tags)
    sink.write(phase, "Events about case studies", event_case_study, about)
    return out
