"""Thin factories for case-study tests, calling the real service functions."""

from __future__ import annotations

from sqlalchemy import select

from dpse.accounts.models import User
from dpse.accounts.roles import Role
from dpse.casestudies import service
from dpse.casestudies.models import CaseStudy, Outcome, Sector
from dpse.extensions import db


def case_study_data(**overrides) -> service.CaseStudyData:
    """Valid data for a case study, with overrides."""
    values = {
        "title": "Moving the council website to LocalGov Drupal",
        "summary": "We moved 3,000 pages to LocalGov Drupal in nine months.",
        "sector": Sector.LOCAL_GOVERNMENT,
        "outcome": Outcome.SUCCESS,
        "country": "United Kingdom",
        "challenge": "An ageing proprietary CMS.",
        "what_we_built": "A **LocalGov Drupal** site.",
        "results": "Faster pages.",
        "technologies": ["Drupal", "LocalGov Drupal"],
        "topics": ["content migration"],
    }
    values.update(overrides)
    return service.CaseStudyData(**values)


def make_case_study(author, status: str = "draft", moderator=None, **overrides) -> CaseStudy:
    """A case study by ``author`` taken through the workflow up to ``status``.

    Publishing, returning and archiving need a moderator (the service checks): without one
    given, the first moderator account does it.
    """
    cs = service.create_case_study(author, case_study_data(**overrides))
    if moderator is None and status in ("published", "returned", "archived"):
        moderator = db.session.scalar(
            select(User).where(User.role.in_((Role.MODERATOR, Role.ADMIN))).order_by(User.id)
        )
    if status in ("submitted", "published", "returned", "archived"):
        service.submit(author, cs)
    if status in ("published", "archived"):
        service.publish(moderator, cs)
    if status == "returned":
        service.return_for_changes(moderator, cs, "Please add results")
    if status == "archived":
        service.archive(moderator, cs)
    return cs


# What a person types into the case-study form (a failure story), for view tests.
FORM = {
    "title": "Our failed search project",
    "summary": "We built our own search and threw it away.",
    "outcome": "failure",
    "sector": "local-government",
    "country": "United Kingdom",
    "challenge": "Residents could not find anything.",
    "what_we_built": "A bespoke search.",
    "results": "Abandoned after a year.",
    "lessons_learned": "Use **Solr**.",
    "technologies": "Drupal, Solr",
    "topics": "search",
    "budget_band": "50k-250k",
}
