"""Case-study rules without a browser: validation, workflow, revisions, slugs, reuse, helpful."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dpse.casestudies import queries, service
from dpse.casestudies.models import CaseStudy, CaseStudyRevision, Outcome, Status
from dpse.extensions import db
from dpse.mail import OutboxEmail
from tests.casestudies.factories import make_case_study


def test_create_makes_a_draft_with_a_first_revision(users):
    cs = make_case_study(users["member"])
    assert cs.status == Status.DRAFT
    assert cs.slug == "moving-the-council-website-to-localgov-drupal"
    assert cs.organisation.name == "Testshire Council"
    assert [a.user for a in cs.authors] == [users["member"]]
    assert [t.name for t in cs.technologies] == ["Drupal", "LocalGov Drupal"]
    assert [t.name for t in cs.topics] == ["content migration"]
    (revision,) = queries.revisions(cs)
    assert revision.number == 1 and revision.editor == users["member"]
    assert revision.content["title"] == cs.title


@pytest.mark.parametrize("outcome", [Outcome.FAILURE, Outcome.MIXED])
def test_lessons_learned_are_required_for_failures_and_mixed(users, outcome):
    with pytest.raises(service.CaseStudyError) as err:
        make_case_study(users["member"], outcome=outcome, lessons_learned="  ")
    assert err.value.field == "lessons_learned"
    assert db.session.scalars(select(CaseStudy)).all() == []
    cs = make_case_study(users["member"], outcome=outcome, lessons_learned="Start smaller.")
    assert cs.outcome == outcome


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"summary": "x" * 301}, "summary"),
        ({"repository_url": "javascript:alert(1)"}, "repository_url"),
        ({"live_url": "ftp://example.org"}, "live_url"),
        ({"adapted_from_slugs": ["no-such-case-study"]}, "adapted_from_slugs"),
        ({"supplier_slugs": ["testshire-council"]}, "supplier_slugs"),
        ({"co_author_emails": ["nobody@nowhere.gov.uk"]}, "co_authors"),
        ({"slug": "Not A Slug"}, "slug"),
    ],
)
def test_invalid_data_names_the_field(users, overrides, field):
    with pytest.raises(service.CaseStudyError) as err:
        make_case_study(users["member"], **overrides)
    assert err.value.field == field


def test_go_live_before_start_is_refused(users):
    from datetime import date

    with pytest.raises(service.CaseStudyError, match="on or after the start date"):
        make_case_study(users["member"], started_on=date(2024, 5, 1), live_on=date(2024, 1, 1))


def test_workflow_publish_and_return_notify_the_authors(users):
    member, moderator = users["member"], users["moderator"]
    cs = make_case_study(member, status="submitted")
    assert cs.status == Status.SUBMITTED and cs.submitted_at is not None
    service.return_for_changes(moderator, cs, "Add the costs please")
    assert cs.status == Status.RETURNED and cs.return_reason == "Add the costs please"
    service.submit(member, cs)
    service.publish(moderator, cs)
    assert cs.status == Status.PUBLISHED and cs.published_at is not None
    subjects = [m.subject for m in db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id))]
    assert subjects == [f"Changes requested: {cs.title}", f"Published: {cs.title}"]


def test_return_needs_a_reason(users):
    cs = make_case_study(users["member"], status="submitted")
    with pytest.raises(service.CaseStudyError, match="Say what"):
        service.return_for_changes(users["moderator"], cs, " ")
    assert cs.status == Status.SUBMITTED


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("draft", "publish"),
        ("published", "submit"),
        ("draft", "archive"),
        ("published", "return"),
        ("archived", "submit"),
    ],
)
def test_impossible_transitions_are_refused(users, status, action):
    cs = make_case_study(users["member"], status=status, moderator=users["moderator"])
    call = {
        "publish": lambda: service.publish(users["moderator"], cs),
        "submit": lambda: service.submit(users["member"], cs),
        "archive": lambda: service.archive(users["member"], cs),
        "return": lambda: service.return_for_changes(users["moderator"], cs, "why"),
    }[action]
    with pytest.raises(service.CaseStudyError):
        call()
    assert cs.status.value == status


def test_editing_a_published_case_study_keeps_it_published_with_a_revision(users):
    member = users["member"]
    cs = make_case_study(member, status="published", moderator=users["moderator"])
    data = service.data_from(cs)
    data.results = "Pages load in 0.8 s instead of 3 s."
    assert service.update_case_study(member, cs, data)
    assert cs.status == Status.PUBLISHED
    latest = queries.revisions(cs)[0]
    assert latest.number == 2 and latest.note == "Changed results"
    assert latest.content["results"] == "Pages load in 0.8 s instead of 3 s."


def test_saving_without_changes_records_no_revision(users):
    cs = make_case_study(users["member"])
    assert not service.update_case_study(users["member"], cs, service.data_from(cs))
    assert len(queries.revisions(cs)) == 1


def test_slug_follows_the_title_until_published_then_stays(users):
    member = users["member"]
    cs = make_case_study(member)
    data = service.data_from(cs)
    data.title, data.slug = "A better title", ""
    service.update_case_study(member, cs, data)
    assert cs.slug == "a-better-title"
    assert queries.find_by_slug("moving-the-council-website-to-localgov-drupal", member) == (
        None,
        "a-better-title",
    )
    service.submit(member, cs)
    service.publish(users["moderator"], cs)
    data = service.data_from(cs)
    data.title, data.slug = "An even better title", ""
    service.update_case_study(member, cs, data)
    assert cs.slug == "a-better-title"  # stable once published


def test_explicit_slug_change_redirects_the_old_one_and_can_go_back(users):
    member = users["member"]
    cs = make_case_study(member)
    data = service.data_from(cs)
    data.slug = "short-name"
    service.update_case_study(member, cs, data)
    assert queries.find_by_slug("moving-the-council-website-to-localgov-drupal", member)[1] == (
        "short-name"
    )
    data.slug = "moving-the-council-website-to-localgov-drupal"
    service.update_case_study(member, cs, data)
    assert cs.slug == "moving-the-council-website-to-localgov-drupal"
    assert queries.find_by_slug("short-name", member)[1] == cs.slug


def test_restore_revision_brings_back_old_content_as_a_new_revision(users):
    member, moderator = users["member"], users["moderator"]
    cs = make_case_study(member)
    data = service.data_from(cs)
    data.results = "Vandalised"
    service.update_case_study(member, cs, data)
    service.restore_revision(moderator, cs, 1)
    assert cs.results == "Faster pages."
    assert [r.note for r in queries.revisions(cs)] == [
        "Restored revision 1",
        "Changed results",
        "Created",
    ]
    with pytest.raises(service.CaseStudyError, match="already matches"):
        service.restore_revision(moderator, cs, 1)


def test_adapted_from_counts_only_published_reusers(users):
    member, moderator = users["member"], users["moderator"]
    original = make_case_study(member, status="published", moderator=moderator)
    reuse = make_case_study(
        users["supplier"], title="Reusing it", adapted_from_slugs=[original.slug]
    )
    assert original.reused_by == [reuse]
    db.session.refresh(original)
    assert original.reuse_count == 0  # the reuse is still a draft
    service.submit(users["supplier"], reuse)
    service.publish(moderator, reuse)
    db.session.refresh(original)
    assert original.reuse_count == 1
    service.archive(moderator, reuse)
    db.session.refresh(original)
    assert original.reuse_count == 0


def test_adapting_from_a_pasted_address(users):
    original = make_case_study(users["member"], status="published", moderator=users["moderator"])
    reuse = make_case_study(
        users["supplier"],
        title="Pasted",
        adapted_from_slugs=[f"https://dpse.test/case-studies/{original.slug}/"],
    )
    assert reuse.adapted_from == [original]


def test_co_authors_and_supplier_label(users):
    cs = make_case_study(users["member"], co_author_emails=["SUPPLIER@testshire.gov.uk"])
    assert [u.email for u in cs.author_users] == [
        "member@testshire.gov.uk",
        "supplier@testshire.gov.uk",
    ]
    assert cs.supplier_written


def test_helpful_toggles_once_per_person(users):
    cs = make_case_study(users["member"], status="published", moderator=users["moderator"])
    assert service.toggle_helpful(users["supplier"], cs) is True
    assert service.toggle_helpful(users["organiser"], cs) is True
    assert cs.helpful_count == 2
    assert service.toggle_helpful(users["supplier"], cs) is False
    assert cs.helpful_count == 1


def test_delete_draft_removes_everything(users):
    cs = make_case_study(users["member"])
    service.delete_draft(users["member"], cs)
    assert db.session.scalars(select(CaseStudy)).all() == []
    assert db.session.scalars(select(CaseStudyRevision)).all() == []


@pytest.mark.parametrize("title", ["New", "Mine", "Import"])
def test_a_title_that_names_a_page_of_the_site_gets_an_address_of_its_own(
    client, users, title
):
    from tests.casestudies.factories import case_study_data

    cs = make_case_study(users["member"], "published", title=title)
    assert cs.slug == f"{title.lower()}-case-study"
    assert client.get(f"/case-studies/{cs.slug}").status_code == 200
    # A draft renamed to one follows its title the same way.
    draft = make_case_study(users["member"], "draft", title="Something else")
    service.update_case_study(users["member"], draft, case_study_data(title=title))
    assert draft.slug.startswith(f"{title.lower()}-case-study")
    # An address asked for outright is refused with a reason.
    with pytest.raises(service.CaseStudyError, match="page of the site"):
        service.update_case_study(
            users["member"], draft, case_study_data(title=title, slug=title.lower())
        )
