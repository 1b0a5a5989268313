"""For search engines: /robots.txt, and /sitemap.xml (the whole sitemap, or past PAGE_SIZE
addresses an index of /sitemap-<n>.xml pages, each streamed as it is read)."""

from __future__ import annotations

from flask import Response, abort, stream_with_context

from dpse.feeds import sitemap
from dpse.feeds.views import bp
from dpse.feeds.views.responses import CACHE_SECONDS, conditional
from dpse.urls import absolute_url

XML = "application/xml"
# Never useful in a search engine: signed-in pages, forms, moderation, administration, search
# results and filtered or paged lists (endless combinations of the same content; the sitemap
# names every page they lead to), and private calendar feeds.
DISALLOWED = (
    "/account",
    "/admin",
    "/moderation",
    "/notifications",
    "/login",
    "/register",
    "/forgot-password",
    "/reset-password/",
    "/verify-email/",
    "/search",
    "/case-studies/new",
    "/case-studies/mine",
    "/case-studies/*/edit",
    "/case-studies/*/history",
    "/case-studies?",
    "/events/new",
    "/events/mine",
    "/events/feed/",
    "/events/*/attendees",
    "/events?",
    "/events/past?",
    "/forum/new",
    "/forum/categories",
    "/forum/discuss/",
    "/forum/p/",
    "/forum/t/*/reply",
    "/people?",
    "/accessibility/report",
)


@bp.route("/robots.txt")
def robots() -> Response:
    """Public pages allowed; private and endless ones not; where the sitemap is."""
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {path}" for path in DISALLOWED]
    lines += ["", f"Sitemap: {absolute_url('feeds.sitemap_xml')}", ""]
    return conditional("\n".join(lines).encode(), "text/plain")


def _streamed(the_plan: sitemap.Plan, page: int) -> Response:
    body = stream_with_context(sitemap.urlset(sitemap.addresses(the_plan, page)))
    response = Response(body, mimetype=XML)
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response


@bp.route("/sitemap.xml")
def sitemap_xml() -> Response:
    """The sitemap itself while it fits one file, else the index of its pages."""
    the_plan = sitemap.plan()
    if the_plan.pages == 1:
        return _streamed(the_plan, 1)
    urls = [absolute_url("feeds.sitemap_page", page=n) for n in range(1, the_plan.pages + 1)]
    return conditional(sitemap.sitemap_index(urls).encode(), XML)


@bp.route("/sitemap-<int:page>.xml")
def sitemap_page(page: int) -> Response:
    """One page of the sitemap (listed in the index)."""
    the_plan = sitemap.plan()
    if not 1 <= page <= the_plan.pages:
        abort(404)
    return _streamed(the_plan, page)
