"""The JSON Schemas of the API's answers (OpenAPI 3.1 uses JSON Schema 2020-12): the
OpenAPI document's components, and what the tests validate real answers against."""

from __future__ import annotations

from typing import Any

from dpse.accounts.models import OrganisationKind
from dpse.casestudies.models import BudgetBand, Outcome, Sector, Status
from dpse.events.models import EventFormat, EventStatus
from dpse.tags.models import TagKind

REF = "#/components/schemas/"


def ref(name: str) -> dict[str, Any]:
    return {"$ref": REF + name}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def obj(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    """An object with exactly these properties, all present."""
    out: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        out["description"] = description
    return out


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
URL = {"type": "string", "format": "uri"}
TIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}


def enum(cls: type) -> dict[str, Any]:
    return {"type": "string", "enum": [member.value for member in cls]}


def page_of(item: str, description: str) -> dict[str, Any]:
    """A page of a list, with its links."""
    return obj(
        {
            "items": {"type": "array", "items": ref(item)},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "next": nullable(URL),
            "prev": nullable(URL),
        },
        description,
    )


def markdown(name: str) -> dict[str, Any]:
    """A text field's Markdown source and its stored, sanitised HTML."""
    return {f"{name}_markdown": STRING, f"{name}_html": STRING}


FACET_VALUE = obj({"value": STRING, "label": STRING, "count": INTEGER, "selected": BOOLEAN})
FACETS = {"type": "object", "additionalProperties": {"type": "array", "items": ref("FacetValue")}}

CASE_STUDY_SUMMARY = {
    "id": INTEGER,
    "slug": STRING,
    "title": STRING,
    "summary": STRING,
    "language": STRING,
    "status": {"type": "string", "enum": [Status.PUBLISHED.value, Status.ARCHIVED.value]},
    "outcome": enum(Outcome),
    "sector": enum(Sector),
    "country": STRING,
    "region": STRING,
    "year": nullable(INTEGER),
    "organisation": nullable(ref("OrganisationRef")),
    "tags": {"type": "array", "items": ref("Tag")},
    "supplier_written": BOOLEAN,
    "helpful_count": INTEGER,
    "reuse_count": INTEGER,
    "published_at": nullable(TIME),
    "updated_at": TIME,
    "url": URL,
    "api_url": URL,
}
CASE_STUDY = {
    **CASE_STUDY_SUMMARY,
    # Unpublished ones only to their authors' tokens (and in the answer to creating a draft).
    "status": enum(Status),
    **markdown("challenge"),
    **markdown("what_we_built"),
    **markdown("results"),
    **markdown("lessons_learned"),
    "started_on": nullable(DATE),
    "live_on": nullable(DATE),
    "budget_band": enum(BudgetBand),
    "repository_url": STRING,
    "live_url": STRING,
    "publiccode_url": STRING,
    "authors": {"type": "array", "items": ref("PersonRef")},
    "suppliers": {"type": "array", "items": ref("OrganisationRef")},
    "adapted_from": {"type": "array", "items": ref("CaseStudyRef")},
    "reused_by": {"type": "array", "items": ref("CaseStudyRef")},
}
EVENT = {
    "id": INTEGER,
    "slug": STRING,
    "title": STRING,
    "language": STRING,
    **markdown("description"),
    "starts_at": TIME,
    "ends_at": TIME,
    "timezone": STRING,
    "format": enum(EventFormat),
    "status": enum(EventStatus),
    "status_reason": STRING,
    "venue_name": STRING,
    "venue_address": STRING,
    "capacity": nullable(INTEGER),
    "seats_left": nullable(INTEGER),
    "registration_opens_at": nullable(TIME),
    "registration_closes_at": nullable(TIME),
    "organiser": ref("PersonRef"),
    "organisation": nullable(ref("OrganisationRef")),
    "tags": {"type": "array", "items": ref("Tag")},
    "updated_at": TIME,
    "url": URL,
    "api_url": URL,
}
THREAD_SUMMARY = {
    "id": INTEGER,
    "title": STRING,
    "language": STRING,
    "category": ref("CategoryRef"),
    "author": ref("PersonRef"),
    "created_at": TIME,
    "last_activity_at": TIME,
    "reply_count": INTEGER,
    "pinned": BOOLEAN,
    "locked": BOOLEAN,
    "tags": {"type": "array", "items": ref("Tag")},
    "url": URL,
    "api_url": URL,
}
PERSON_SUMMARY = {
    "handle": STRING,
    "display_name": STRING,
    "job_title": STRING,
    "organisation": nullable(ref("OrganisationRef")),
    "member_since": TIME,
    "url": URL,
    "api_url": URL,
}

