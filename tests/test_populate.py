"""`dpse demo populate`: a generated community in the right proportions, the same for the same
seed, with every stored value the services would have written, and pages that render it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dpse.accounts import service as accounts
from dpse.accounts.handles import skeleton
from dpse.accounts.models import Organisation, User
from dpse.accounts.roles import Role
from dpse.casestudies.models import CaseStudy, Outcome, Status
from dpse.cli import cli
from dpse.content import PIPELINE_VERSION, render
from dpse.events.models import Event, Registration, RegistrationStatus
from dpse.extensions import db
from dpse.forum.models import Category, Post, Thread
from dpse.populate import PopulateError, populate, shape_for
from dpse.rendering import count_stale
from dpse.search.engine import current_engine
from dpse.tags.models import Tag

SCALE = 0.02
DAY = date(2026, 3, 2)


def test_shapes_follow_the_issue():
    s1, s10 = shape_for(1), shape_for(10)
    assert (s1.case_studies, s1.events, s1.posts, s1.tags) == (2000, 500, 20000, 350)
    assert (s10.case_studies, s10.events, s10.posts, s10.organisations) == (
        20000,
        5000,
        200000,
        1500,
    )
    assert 2900 <= s10.tags <= 3100
    with pytest.raises(PopulateError):
        shape_for(0)


def test_counts_come_in_realistic_proportions(app):
    populate(SCALE, seed=3, today=DAY)
    shape = shape_for(SCALE)
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert count(CaseStudy) == shape.case_studies
    assert count(Event) == shape.events
    assert count(Post) == shape.posts
    assert count(Tag) == shape.tags
    assert count(Organisation) == shape.organisations
    assert count(User) == shape.people

    statuses = Counter(db.session.scalars(select(CaseStudy.status)))
    assert statuses[Status.PUBLISHED] > shape.case_studies / 2
    assert statuses[Status.DRAFT] > 0
    assert {o for o in db.session.scalars(select(CaseStudy.outcome))} >= {
        Outcome.SUCCESS,
        Outcome.FAILURE,
    }
    roles = Counter(db.session.scalars(select(User.role)))
    assert roles[Role.MODERATOR] >= 2 and roles[Role.ORGANISER] >= 1 and roles[Role.SUPPLIER] >= 1
    kinds = set(db.session.scalars(select(Organisation.kind)))
    assert len(kinds) == 8  # every kind of organisation

    # Tags have a long tail: the most used is on many times as many case studies as the least.
    uses = sorted(
        db.session.execute(
            select(func.count())
            .select_from(CaseStudy.__table__.join(CaseStudy.tags.property.secondary))
            .group_by(CaseStudy.tags.property.secondary.c.tag_id)
        ).scalars(),
        reverse=True,
    )
    assert uses[0] >= 3 * uses[-1]

    lengths = sorted(db.session.scalars(select(Thread.reply_count)), reverse=True)
    assert lengths[0] >= 20 and lengths[-1] == 0  # some long threads, some unanswered
    assert db.session.scalar(select(func.count()).where(Post.hidden_at.is_not(None))) >= 1
    assert db.session.scalar(select(func.count()).where(Post.held_for_review)) >= 1


def test_stored_values_are_what_the_services_keep(app):
    populate(SCALE, seed=5, today=DAY)
    assert sum(count_stale().values()) == 0
    post = db.session.scalars(select(Post).order_by(Post.id).limit(1)).one()
    assert post.body_html == render(post.body).html and post.body_text == render(post.body).text
    assert post.render_version == PIPELINE_VERSION
    cs = db.session.scalars(select(CaseStudy).order_by(CaseStudy.id).limit(1)).one()
    assert cs.challenge_html == render(cs.challenge).html
    for user in db.session.scalars(select(User)):
        assert user.handle_key == skeleton(user.handle)
    # Written for an organisation only by its verified members, once it is approved.
    for case_study in db.session.scalars(select(CaseStudy)):
        assert case_study.organisation is None or case_study.organisation.is_approved
    for thread in db.session.scalars(select(Thread)):
        public = [
            p
            for p in db.session.scalars(select(Post).where(Post.thread_id == thread.id))
            if p.is_public
        ]
        assert thread.reply_count == max(len(public) - 1, 0)
        if public:
            assert thread.last_activity_at == max(p.created_at for p in public)
    for event in db.session.scalars(select(Event)):
        regs = list(
            db.session.scalars(
                select(Registration)
                .where(Registration.event_id == event.id)
                .order_by(Registration.position)
            )
        )
        going = [r for r in regs if r.status == RegistrationStatus.GOING]
        assert event.going_count == len(going)
        assert event.capacity is None or event.going_count <= event.capacity
        if any(r.status == RegistrationStatus.WAITLISTED for r in regs):
            assert event.is_full  # a waitlist only behind a full event
        assert [r.position for r in regs] == list(range(1, len(regs) + 1))
    # The app's own writes carry on after the generated ids (PostgreSQL sequences moved on).
    org = db.session.scalars(select(Organisation).order_by(Organisation.id)).first()
    user = accounts.create_user(
        "new@example.org", "New Person", "a long password!", Role.MEMBER, org
    )
    assert user.id > max(db.session.scalars(select(User.id).where(User.id != user.id)))


def _digest() -> str:
    digest = hashlib.sha256()
    for model in (Organisation, User, Tag, CaseStudy, Event, Registration, Category, Thread, Post):
        table = model.__table__
        skip = {"session_token", "password_hash", "updated_at"} & set(table.c.keys())
        columns = [c for c in table.c if c.key not in skip]
        for row in db.session.execute(select(*columns).order_by(table.c.id)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def _empty() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def test_the_same_seed_gives_the_same_community(app):
    populate(SCALE, seed=11, today=DAY)
    first = _digest()
    _empty()
    populate(SCALE, seed=11, today=DAY)
    assert _digest() == first
    _empty()
    populate(SCALE, seed=12, today=DAY)
    assert _digest() != first


def test_a_database_with_content_is_refused_unless_forced(app):
    populate(SCALE, seed=1, today=DAY)
    with pytest.raises(PopulateError, match="--force"):
        populate(SCALE, seed=1, today=DAY)
    before = db.session.scalar(select(func.count(CaseStudy.id)))
    populate(SCALE, seed=1, today=DAY, force=True)  # the same names again: slugs stay unique
    assert db.session.scalar(select(func.count(CaseStudy.id))) == 2 * before
    slugs = list(db.session.scalars(select(CaseStudy.slug)))
    assert len(slugs) == len(set(slugs))


def test_pages_of_the_generated_community_render(app, client):
    result = CliRunner().invoke(cli, ["demo", "populate", "--scale", str(SCALE)])
    assert result.exit_code == 0, result.output
    assert "Indexed" in result.output
    cs = db.session.scalars(
        select(CaseStudy).where(CaseStudy.status == Status.PUBLISHED).order_by(CaseStudy.id)
    ).first()
    event = db.session.scalars(select(Event).order_by(Event.id)).first()
    thread = db.session.scalars(
        select(Thread)
        .where(Thread.visible, Thread.case_study_id.is_(None))
        .order_by(Thread.reply_count.desc())
    ).first()
    category = db.session.get(Category, thread.category_id)
    tag = db.session.scalars(select(Tag).order_by(Tag.id)).first()
    org = db.session.scalars(
        select(Organisation).where(Organisation.approved_at.is_not(None)).order_by(Organisation.id)
    ).first()
    person = db.session.scalars(select(User).where(User.active).order_by(User.id)).first()
    word = cs.title.split()[-1]
    pages = [
        "/",
        "/case-studies",
        "/case-studies?outcome=failure",
        f"/case-studies/{cs.slug}",
        "/events",
        f"/events/{event.slug}",
        "/forum",
        f"/forum/{category.slug}",
        f"/forum/t/{thread.id}-{thread.slug}",
        f"/tags/{tag.slug}",
        f"/search?q={word}",
        "/people",
        f"/people/{person.handle}",
        "/organisations",
        f"/organisations/{org.slug}",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    assert cs.title in client.get(f"/search?q={word}").get_data(as_text=True)
    assert current_engine() is not None


def test_production_never_generates_a_community(tmp_path):
    env = {
        "DPSE_ENV": "production",
        "DPSE_SECRET_KEY": "p" * 40,
        "DPSE_INSTANCE_PATH": str(tmp_path),
        "DPSE_BASE_URL": "https://exchange.example.org",
    }
    env |= {k: v for k, v in os.environ.items() if not k.startswith("DPSE_")}
    result = subprocess.run(
        [sys.executable, "-c", "from dpse.cli import main; main()", "demo", "populate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1
    assert "never loaded when DPSE_ENV=production" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
