"""Case-study reads: the list (filters, facet counts and sorting in a fixed number of queries),
the cards other pages show, who may see what, revisions and helpful marks.

About 430 lines: the list's filters and facets are most of it, and the sections other pages
show (tags, organisations, profiles) reuse the same card query; splitting them would copy it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    Select,
    String,
    and_,
    cast,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import defer, joinedload, selectinload
from sqlalchemy.sql.elements import ColumnElement

from dpse.accounts import queries as accounts_queries
from dpse.accounts.models import Organisation, User
from dpse.accounts.queries import Section
from dpse.casestudies.models import (
    CaseStudy,
    CaseStudyAuthor,
    CaseStudyRevision,
    CaseStudySlug,
    HelpfulMark,
    Outcome,
    Sector,
    Status,
    case_study_supplier,
    case_study_tag,
)
from dpse.extensions import db
from dpse.notifications.models import TargetType
from dpse.notifications.queries import FollowTarget
from dpse.pagecache import GenerationMemo
from dpse.permissions import can_moderate
from dpse.search.engine import current_engine
from dpse.search.search_request import ProjectFilters, url_values
from dpse.tags.models import Tag, TagKind
from dpse.urls import path_for

SORTS = {
    "newest": ("Newest", [CaseStudy.published_at.desc(), CaseStudy.id.desc()]),
    "updated": ("Recently updated", [CaseStudy.content_updated_at.desc(), CaseStudy.id.desc()]),
    "reused": ("Most reused", [CaseStudy.reuse_count.desc(), CaseStudy.published_at.desc()]),
    "helpful": ("Most helpful", [CaseStudy.helpful_count.desc(), CaseStudy.published_at.desc()]),
}
FACETS = ("outcome", "sector", "technology", "topic", "country", "supplier", "year")
MAX_QUERY = 200
FACET_VALUES = 30  # the most frequent values listed per tag and supplier facet


@dataclass(frozen=True)
class Filters(ProjectFilters):
    """What the visitor narrowed the list to; every value comes from the URL."""

    technology: str = ""
    topic: str = ""
    supplier: str = ""

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        """Read filters from request.args, ignoring junk rather than failing."""
        values = url_values(args, FACETS)
        values["q"] = str(args.get("q", "")).strip()[:MAX_QUERY]
        if values["outcome"] not in {o.value for o in Outcome}:
            values["outcome"] = ""
        if values["sector"] not in {s.value for s in Sector}:
            values["sector"] = ""
        year = values["year"]
        if not (year.isascii() and year.isdigit() and len(year) <= 4):  # "²".isdigit() too
            values["year"] = ""
        return cls(**values)

    def active(self) -> dict[str, str]:
        """The filters in use, for the URL and 'remove filter' links."""
        return {k: getattr(self, k) for k in (*FACETS, "q") if getattr(self, k)}

    def narrows(self, skip: str = "") -> bool:
        """Whether any filter but ``skip`` leaves out some published case studies."""
        return any(name != skip for name in self.active())


@dataclass
class FacetValue:
    """One choice within a facet, with how many case studies it would show."""

    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Listing:
    """One page of results plus the facets."""

    items: list[CaseStudy]
    total: int
    page: int
    per_page: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def _filtered(filters: Filters, skip: str = "", text_ids: list[int] | None = None) -> Select[Any]:
    """IDs of published case studies matching every filter except ``skip``."""
    return _matching(select(CaseStudy.id), filters, skip, text_ids)


def _matching(
    stmt: Select[Any], filters: Filters, skip: str = "", text_ids: list[int] | None = None
) -> Select[Any]:
    """``stmt`` (on case_study) narrowed to the published ones matching every filter but
    ``skip``."""
    stmt = stmt.where(CaseStudy.status == Status.PUBLISHED)
    for name in COLUMN_FACETS:
        if getattr(filters, name) and skip != name:
            column = getattr(CaseStudy, name)
            stmt = stmt.where(_column_condition(name, column, getattr(filters, name)))
    for name in ("technology", "topic"):
        if getattr(filters, name) and skip != name:
            tagged = (
                select(case_study_tag.c.case_study_id)
                .join(Tag, Tag.id == case_study_tag.c.tag_id)
                .where(Tag.slug == getattr(filters, name))
            )
            stmt = stmt.where(CaseStudy.id.in_(tagged))
    if filters.supplier and skip != "supplier":
        supplied = (
            select(case_study_supplier.c.case_study_id)
            .join(Organisation, Organisation.id == case_study_supplier.c.organisation_id)
            .where(Organisation.slug == filters.supplier)
        )
        stmt = stmt.where(CaseStudy.id.in_(supplied))
    if filters.q:
        # The same index and parser as the search page (ids come from Whoosh, once per page).
        stmt = stmt.where(CaseStudy.id.in_(text_ids if text_ids is not None else []))
    return stmt


COLUMN_FACETS = ("outcome", "sector", "country", "year")


def _column_condition(name: str, column: Any, wanted: str) -> ColumnElement[bool]:
    """A column facet's filter on ``column`` (the table's or a subquery's), as ``_matching``
    says it."""
    if name == "country":
        return func.lower(column) == wanted.lower()
    if name == "year":
        return column == int(wanted)
    return column == (Outcome if name == "outcome" else Sector)(wanted)


def _column_facets(filters: Filters, text_ids: list[int] | None) -> dict[str, list[FacetValue]]:
    """Outcome, sector, country and year in one statement: the case studies matching every
    other filter, counted once per combination of the four (a few thousand groups at S10,
    whatever the list's length); then each facet sums, in SQL, the combinations that pass the
    *other* three. About 50 rows come back, where summing the combinations in Python cost
    7 ms a page at S10."""
    columns = (CaseStudy.outcome, CaseStudy.sector, CaseStudy.country, CaseStudy.year)
    without = replace(filters, **dict.fromkeys(COLUMN_FACETS, ""))
    # Straight on the table (no id subquery), so ix_case_study_facets covers it when only
    # tags, suppliers or text narrow the list. Used four times: both databases materialise it.
    counted = _matching(select(*columns, func.count().label("n")), without, text_ids=text_ids)
    chosen = [name for name in COLUMN_FACETS if getattr(filters, name)]
    if len(chosen) > 1:
        # Only case studies some facet counts: those failing at most one chosen filter.
        column = dict(zip(COLUMN_FACETS, columns, strict=True))
        counted = counted.where(
            or_(
                *(
                    and_(
                        *(
                            _column_condition(other, column[other], getattr(filters, other))
                            for other in chosen
                            if other != skipped
                        )
                    )
                    for skipped in chosen
                )
            )
        )
    combinations = counted.group_by(*columns).cte("combinations")
    parts = []
    for number, name in enumerate(COLUMN_FACETS):
        value = combinations.c[name]
        others = [
            _column_condition(other, combinations.c[other], getattr(filters, other))
            for other in COLUMN_FACETS
            if other != name and getattr(filters, other)
        ]
        # As text, so the four parts' values share one column.
        shown = cast(value, String) if name == "year" else type_coerce(value, String)
        parts.append(
            select(literal(number), shown, func.sum(combinations.c.n))
            .where(value.is_not(None), *others)
            .group_by(value)
        )
    per_facet: list[list[tuple[str, int]]] = [[] for _ in COLUMN_FACETS]
    for number, value, n in db.session.execute(union_all(*parts)):
        if value:  # no country given
            per_facet[number].append((value, int(n)))
    labels = {"outcome": lambda v: Outcome(v).label, "sector": lambda v: Sector(v).label}
    facets: dict[str, list[FacetValue]] = {}
    for number, name in enumerate(COLUMN_FACETS):
        selected = getattr(filters, name)
        facets[name] = sorted(
            (
                FacetValue(v, labels.get(name, str)(v), n, v == selected)
                for v, n in per_facet[number]
            ),
            key=lambda f: (-f.count, f.label) if name != "year" else (-int(f.value),),
        )
    return facets


def _tag_facets(filters: Filters, text_ids: list[int] | None) -> dict[str, list[FacetValue]]:
    """The most used technologies and topics, each counted over the list as filtered by every
    other facet: a tag's stored count (kept by triggers) when nothing else narrows the list,
    else counted. While neither kind is chosen both count over the same case studies: one
    statement, which picks each kind's top in SQL (not thousands of rows for Python)."""
    kinds = {"technology": TagKind.TECHNOLOGY, "topic": TagKind.TOPIC}
    chosen = Tag.slug.in_([getattr(filters, name) for name in kinds if getattr(filters, name)])
    top = FACET_VALUES + 1  # one more: _top breaks ties by name, as SQL's collation may not

    def counts(skip: str) -> Any:
        ids = _filtered(filters, skip=skip, text_ids=text_ids).subquery()
        # Counted by tag id first, then named: grouping the joined rows by their names took
        # three times as long at S10.
        return (
            select(case_study_tag.c.tag_id, func.count().label("n"))
            .where(case_study_tag.c.case_study_id.in_(select(ids.c.id)))
            .group_by(case_study_tag.c.tag_id)
            .subquery()
        )

    def one_kind(name: str, kind: TagKind) -> list[Any]:
        if filters.narrows(skip=name):
            counted = counts(name)
            n: Any = counted.c.n
            stmt = select(Tag.kind, Tag.slug, Tag.name, n).join(counted, counted.c.tag_id == Tag.id)
        else:  # over every published case study, in time that does not grow with the list
            n = Tag.published_case_studies
            stmt = select(Tag.kind, Tag.slug, Tag.name, n).where(n > 0)
        # The chosen value sorts first, so it is listed (and shown chosen) even beyond the top.
        stmt = stmt.where(Tag.kind == kind).order_by(chosen.desc(), n.desc(), Tag.name)
        return list(db.session.execute(stmt.limit(top)).all())

    if not (filters.technology or filters.topic) and filters.narrows():
        counted = counts("")
        rank = func.row_number().over(
            partition_by=Tag.kind, order_by=(counted.c.n.desc(), Tag.name)
        )
        ranked = (
            select(Tag.kind, Tag.slug, Tag.name, counted.c.n, rank.label("rank"))
            .join(counted, counted.c.tag_id == Tag.id)
            .subquery()
        )
        both = db.session.execute(
            select(ranked.c.kind, ranked.c.slug, ranked.c.name, ranked.c.n).where(
                ranked.c.rank <= top
            )
        ).all()
        rows = {name: [r for r in both if r[0] == kind] for name, kind in kinds.items()}
    else:
        rows = {name: one_kind(name, kind) for name, kind in kinds.items()}
    return {
        name: [
            FacetValue(slug, tag_name, n, slug == getattr(filters, name))
            for _kind, slug, tag_name, n in _top(rows[name], getattr(filters, name), 1)
        ]
        for name in kinds
    }


def _facet_counts(filters: Filters, text_ids: list[int] | None) -> dict[str, list[FacetValue]]:
    """Each facet counted over the list as filtered by all the *other* facets."""
    facets = _column_facets(filters, text_ids) | _tag_facets(filters, text_ids)
    if filters.narrows(skip="supplier"):
        ids = _filtered(filters, skip="supplier", text_ids=text_ids).subquery()
        # Counted by organisation id, then named (as the tags are): 2.8 -> 2.2 ms at S10.
        counted = (
            select(case_study_supplier.c.organisation_id, func.count().label("n"))
            .where(case_study_supplier.c.case_study_id.in_(select(ids.c.id)))
            .group_by(case_study_supplier.c.organisation_id)
            .subquery()
        )
        count: Any = counted.c.n
        stmt = select(Organisation.slug, Organisation.name, count).join(
            counted, counted.c.organisation_id == Organisation.id
        )
    else:  # over every published case study: each supplier's own count (kept by triggers)
        count = Organisation.published_case_studies_supplied
        stmt = select(Organisation.slug, Organisation.name, count).where(count > 0)
    rows = db.session.execute(
        stmt.order_by(
            (Organisation.slug == filters.supplier).desc(), count.desc(), Organisation.name
        ).limit(FACET_VALUES + 1)
    ).all()
    facets["supplier"] = [
        FacetValue(slug, name, n, slug == filters.supplier)
        for slug, name, n in _top(list(rows), filters.supplier)
    ]
    return facets


def _top(rows: list[Any], chosen: str, at: int = 0) -> list[Any]:
    """The FACET_VALUES most used of rows (slug at ``at``, then name and count), plus the
    chosen one when it is not among them (queries sort it first, so it is in ``rows`` if it
    counts anything)."""
    top = sorted(rows, key=lambda r: (-r[at + 2], r[at + 1]))[:FACET_VALUES]
    return top + [r for r in rows if r[at] == chosen and r not in top]


def card_options() -> list[Any]:
    """Eager loads for showing case studies as cards (no query per card)."""
    return [
        joinedload(CaseStudy.organisation),
        selectinload(CaseStudy.tags),
        selectinload(CaseStudy.authors)
        .joinedload(CaseStudyAuthor.user)
        .joinedload(User.organisation),
    ]


# What a card never shows: the four sections as written, as HTML and as text, and a returned
# draft's reason. Left out of pages of cards (8.5 KB a case study at S10: 170 KB for a page of
# 20); read by mistake, they raise instead of loading one by one.
_NOT_ON_CARDS = tuple(
    getattr(CaseStudy, f"{section}{form}")
    for section in ("challenge", "what_we_built", "results", "lessons_learned")
    for form in ("", "_html", "_text")
) + (CaseStudy.return_reason,)


def card_only_options() -> list[Any]:
    """``card_options`` for a page that shows nothing but the cards."""
    return [*card_options(), *(defer(column, raiseload=True) for column in _NOT_ON_CARDS)]


def list_case_studies(
    filters: Filters, sort: str = "newest", page: int = 1, per_page: int = 20
) -> Listing:
    """A page of published case studies with facet counts."""
    text_ids = current_engine().matching_ids("case_study", filters.q) if filters.q else None
    ids = _filtered(filters, text_ids=text_ids)
    total = db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0
    page = min(max(page, 1), max((total + per_page - 1) // per_page, 1))
    order = SORTS.get(sort, SORTS["newest"])[1]
    # The page's ids first, from the narrow index that serves each sort: sorting whole rows
    # (their texts and HTML) to skip thousands of them took half a second deep in S10's list.
    page_ids = list(
        db.session.scalars(ids.order_by(*order).limit(per_page).offset((page - 1) * per_page))
    )
    loaded = {
        cs.id: cs
        for cs in db.session.scalars(
            select(CaseStudy).where(CaseStudy.id.in_(page_ids)).options(*card_only_options())
        ).unique()
    }
    items = [loaded[i] for i in page_ids if i in loaded]
    if filters.q:  # the text's matches come from the index, which follows the database later
        facets = _facet_counts(filters, text_ids)
    else:
        facets = _FACETS_MEMO.get_or_make(filters, lambda: _facet_counts(filters, None))
    return Listing(items, total, page, per_page, facets)


# The same for everyone until public content changes: seven GROUP BYs over every published
# case study at most once per content generation and combination of filters.
_FACETS_MEMO = GenerationMemo()


def newest_matching(filters: Filters, limit: int, *where: ColumnElement[bool]) -> list[CaseStudy]:
    """The newest published case studies matching the list's filters other than its text
    query (feeds, whose entries carry the sections), loaded whole: three statements."""
    ids = _filtered(replace(filters, q=""))
    return _cards(
        CaseStudy.id.in_(ids),
        *where,
        order_by=(CaseStudy.published_at.desc(), CaseStudy.id.desc()),
        limit=limit,
        whole=True,
    )


def without(filters: Filters, name: str) -> dict[str, str]:
    """URL arguments for the same list with one filter removed."""
    return replace(filters, **{name: ""}).active()


def reader_involved(
    user_id: int, slug: str, discussion: Callable[[str, Any, int], ColumnElement[bool]]
) -> ColumnElement[bool]:
    """Whether a case study's page shows this person something of their own: they wrote it,
    marked it helpful, or (``discussion``, the forum's part) follow it or wrote in its
    comments. A condition the shared page cache of signed-in readers reads in its one
    statement."""
    cs_id = select(CaseStudy.id).where(CaseStudy.slug == slug).scalar_subquery()
    involved = or_(
        select(CaseStudyAuthor.user_id)
        .where(CaseStudyAuthor.case_study_id == cs_id, CaseStudyAuthor.user_id == user_id)
        .exists(),
        select(HelpfulMark.user_id)
        .where(HelpfulMark.case_study_id == cs_id, HelpfulMark.user_id == user_id)
        .exists(),
        discussion("case_study", cs_id, user_id),
    )
    return involved


def related(cs: CaseStudy, limit: int = 4) -> list[CaseStudy]:
    """Published case studies sharing the most tags with this one."""
    tag_ids = [t.id for t in cs.tags]
    if not tag_ids:
        return []
    shared = (
        select(case_study_tag.c.case_study_id, func.count().label("shared"))
        .where(case_study_tag.c.tag_id.in_(tag_ids), case_study_tag.c.case_study_id != cs.id)
        .group_by(case_study_tag.c.case_study_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            select(CaseStudy)
            .join(shared, shared.c.case_study_id == CaseStudy.id)
            .where(CaseStudy.status == Status.PUBLISHED)
            .options(joinedload(CaseStudy.organisation))
            .order_by(shared.c.shared.desc(), CaseStudy.published_at.desc())
            .limit(limit)
        )
    )


def _cards(
    *where: ColumnElement[bool],
    order_by: tuple[Any, ...],
    limit: int | None = None,
    whole: bool = False,
) -> list[CaseStudy]:
    """Case studies matching ``where``, loaded for showing as cards (``whole``: with their
    sections too), in this order: their ids first, from the narrow index the order uses, then
    those rows (sorting whole rows to keep the newest 50 of a tag's thousands took tens of
    milliseconds at S10)."""
    ids = select(CaseStudy.id).where(*where).order_by(*order_by)
    chosen = list(db.session.scalars(ids if limit is None else ids.limit(limit)))
    options = card_options() if whole else card_only_options()
    loaded = {
        cs.id: cs
        for cs in db.session.scalars(
            select(CaseStudy).where(CaseStudy.id.in_(chosen)).options(*options)
        ).unique()
    }
    return [loaded[i] for i in chosen if i in loaded]


def for_organisation(organisation_id: int, limit: int = 50) -> list[CaseStudy]:
    """An organisation's published case studies, newest first."""
    return _cards(
        CaseStudy.organisation_id == organisation_id,
        CaseStudy.status == Status.PUBLISHED,
        order_by=(CaseStudy.published_at.desc(),),
        limit=limit,
    )


def newest(limit: int = 3) -> list[CaseStudy]:
    """The most recently published case studies (for the home page)."""
    return list(
        db.session.scalars(
            select(CaseStudy)
            .where(CaseStudy.status == Status.PUBLISHED)
            .options(joinedload(CaseStudy.organisation))
            .order_by(CaseStudy.published_at.desc(), CaseStudy.id.desc())
            .limit(limit)
        )
    )


TAG_PAGE_CASE_STUDIES = 10  # the newest shown on a tag's page; the list filters for the rest


# From this many published case studies a tag page finds its newest by walking the published
# order (about ten checks per tag share of the list) instead of sorting all of the tag's.
TAG_WALK_FROM = 200


def tag_section(tag: Tag, _user: Any) -> dict[str, Any]:
    """The case studies' section of a tag page: the newest few and how many there are in all
    (the case-study list, filtered by the tag, shows the rest)."""
    if tag.published_case_studies >= TAG_WALK_FROM:
        # A common tag: walk the published order, checking each for the tag, until ten are
        # found (at S10 SQLite fetched all 10,000 of the commonest tag's and sorted them:
        # 26 ms; walking took 0.1).
        tagged: ColumnElement[bool] = (
            select(case_study_tag.c.case_study_id)
            .where(
                case_study_tag.c.case_study_id == CaseStudy.id,
                case_study_tag.c.tag_id == tag.id,
            )
            .exists()
        )
    else:  # a rare one: its few case studies, sorted (walking would pass most of the list)
        tagged = CaseStudy.id.in_(
            select(case_study_tag.c.case_study_id).where(case_study_tag.c.tag_id == tag.id)
        )
    published = (CaseStudy.status == Status.PUBLISHED, tagged)
    return {
        "case_studies": _cards(
            *published,
            order_by=(CaseStudy.published_at.desc(), CaseStudy.id.desc()),
            limit=TAG_PAGE_CASE_STUDIES,
        ),
        "case_study_total": tag.published_case_studies,  # kept by triggers: no count here
    }


def for_author(user_id: int) -> list[CaseStudy]:
    """Everything a person wrote or co-wrote, any status, newest first."""
    mine = select(CaseStudyAuthor.case_study_id).where(CaseStudyAuthor.user_id == user_id)
    return _cards(CaseStudy.id.in_(mine), order_by=(CaseStudy.updated_at.desc(),))


def review_queue() -> list[CaseStudy]:
    """Submitted case studies, oldest first."""
    return _cards(
        CaseStudy.status == Status.SUBMITTED,
        order_by=(CaseStudy.submitted_at.asc(), CaseStudy.id),
    )


def has_marked_helpful(user: User, cs: CaseStudy) -> bool:
    """Whether this person marked it helpful."""
    return db.session.get(HelpfulMark, (cs.id, user.id)) is not None


def visible_to(user: User | Any) -> ColumnElement[bool]:
    """SQL condition: the case studies this person may see (public, or theirs, or moderators')."""
    public = CaseStudy.status.in_((Status.PUBLISHED, Status.ARCHIVED))
    if can_moderate(user):
        return CaseStudy.id.is_not(None)
    if getattr(user, "is_authenticated", False):
        mine = select(CaseStudyAuthor.case_study_id).where(CaseStudyAuthor.user_id == user.id)
        return or_(public, CaseStudy.id.in_(mine))
    return public


def find_by_slug(slug: str, user: User | Any) -> tuple[CaseStudy | None, str | None]:
    """(case study, None), or (None, current slug) for an old address, or (None, None)."""
    cs = db.session.scalar(select(CaseStudy).where(CaseStudy.slug == slug, visible_to(user)))
    if cs is not None:
        return cs, None
    moved = db.session.scalar(
        select(CaseStudy)
        .join(CaseStudySlug, CaseStudySlug.case_study_id == CaseStudy.id)
        .where(CaseStudySlug.slug == slug, visible_to(user))
    )
    return None, (moved.slug if moved is not None else None)


def _revisions_of(cs: CaseStudy) -> Select[tuple[CaseStudyRevision]]:
    return select(CaseStudyRevision).where(CaseStudyRevision.case_study_id == cs.id)


def get_revision(cs: CaseStudy, number: int) -> CaseStudyRevision | None:
    """One revision by its number."""
    return db.session.scalar(_revisions_of(cs).where(CaseStudyRevision.number == number))


def revisions(cs: CaseStudy) -> list[CaseStudyRevision]:
    """All revisions, newest first, with their editors."""
    newest_first = _revisions_of(cs).order_by(CaseStudyRevision.number.desc())
    return list(db.session.scalars(newest_first.options(joinedload(CaseStudyRevision.editor))))


def follow_targets(ids: list[int], user: Any) -> dict[int, FollowTarget]:
    """Followed case studies that are public (registered with notifications in create_app)."""
    rows = db.session.scalars(
        select(CaseStudy).where(
            CaseStudy.id.in_(ids), CaseStudy.status.in_((Status.PUBLISHED, Status.ARCHIVED))
        )
    )
    return {
        cs.id: FollowTarget(
            TargetType.CASE_STUDY, cs.id, cs.title, path_for("casestudies.show", slug=cs.slug)
        )
        for cs in rows
    }


def _card_pager(*where: ColumnElement[bool], page: int, per_page: int) -> Any:
    """A page of published case studies matching ``where``, newest first, loaded as cards."""
    stmt = (
        select(CaseStudy)
        .where(CaseStudy.status == Status.PUBLISHED, *where)
        .options(*card_options())  # whole: a person's feed makes entries of these
        .order_by(CaseStudy.published_at.desc(), CaseStudy.id.desc())
    )
    return accounts_queries.paginate(stmt, page, per_page)


def profile_sections(person: User, only: str | None, page: int, per_page: int) -> list[Section]:
    """A profile's case studies: those the person wrote or co-wrote that are published."""
    if only not in (None, "case-studies"):
        return []
    mine = select(CaseStudyAuthor.case_study_id).where(CaseStudyAuthor.user_id == person.id)
    pager = _card_pager(CaseStudy.id.in_(mine), page=page, per_page=per_page)
    return [
        Section("case-studies", "Case studies", "case_study", pager, "No published case studies.")
    ]


def organisation_sections(
    organisation: Organisation, only: str | None, page: int, per_page: int
) -> list[Section]:
    """An organisation page's case studies: those it wrote, and (for suppliers, or anyone
    named as a supplier) those it supplied — the same set the list's supplier filter shows."""
    sections = []
    if only in (None, "case-studies"):
        pager = _card_pager(
            CaseStudy.organisation_id == organisation.id, page=page, per_page=per_page
        )
        sections.append(
            Section(
                "case-studies",
                "Case studies it wrote",
                "case_study",
                pager,
                f"{organisation.name} has not published a case study yet.",
            )
        )
    if only in (None, "supplied"):
        supplied = select(case_study_supplier.c.case_study_id).where(
            case_study_supplier.c.organisation_id == organisation.id
        )
        pager = _card_pager(CaseStudy.id.in_(supplied), page=page, per_page=per_page)
        if organisation.is_supplier or pager.total or only:
            sections.append(
                Section(
                    "supplied",
                    "Case studies it supplied",
                    "case_study",
                    pager,
                    f"No published case study names {organisation.name} as a supplier yet.",
                )
            )
    return sections


def organisation_uses(organisation_id: int) -> int:
    """How many case studies name the organisation, as author or as supplier
    (``organisation.in_use``: an organisation still named is merged, not deleted)."""
    wrote = select(func.count(CaseStudy.id)).where(CaseStudy.organisation_id == organisation_id)
    supplied = select(func.count()).where(case_study_supplier.c.organisation_id == organisation_id)
    return (db.session.scalar(wrote) or 0) + (db.session.scalar(supplied) or 0)
