"""How case studies appear in search: only published ones, as one document each."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select

from dpse.casestudies.models import CaseStudy, Outcome, Sector, Status
from dpse.casestudies.queries import card_options
from dpse.extensions import db
from dpse.search.engine import Source, in_batches
from dpse.search.schema import SearchDocument
from dpse.urls import path_for


def to_doc(cs: CaseStudy) -> SearchDocument:
    """The search document for one published case study."""
    sections = (cs.challenge_text, cs.what_we_built_text, cs.results_text, cs.lessons_learned_text)
    body = "\n\n".join(text for text in sections if text)
    return SearchDocument(
        type="case_study",
        id=cs.id,
        title=cs.title,
        summary=cs.summary,
        body=body,
        url=path_for("casestudies.show", slug=cs.slug),
        date=cs.published_at or cs.created_at,
        tags=[(t.slug, t.name) for t in cs.tags],
        sector=cs.sector.value,
        country=cs.country,
        outcome=cs.outcome.value,
        organisation=cs.organisation.name if cs.organisation else "",
        language=cs.language,
    )


def _published():
    return select(CaseStudy).where(CaseStudy.status == Status.PUBLISHED).options(*card_options())


def load(ids: list[int]) -> dict[int, SearchDocument]:
    """Documents for the published case studies among ids (the rest leave the index)."""
    rows = db.session.scalars(_published().where(CaseStudy.id.in_(ids))).unique()
    return {cs.id: to_doc(cs) for cs in rows}


def iter_all(batch: int = 200) -> Iterator[SearchDocument]:
    """Every published case study, in id order, a batch at a time."""
    for rows in in_batches(_published(), CaseStudy.id, batch):
        yield from (to_doc(cs) for cs in rows)


def count_public() -> int:
    """How many documents the index should hold for case studies."""
    return (
        db.session.scalar(
            select(func.count(CaseStudy.id)).where(CaseStudy.status == Status.PUBLISHED)
        )
        or 0
    )


def facet_labels(name: str, values: list[str]) -> dict[str, str]:
    """What people call the case-study facet values the search page lists ("Local
    government", not ``local-government``); other facets are not case studies' to name."""
    kinds: dict[str, type[Sector] | type[Outcome]] = {"sector": Sector, "outcome": Outcome}
    kind = kinds.get(name)
    if kind is None:
        return {}
    known = {member.value: member.label for member in kind}
    return {value: known[value] for value in values if value in known}


SOURCE = Source("case_study", load, iter_all, count_public)
