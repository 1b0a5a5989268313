"""The generated community's organisations, people and tags."""

from __future__ import annotations

import itertools
import random
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dpse.accounts.handles import skeleton
from dpse.accounts.models import HANDLE_MAX, Organisation, OrganisationKind, User
from dpse.accounts.roles import Role
from dpse.populate import words
from dpse.populate.sink import Phase, Renderer, Sink, Unique
from dpse.tags.models import Tag, TagKind

# Share of organisations of each kind (a community of public bodies with some suppliers).
KIND_SHARES = (
    ("council", 34),
    ("central-government", 10),
    ("health", 12),
    ("education", 12),
    ("police-justice", 5),
    ("charity", 10),
    ("supplier", 13),
    ("other", 4),
)


@dataclass
class Community:
    """Who exists, for the content phases to pick authors, organisers and tags from."""

    org_ids: list[int] = field(default_factory=list)
    org_kind: dict[int, str] = field(default_factory=dict)
    org_country: dict[int, str] = field(default_factory=dict)
    org_slug: dict[int, str] = field(default_factory=dict)
    approved_org_ids: set[int] = field(default_factory=set)
    supplier_org_ids: list[int] = field(default_factory=list)
    people: list[int] = field(default_factory=list)  # everyone who writes, most active first
    person_org: dict[int, int | None] = field(default_factory=dict)  # verified organisation
    organisers: list[int] = field(default_factory=list)
    moderators: list[int] = field(default_factory=list)
    tag_ids: list[int] = field(default_factory=list)  # most used first
    tag_name: dict[int, str] = field(default_factory=dict)
    tag_is_technology: dict[int, bool] = field(default_factory=dict)
    _person_cum: list[float] = field(default_factory=list)
    _tag_cum: list[float] = field(default_factory=list)

    def zipf(self, exponent: float = 1.0) -> None:
        """Weights for the long tails: a few people write most posts, a few tags most labels."""
        self._person_cum = list(
            itertools.accumulate(1 / (r + 10) ** exponent for r in range(len(self.people)))
        )
        self._tag_cum = list(
            itertools.accumulate(1 / (r + 1) ** 1.05 for r in range(len(self.tag_ids)))
        )

    def active_person(self, rng: random.Random) -> int:
        """Someone, the most active more often."""
        return self.people[bisect_left(self._person_cum, rng.random() * self._person_cum[-1])]

    def tags(self, rng: random.Random, n: int) -> list[int]:
        """Up to ``n`` distinct tags, popular ones more often (a Zipf-like long tail)."""
        picked: dict[int, None] = {}
        total = self._tag_cum[-1]
        for _ in range(n * 2):
            picked[self.tag_ids[bisect_left(self._tag_cum, rng.random() * total)]] = None
            if len(picked) == n:
                break
        return list(picked)


def _organisation_name(rng: random.Random, kind: str) -> str:
    form = rng.choice(words.ORG_FORMS[kind])
    return form.format(
        p=rng.choice(words.PLACES), t=rng.choice(words.THEMES), s=rng.choice(words.SUPPLIER_STEMS)
    )


def organisations(
    rng: random.Random, sink: Sink, phase: Phase, n: int, now: datetime, com: Community
) -> None:
    """``n`` organisations of every kind; a few still wait for an admin's approval."""
    kinds, cum = words.weighted(KIND_SHARES)
    countries, country_cum = words.weighted(words.COUNTRIES)
    slugs = Unique(Organisation.slug, max_length=120)
    table = Organisation.__table__
    rows = []
    for i, org_id in enumerate(sink.ids(table, n)):
        kind = kinds[i] if i < len(kinds) else rng.choices(kinds, cum_weights=cum)[0]
        name = _organisation_name(rng, kind)
        slug = slugs.take(name)
        created = now - timedelta(days=rng.randint(30, 2500))
        approved = rng.random() > 0.03 or i < len(kinds)
        country = rng.choices(countries, cum_weights=country_cum)[0]
        rows.append(
            {
                "id": org_id,
                "name": name,
                "slug": slug,
                "kind": OrganisationKind(kind),
                "country": country,
                "website": f"https://{slug}.example.org",
                "approved_at": created + timedelta(hours=5) if approved else None,
                "domains": f"{slug}.example.org",
                "created_at": created,
                "updated_at": created,
            }
        )
        com.org_ids.append(org_id)
        com.org_kind[org_id] = kind
        com.org_country[org_id] = country
        com.org_slug[org_id] = slug
        if approved:
            com.approved_org_ids.add(org_id)
        if kind == "supplier" and approved:
            com.supplier_org_ids.append(org_id)
    sink.write(phase, "Organisations", table, rows)


