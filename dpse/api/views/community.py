"""The forum, organisations and people: what their public pages show, nothing more."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from werkzeug.wrappers import Response

from dpse.accounts import handles
from dpse.accounts import queries as accounts
from dpse.accounts.models import OrganisationKind
from dpse.api import serializers as show
from dpse.api.openapi import operation
from dpse.api.params import enum_param, paging, path_param, text_param
from dpse.api.responses import json_response
from dpse.api.views import bp
from dpse.api.views.paging import page_body
from dpse.forum import queries as forum
from dpse.permissions import can_view_profile, can_view_thread
from dpse.urls import absolute_url


@operation(
    bp, "/forum/categories", summary="Forum categories", response="CategoryList", tag="Forum"
)
def list_categories(args: dict[str, Any]) -> Response:
    """Every category with its public thread and post counts, in the forum's order."""
    items = [
        {
            **show.category_ref(s.category),
            "description": s.category.description,
            "thread_count": s.threads,
            "post_count": s.posts,
            "last_activity_at": show.when(s.last_activity_at),
            "threads_api_url": absolute_url("api.list_threads", slug=s.category.slug),
        }
        for s in forum.overview()
    ]
    return json_response({"items": items})


@operation(
    bp,
    "/forum/categories/{slug}/threads",
    summary="A category's threads",
    response="ThreadPage",
    tag="Forum",
    params=[path_param("slug", "The category's slug."), *paging()],
)
def list_threads(args: dict[str, Any], slug: str) -> Response:
    """A category's visible threads: pinned first, then the most recently active."""
    category = forum.category_by_slug(slug)
    if category is None:
        abort(404)
    pager = forum.threads_page(category, show.VISITOR, args["page"], args["per_page"])
    items = [show.thread_summary(t) for t in pager.items]
    return json_response(page_body(items, pager.total or 0, pager.page, args["per_page"]))


@operation(
    bp,
    "/forum/threads/{thread_id}",
    summary="A thread with a page of its posts",
    response="Thread",
    tag="Forum",
    params=[path_param("thread_id", "The thread's number.", integer=True), *paging()],
)
def get_thread(args: dict[str, Any], thread_id: int) -> Response:
    """A visible thread and a page of its visible posts (hidden and held posts never appear)."""
    thread = forum.thread_by_id(thread_id)
    if thread is None or not can_view_thread(show.VISITOR, thread):
        abort(404)
    if thread.case_study is not None and not thread.case_study.is_public:
        abort(404)  # the discussion of a case study nobody may see
    pager = forum.posts_page(thread, show.VISITOR, args["page"], args["per_page"])
    body = show.thread_summary(thread)
    posts = [show.post(p) for p in pager.items]
    body["posts"] = page_body(posts, pager.total or 0, pager.page, args["per_page"])
    return json_response(body)


@operation(
    bp,
    "/organisations",
    summary="Organisations",
    response="OrganisationPage",
    tag="Organisations and people",
    params=paging(),
)
def list_organisations(args: dict[str, Any]) -> Response:
    """Approved organisations by name, with their number of verified members."""
    page, per_page = args["page"], args["per_page"]
    pager = accounts.organisations_page(page, per_page)
    items = [show.organisation_summary(org, org.shown_members) for org in pager.items]
    return json_response(page_body(items, pager.total or 0, page, per_page))


@operation(
    bp,
    "/organisations/{slug}",
    summary="One organisation",
    response="OrganisationSummary",
    tag="Organisations and people",
    params=[path_param("slug", "The organisation's slug.")],
)
def get_organisation(args: dict[str, Any], slug: str) -> Response:
    """An approved organisation (one waiting for approval has no public page: 404)."""
    org = accounts.get_organisation_by_slug(slug)
    if org is None:
        merged = accounts.merged_into(slug)
        if merged is None or not merged.is_approved:
            abort(404)
        org = merged
    members = accounts.organisation_people(org, 1, 1).total or 0
    return json_response(show.organisation_summary(org, members), last_modified=org.updated_at)


@operation(
    bp,
    "/people",
    summary="People",
    response="PersonPage",
    tag="Organisations and people",
    params=[
        text_param("q", "Part of a name or handle.", accounts.PEOPLE_SEARCH_MAX),
        text_param("organisation", "Verified members of this organisation (its slug).", 200),
        enum_param(
            "kind", "Members of organisations of this kind.", [k.value for k in OrganisationKind]
        ),
        enum_param("verified", "Verified public-sector staff only.", ["true", "false"]),
        *paging(),
    ],
)
def list_people(args: dict[str, Any]) -> Response:
    """The people directory: listed people by name, with the filters of /people."""
    filters = accounts.PeopleFilters.from_args(request.args)
    pager = accounts.find_people(filters, args["page"], args["per_page"])
    items = [show.person_summary(p) for p in pager.items]
    return json_response(page_body(items, pager.total or 0, args["page"], args["per_page"]))


@operation(
    bp,
    "/people/{handle}",
    summary="One person's public profile",
    response="Person",
    tag="Organisations and people",
    params=[path_param("handle", "The person's handle (a former handle works too).")],
)
def get_person(args: dict[str, Any], handle: str) -> Response:
    """Public profile fields only: never an email address or account settings."""
    person, _former = handles.by_handle(handle)
    if person is None or not can_view_profile(show.VISITOR, person):
        abort(404)
    return json_response(show.person(person))
