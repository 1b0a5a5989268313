"""What the whole-site crawl visits: one entry per page type (endpoint), the GET endpoints it
leaves out and why, and how each form is put into its error state.

tests/browser/test_crawl.py walks these as every role; its coverage test fails when the app
gains a GET endpoint that is neither here nor in NOT_PAGES, so a new page cannot go unchecked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Page

ROLES = ("anonymous", "member", "supplier", "organiser", "moderator", "admin")


@dataclass(frozen=True)
class World:
    """The seeded objects the crawl's addresses point at (ids, slugs and tokens only)."""

    published_slug: str
    published_id: int
    draft_slug: str
    submitted_slug: str
    event_slug: str
    category_slug: str
    category_id: int
    thread_id: int
    thread_slug: str
    member_post_id: int
    member_id: int
    member_handle: str
    organisation_slug: str
    organisation_id: int
    reset_token: str
    admin_recovery_code: str
    saved_search_id: int
    registration_id: int
    api_token_id: int


Values = Callable[[World], dict[str, Any]]


def _none(_w: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Visit:
    """One page type: the values for its address, and the role that must be shown the page
    itself — every other role visits it too and is checked on whatever it gets (the
    page, a refusal, or the sign-in page it is sent to)."""

    shown_to: str = "anonymous"
    values: Values = field(default=_none)
    during_sign_in: bool = False  # reached only half-way through shown_to's sign-in
    status: int = 200  # what the page answers shown_to with (an error page's own code)


# Every page type the crawl visits, by endpoint.
PAGES: dict[str, Visit] = {
    "main.home": Visit(),
    "search.search": Visit(values=lambda w: {"q": "drupal"}),
    "saved_searches.index": Visit("member"),
    "saved_searches.delete": Visit("member", lambda w: {"saved_id": w.saved_search_id}),
    "tags.show": Visit(values=lambda w: {"slug": "drupal"}),
    "api.index": Visit(),
    "opendata.index": Visit(),
    # accounts: signing in and out
    "accounts.login": Visit(),
    "accounts.login_two_factor": Visit("admin", during_sign_in=True),
    "accounts.login_recovery_code": Visit("admin", during_sign_in=True),
    "accounts.register": Visit(),
    "accounts.forgot_password": Visit(),
    "accounts.reset_password": Visit(values=lambda w: {"token": w.reset_token}),
    # the page for a link that is expired or mistyped (a good link verifies and redirects)
    "accounts.verify_email": Visit(values=lambda w: {"token": "mistyped-link"}, status=400),
    # accounts: your own account
    "accounts.account": Visit("member"),
    "accounts.change_password": Visit("member"),
    "accounts.two_factor_setup": Visit("member"),
    "accounts.two_factor_recovery_codes": Visit("admin"),
    "accounts.two_factor_disable": Visit("admin"),
    "accounts.data": Visit("member"),
    "accounts.change_email": Visit("member"),
    "accounts.confirm_email_change": Visit(values=lambda w: {"token": "mistyped-link"}, status=400),
    "accounts.delete_account": Visit("member"),
    "accounts.api_tokens": Visit("member"),
    "accounts.revoke_api_token": Visit("member", lambda w: {"token_id": w.api_token_id}),
    # accounts: people and organisations
    "accounts.people": Visit("member"),
    "accounts.profile": Visit(values=lambda w: {"handle": w.member_handle}),
    "accounts.organisations": Visit(),
    "accounts.organisation": Visit(values=lambda w: {"slug": w.organisation_slug}),
    "accounts.admin_users": Visit("admin"),
    "accounts.admin_user": Visit("admin", lambda w: {"user_id": w.member_id}),
    "accounts.admin_delete_user": Visit("admin", lambda w: {"user_id": w.member_id}),
    "accounts.admin_organisations": Visit("admin"),
    "accounts.admin_organisation": Visit("admin", lambda w: {"organisation_id": w.organisation_id}),
    "accounts.admin_new_organisation": Visit("admin"),
    # case studies
    "casestudies.index": Visit(),
    "casestudies.show": Visit(values=lambda w: {"slug": w.published_slug}),
    "casestudies.mine": Visit("member"),
    "casestudies.new": Visit("member"),
    "casestudies.import_publiccode": Visit("member"),
    "casestudies.edit": Visit("member", lambda w: {"slug": w.draft_slug}),
    "casestudies.history": Visit("member", lambda w: {"slug": w.published_slug}),
    "casestudies.compare": Visit(
        "member", lambda w: {"slug": w.published_slug, "from": 1, "to": 2}
    ),
    "casestudies.return_for_changes": Visit("moderator", lambda w: {"slug": w.submitted_slug}),
    "casestudies.archive": Visit("moderator", lambda w: {"slug": w.published_slug}),
    "casestudies.delete": Visit("member", lambda w: {"slug": w.draft_slug}),
    # events
    "events.index": Visit(),
    "events.past": Visit(),
    "events.show": Visit(values=lambda w: {"slug": w.event_slug}),
    "events.mine": Visit("member"),
    "events.new": Visit("organiser"),
    "events.edit": Visit("organiser", lambda w: {"slug": w.event_slug}),
    "events.attendees": Visit("organiser", lambda w: {"slug": w.event_slug}),
    "events.message": Visit("organiser", lambda w: {"slug": w.event_slug}),
    "events.status": Visit("organiser", lambda w: {"slug": w.event_slug}),
    "events.remove_attendee": Visit(
        "organiser", lambda w: {"slug": w.event_slug, "registration_id": w.registration_id}
    ),
    "events.cancel_registration": Visit("member", lambda w: {"slug": w.event_slug}),
    "events.create_feed": Visit("member"),
    "events.revoke_feed": Visit("member"),
    # forum
    "forum.index": Visit(),
    "forum.category": Visit(values=lambda w: {"slug": w.category_slug}),
    "forum.thread": Visit(values=lambda w: {"thread_id": w.thread_id, "slug": w.thread_slug}),
    "forum.new_thread": Visit("member"),
    "forum.reply": Visit("member", lambda w: {"thread_id": w.thread_id, "slug": w.thread_slug}),
    "forum.comment": Visit("member", lambda w: {"kind": "case_study", "target_id": w.published_id}),
    "forum.edit": Visit("member", lambda w: {"post_id": w.member_post_id}),
    "forum.history": Visit("moderator", lambda w: {"post_id": w.member_post_id}),
    "forum.delete": Visit("member", lambda w: {"post_id": w.member_post_id}),
    "forum.manage_categories": Visit("admin"),
    "forum.edit_category": Visit("admin", lambda w: {"category_id": w.category_id}),
    # moderation and notifications
    "moderation.index": Visit("moderator"),
    "moderation.audit": Visit("moderator"),
    "moderation.flag_case_study": Visit("organiser", lambda w: {"slug": w.published_slug}),
    "moderation.flag_post": Visit("organiser", lambda w: {"post_id": w.member_post_id}),
    "moderation.hide_post": Visit("moderator", lambda w: {"post_id": w.member_post_id}),
    "moderation.move_thread": Visit("moderator", lambda w: {"thread_id": w.thread_id}),
    "notifications.index": Visit("member"),
    "notifications.settings": Visit("member"),
    # the pages a public body publishes, reporting a problem, and their administration
    "sitepages.accessibility": Visit(),
    "sitepages.privacy": Visit(),
    "sitepages.terms": Visit(),
    "sitepages.contact": Visit(),
    "sitepages.report": Visit(values=lambda w: {"page": "/events"}),
    "sitepages.report_sent": Visit(),
    "sitepages.reports": Visit("admin"),
    "sitepages.pages": Visit("admin"),
    "sitepages.edit": Visit("admin", lambda w: {"key": "accessibility"}),
    "sitepages.history": Visit("admin", lambda w: {"key": "accessibility"}),
    "sitepages.revision": Visit("admin", lambda w: {"key": "accessibility", "number": 1}),
}

# Pages that belong to no endpoint, with the status they answer.
ERROR_PAGES: dict[str, tuple[str, int]] = {
    "the page-not-found page": ("/no-such-page", 404),
}

# GET endpoints that are not pages a person reads, each with the reason it is left out.
NOT_PAGES: dict[str, str] = {
    "static": "stylesheets, scripts and images, not pages",
    "health.healthz": "a plain-text health check for the load balancer, not a page",
    "events.events_ics": "an iCalendar feed for calendar apps, not a page",
    "events.event_ics": "an iCalendar file download, not a page",
    "events.private_feed": "a private iCalendar feed for calendar apps, not a page",
    "events.attendees_export": "a CSV download, not a page",
    "notifications.open_notification": "marks it read and redirects to what it is about, "
    "a page the crawl visits itself",
    "forum.permalink": "redirects to the post inside its thread, which the crawl visits",
    "accounts.profile_by_id": "the old profile address: a permanent redirect to "
    "/people/<handle>, which the crawl visits",
    "accounts.download_data": "a ZIP download of someone's data, not a page",
    "opendata.download": "the open-data ZIP download, not a page (before the first export it "
    "answers 404 with the /open-data page, which the crawl visits)",
    "accounts.provider_return": "an identity provider's redirect back: it signs in and "
    "redirects; CI has no provider to sign in at",
    "feeds.robots": "robots.txt, for search engines",
    "feeds.sitemap_xml": "an XML sitemap, for search engines",
    "feeds.sitemap_page": "an XML sitemap, for search engines",
    **dict.fromkeys(
        (
            "feeds.case_studies",
            "feeds.case_studies_with_outcome",
            "feeds.case_studies_in_sector",
            "feeds.case_studies_tagged",
            "feeds.upcoming_events",
            "feeds.announced_events",
            "feeds.category",
            "feeds.thread",
            "feeds.person",
        ),
        "an Atom feed for feed readers, not a page",
    ),
    **dict.fromkeys(
        (
            "api.openapi_document",
            "api.list_case_studies",
            "api.get_case_study",
            "api.list_events",
            "api.get_event",
            "api.list_categories",
            "api.list_threads",
            "api.get_thread",
            "api.list_organisations",
            "api.get_organisation",
            "api.list_people",
            "api.get_person",
            "api.search",
            "api.list_tags",
        ),
        "JSON for programs (the read-only API), not a page; /api, which explains it, is crawled",
    ),
    "accounts.provider_new_account": "shown only half-way through a sign-in at an identity "
    "provider (its assertion held in the session); CI has no provider to sign in at",
}


def submit_emptied(page: Page) -> None:
    """Empty every text field of the page's main form (the one with most fields) and submit
    it, as a person who pressed the button too soon would."""
    index = page.evaluate(
        """() => {
            const forms = [...document.querySelectorAll('main form[method=post]')];
            let best = -1, most = -1;
            forms.forEach((form, i) => {
                const n = form.querySelectorAll('input:not([type=hidden]), textarea, select')
                    .length;
                if (n > most) { best = i; most = n; }
            });
            return best;
        }"""
    )
    assert index >= 0, f"no form on {page.url}"
    form = page.locator("main form[method=post]").nth(index)
    texts = form.locator(
        "textarea:visible, input:visible:not([type=hidden]):not([type=checkbox])"
        ":not([type=radio]):not([type=submit]):not([type=button]):not([type=file])"
    )
    for i in range(texts.count()):
        texts.nth(i).fill("")
    with page.expect_navigation():
        form.locator("button:not([type=button]), input[type=submit]").first.click()


def submit_nonsense(value: str) -> Callable[[Page], None]:
    """For forms where an empty field is allowed: type a value that cannot be right into every
    text field, then submit."""

    def submit(page: Page) -> None:
        form = page.locator("main form[method=post]").first
        texts = form.locator("textarea:visible, input[type=text]:visible")
        for i in range(texts.count()):
            texts.nth(i).fill(value)
        with page.expect_navigation():
            form.locator("button:not([type=button]), input[type=submit]").first.click()

    return submit


# How each form page shows its error state (submitted by the page's shown_to role).
ERROR_STATES: dict[str, Callable[[Page], None]] = {
    endpoint: submit_emptied
    for endpoint in (
        "accounts.login",
        "accounts.login_two_factor",
        "accounts.login_recovery_code",
        "accounts.register",
        "accounts.forgot_password",
        "accounts.reset_password",
        "accounts.account",
        "accounts.change_password",
        "accounts.two_factor_setup",
        "accounts.two_factor_recovery_codes",
        "accounts.two_factor_disable",
        "accounts.admin_organisation",
        "accounts.admin_new_organisation",
        "casestudies.new",
        "casestudies.edit",
        "casestudies.return_for_changes",
        "events.new",
        "events.edit",
        "events.message",
        "events.status",
        "forum.new_thread",
        "forum.reply",
        "forum.comment",
        "forum.edit",
        "forum.manage_categories",
        "forum.edit_category",
        "moderation.flag_case_study",
        "moderation.flag_post",
        "moderation.hide_post",
        "accounts.change_email",
        "accounts.delete_account",
        "accounts.admin_delete_user",
        "sitepages.report",
        "sitepages.edit",
        "accounts.api_tokens",
        "casestudies.import_publiccode",
    )
}

# Form pages without an error state to show, each with the reason.
NO_ERROR_STATE: dict[str, str] = {
    "forum.delete": "a confirmation page: its only button deletes the post",
    "casestudies.archive": "a confirmation page: its only button archives the case study",
    "casestudies.delete": "a confirmation page: its only button deletes the draft",
    "events.remove_attendee": "a confirmation page: its only button removes the attendee",
    "events.cancel_registration": "a confirmation page: its only button gives up the place",
    "events.create_feed": "a confirmation page: its only button makes a new calendar address",
    "events.revoke_feed": "a confirmation page: its only button turns the calendar address off",
    "saved_searches.delete": "a confirmation page: its only button deletes the saved search",
    "accounts.revoke_api_token": "a confirmation page: its only button revokes the token",
    "accounts.data": "one button that starts the export: nothing to type",
    "accounts.admin_user": "a role choice and a checkbox: every combination is valid",
    "notifications.settings": "checkboxes and choices only: every combination is valid",
    "moderation.move_thread": "a choice of category only, each of them valid",
}