def people(
    rng: random.Random,
    sink: Sink,
    phase: Phase,
    n: int,
    now: datetime,
    com: Community,
    password_hash: str,
    renderer: Renderer,
) -> None:
    """``n`` people: mostly members of an organisation, organisers, suppliers, a few moderators."""
    table = User.__table__
    handles = Unique(User.handle, key=skeleton, max_length=HANDLE_MAX)
    emails = Unique(User.email, max_length=254)
    bios = [words.paragraph(rng, 2) for _ in range(min(200, max(n // 5, 1)))]
    org_cum = list(itertools.accumulate(1 / (r + 3) for r in range(len(com.org_ids))))
    moderators = max(2, n // 400)
    rows = []
    for i, user_id in enumerate(sink.ids(table, n)):
        first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
        org_id = (
            None
            if rng.random() < 0.05
            else com.org_ids[bisect_left(org_cum, rng.random() * org_cum[-1])]
        )
        handle = handles.take(f"{first}-{last}")
        domain = f"{com.org_slug[org_id]}.example.org" if org_id else "example.net"
        email = emails.take(f"{handle}@{domain}", slug=False)
        if i == 0:
            role = Role.ADMIN
        elif i <= moderators:
            role = Role.MODERATOR
        elif org_id and com.org_kind[org_id] == "supplier":
            role = Role.SUPPLIER
        elif rng.random() < 0.04:
            role = Role.ORGANISER
        else:
            role = Role.MEMBER
        created = now - timedelta(days=rng.randint(1, 2000), minutes=rng.randint(0, 1439))
        verified = org_id is not None and rng.random() < 0.96
        bio = rng.choice(bios) if rng.random() < 0.3 else ""
        rows.append(
            {
                "id": user_id,
                "email": email,
                "display_name": f"{first} {last}",
                "password_hash": password_hash,
                "role": role,
                "organisation_id": org_id,
                "job_title": rng.choice(words.JOB_TITLES),
                **renderer.columns("bio", bio),
                **renderer.version(),
                "active": rng.random() > 0.005,
                "email_verified_at": created + timedelta(minutes=10),
                "last_login_at": now - timedelta(days=rng.randint(0, 300)),
                "session_token": f"populate-{user_id}-{rng.getrandbits(64):x}",
                "handle": handle,
                "handle_key": skeleton(handle),
                "membership_verified_at": created + timedelta(hours=1) if verified else None,
                "created_at": created,
                "updated_at": created,
            }
        )
        if rows[-1]["active"]:
            com.people.append(user_id)
            # As User.verified_organisation: a verified member of an approved organisation.
            shown = verified and org_id in com.approved_org_ids
            com.person_org[user_id] = org_id if shown else None
            if role in (Role.ORGANISER, Role.ADMIN, Role.MODERATOR):
                com.organisers.append(user_id)
            if role in (Role.MODERATOR, Role.ADMIN):
                com.moderators.append(user_id)
    rng.shuffle(com.people)  # activity does not follow sign-up order
    sink.write(phase, "People", table, rows)


def tags(rng: random.Random, sink: Sink, phase: Phase, n: int, com: Community) -> None:
    """``n`` tags, technologies and topics, the real names first (they are used most)."""
    table = Tag.__table__
    slugs = Unique(Tag.slug, max_length=60)
    names: list[tuple[str, bool]] = [(t, True) for t in words.TECHNOLOGIES]
    names += [(t.replace("-", " "), False) for t in words.TOPIC_WORDS]
    rng.shuffle(names)
    combos = [
        (f"{q} {t.replace('-', ' ')}", False)
        for q in words.TOPIC_QUALIFIERS
        for t in words.TOPIC_WORDS
    ]
    rng.shuffle(combos)
    names += combos
    rows = []
    ids = iter(sink.ids(table, n))
    for i in range(n):
        name, tech = names[i] if i < len(names) else (f"topic {i}", False)
        tag_id = next(ids)
        rows.append(
            {
                "id": tag_id,
                "slug": slugs.take(name),
                "name": name,
                "kind": TagKind.TECHNOLOGY if tech else TagKind.TOPIC,
            }
        )
        com.tag_ids.append(tag_id)
        com.tag_name[tag_id] = name
        com.tag_is_technology[tag_id] = tech
    sink.write(phase, "Tags", table, rows)