_INPUT_TEXT = [
    "title",
    "summary",
    "language",
    "country",
    "region",
    "challenge",
    "what_we_built",
    "results",
    "lessons_learned",
    "repository_url",
    "live_url",
    "publiccode_url",
    "slug",
]
CASE_STUDY_INPUT = {
    "type": "object",
    "description": (
        "A new draft case study, checked by the same rules as the page's form (the same "
        "messages). Only title and summary are required; sector, outcome and budget band "
        "default as on the form. Sections are Markdown."
    ),
    "properties": {
        **{name: STRING for name in _INPUT_TEXT},
        "outcome": {**enum(Outcome), "default": Outcome.SUCCESS.value},
        "sector": {**enum(Sector), "default": Sector.LOCAL_GOVERNMENT.value},
        "budget_band": {**enum(BudgetBand), "default": BudgetBand.UNKNOWN.value},
        "started_on": {**DATE, "description": "YYYY-MM-DD"},
        "live_on": {**DATE, "description": "YYYY-MM-DD"},
        "technologies": {"type": "array", "items": STRING, "description": "Tag names."},
        "topics": {"type": "array", "items": STRING, "description": "Tag names."},
        "supplier_slugs": {"type": "array", "items": STRING},
        "adapted_from_slugs": {"type": "array", "items": STRING},
        "co_author_emails": {
            "type": "array",
            "items": STRING,
            "description": "Email addresses of people with an account here.",
        },
    },
    "required": ["title", "summary"],
    "additionalProperties": False,
    "examples": [
        {
            "title": "Moving 12 council sites onto LocalGov Drupal",
            "summary": "Twelve sites, one codebase, shared with three neighbouring councils.",
            "outcome": "success",
            "sector": "local-government",
            "technologies": ["Drupal", "LocalGov Drupal"],
        }
    ],
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Problem": {
        "type": "object",
        "description": "An error, as RFC 9457 problem details.",
        "properties": {
            "type": STRING,
            "title": STRING,
            "status": INTEGER,
            "detail": STRING,
            "parameter": {"type": "string", "description": "The parameter refused (400)."},
        },
        "required": ["type", "title", "status", "detail"],
    },
    "FacetValue": FACET_VALUE,
    "Tag": obj({"slug": STRING, "name": STRING, "kind": enum(TagKind), "url": URL}, "A tag."),
    "OrganisationRef": obj({"slug": STRING, "name": STRING, "url": URL, "api_url": URL}),
    "PersonRef": obj(
        {"handle": nullable(STRING), "display_name": STRING, "url": nullable(URL)},
        "A person; handle and url are null for an account that no longer has a public profile.",
    ),
    "CaseStudyRef": obj({"slug": STRING, "title": STRING, "url": URL, "api_url": URL}),
    "CategoryRef": obj({"slug": STRING, "name": STRING, "url": URL}),
    "CaseStudySummary": obj(CASE_STUDY_SUMMARY, "A published case study, as lists show it."),
    "CaseStudy": obj(
        CASE_STUDY,
        "A published (or archived) case study; a draft, submitted or returned one only to a "
        "token of one of its authors.",
    ),
    "CaseStudyInput": CASE_STUDY_INPUT,
    "FieldProblem": {
        "allOf": [ref("Problem")],
        "type": "object",
        "description": "Fields the case-study form's rules refuse (422), each with its message.",
        "properties": {
            "errors": {
                "type": "array",
                "items": obj({"field": STRING, "message": STRING}),
                "minItems": 1,
            }
        },
        "required": ["errors"],
    },
    "CaseStudyPage": {
        **page_of("CaseStudySummary", "A page of published case studies, with facet counts."),
        "properties": {
            **page_of("CaseStudySummary", "")["properties"],
            "sort": {"type": "string"},
            "facets": FACETS,
        },
        "required": [*page_of("CaseStudySummary", "")["required"], "sort", "facets"],
    },
    "Event": obj(EVENT, "An event."),
    "EventPage": page_of("Event", "A page of events."),
    "Category": obj(
        {
            "slug": STRING,
            "name": STRING,
            "description": STRING,
            "thread_count": INTEGER,
            "post_count": INTEGER,
            "last_activity_at": nullable(TIME),
            "url": URL,
            "threads_api_url": URL,
        },
        "A forum category with its public counts.",
    ),
    "CategoryList": obj({"items": {"type": "array", "items": ref("Category")}}),
    "ThreadSummary": obj(THREAD_SUMMARY, "A forum thread."),
    "ThreadPage": page_of("ThreadSummary", "A page of a category's threads."),
    "Post": obj(
        {
            "id": INTEGER,
            "author": ref("PersonRef"),
            "created_at": TIME,
            "edited_at": nullable(TIME),
            **markdown("body"),
            "url": URL,
        },
        "A post in a thread.",
    ),
    "PostPage": page_of("Post", "A page of a thread's posts, oldest first."),
    "Thread": obj({**THREAD_SUMMARY, "posts": ref("PostPage")}, "A thread with a page of posts."),
    "TagPage": page_of("Tag", "A page of tags."),
    "OrganisationSummary": obj(
        {
            "slug": STRING,
            "name": STRING,
            "kind": enum(OrganisationKind),
            "country": STRING,
            "website": STRING,
            "member_count": INTEGER,
            "url": URL,
            "api_url": URL,
        },
        "An approved organisation.",
    ),
    "OrganisationPage": page_of("OrganisationSummary", "A page of organisations, by name."),
    "PersonSummary": obj(PERSON_SUMMARY, "A person's public profile fields."),
    "Person": obj({**PERSON_SUMMARY, **markdown("bio")}, "A person's public profile."),
    "PersonPage": page_of("PersonSummary", "A page of the people directory."),
    "SearchHit": obj(
        {
            "type": STRING,
            "type_label": STRING,
            "title": STRING,
            "url": URL,
            "snippet_html": STRING,
            "date": nullable(TIME),
            "organisation": STRING,
            "tags": {"type": "array", "items": STRING},
            "language": STRING,
        }
    ),
    "SearchPage": {
        **page_of("SearchHit", "A page of search results with facet counts."),
        "properties": {
            **page_of("SearchHit", "")["properties"],
            "q": STRING,
            "suggestion": STRING,
            "facets": FACETS,
        },
        "required": [*page_of("SearchHit", "")["required"], "q", "suggestion", "facets"],
    },
}
