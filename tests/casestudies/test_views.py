"""Case-study pages through the test client: list, filters, detail, forms, workflow, history."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dpse.casestudies.models import CaseStudy, Outcome, Status
from dpse.extensions import db, limiter
from tests.casestudies.factories import FORM, make_case_study
from tests.conftest import login, post_form


def test_member_writes_a_failure_story_and_moderator_publishes(client, users):
    login(client, "member@testshire.gov.uk")
    response = post_form(client, "/case-studies/new", {**FORM, "action": "submit"})
    assert response.status_code == 302
    cs = db.session.scalars(select(CaseStudy)).one()
    assert cs.status == Status.SUBMITTED and cs.outcome == Outcome.FAILURE
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "sent to the moderators" in page
    post_form(client, "/logout", {}, form_url="/account")

    anonymous = client.get(f"/case-studies/{cs.slug}")
    assert anonymous.status_code == 404
    login(client, "moderator@testshire.gov.uk")
    queue = client.get("/moderation").get_data(as_text=True)
    assert cs.title in queue
    response = post_form(
        client, f"/case-studies/{cs.slug}/publish", {}, form_url=f"/case-studies/{cs.slug}"
    )
    assert response.status_code == 302 and cs.status == Status.PUBLISHED
    post_form(client, "/logout", {}, form_url="/account")

    listing = client.get("/case-studies?outcome=failure&technology=drupal").get_data(as_text=True)
    assert cs.title in listing
    detail = client.get(f"/case-studies/{cs.slug}").get_data(as_text=True)
    assert "<strong>Solr</strong>" in detail
    assert 'Outcome: </span><span aria-hidden="true">✗</span> Failure' in detail


def test_form_keeps_input_and_explains_missing_lessons(client, users):
    login(client, "member@testshire.gov.uk")
    response = post_form(
        client, "/case-studies/new", {**FORM, "lessons_learned": "", "action": "save"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert "Lessons learned are required" in html
    assert 'value="Our failed search project"' in html
    assert "A bespoke search." in html
    assert db.session.scalars(select(CaseStudy)).all() == []


@pytest.mark.parametrize(
    "change",
    [
        {"outcome": "glorious"},
        {"sector": "space"},
        {"budget_band": "infinite"},
        {"started_on": "31/31/2024"},
        {"suppliers": "not-a-supplier"},
        {"summary": "x" * 400},
        {"title": ""},
        {"repository_url": "javascript:alert(1)"},
        {"adapted_from": "nothing-here"},
        {"co_authors": "ghost@nowhere.gov.uk"},
    ],
)
def test_bad_input_never_500s_and_keeps_the_title(client, users, change):
    login(client, "member@testshire.gov.uk")
    response = post_form(client, "/case-studies/new", {**FORM, **change, "action": "save"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    if change.get("title") != "":
        assert 'value="Our failed search project"' in html


def test_preview_renders_through_the_sanitiser_and_saves_nothing(client, users):
    login(client, "member@testshire.gov.uk")
    response = post_form(
        client,
        "/case-studies/new",
        {
            **FORM,
            "challenge": (
                "**bold** <script>alert(1)</script> <img src=x alt=Map onerror=alert(1)>"
            ),
            "action": "preview",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Preview" in html and "<strong>bold</strong>" in html
    assert "<script>alert(1)" not in html and "onerror" not in html.split("<textarea")[0]
    assert db.session.scalars(select(CaseStudy)).all() == []


def test_old_slug_redirects_permanently(client, users):
    cs = make_case_study(users["member"], status="published", moderator=users["moderator"])
    login(client, "member@testshire.gov.uk")
    response = post_form(
        client,
        f"/case-studies/{cs.slug}/edit",
        {**FORM, "outcome": "success", "slug": "new-address", "action": "save"},
    )
    assert response.status_code == 302
    moved = client.get("/case-studies/moving-the-council-website-to-localgov-drupal")
    assert moved.status_code == 301
    assert moved.headers["Location"].endswith("/case-studies/new-address")
    # Every route redirects to itself at the new address, before any permission is asked.
    old_history = client.get("/case-studies/moving-the-council-website-to-localgov-drupal/history")
    assert old_history.status_code == 301
    assert old_history.headers["Location"].endswith("/case-studies/new-address/history")


def test_others_cannot_edit(client, users):
    cs = make_case_study(users["member"], status="published", moderator=users["moderator"])
    login(client, "supplier@testshire.gov.uk")
    assert client.get(f"/case-studies/{cs.slug}/edit").status_code == 403
    response = client.post(f"/case-studies/{cs.slug}/edit", data={**FORM, "action": "save"})
    assert response.status_code in (400, 403)
    assert cs.title == "Moving the council website to LocalGov Drupal"


def test_history_and_diff(client, users):
    member = users["member"]
    cs = make_case_study(member)
    login(client, "member@testshire.gov.uk")
    post_form(
        client,
        f"/case-studies/{cs.slug}/edit",
        {
            **FORM,
            "outcome": "success",
            "title": cs.title,
            "summary": cs.summary,
            "results": "Much faster pages.",
            "action": "save",
        },
    )
    history = client.get(f"/case-studies/{cs.slug}/history").get_data(as_text=True)
    assert "Created" in history and "Changed" in history
    diff = client.get(f"/case-studies/{cs.slug}/history/compare?from=1&to=2").get_data(as_text=True)
    assert '<del><span class="visually-hidden">[removed: </span>Faster' in diff
    assert '<ins><span class="visually-hidden">[added: </span>Much faster' in diff
    assert client.get(f"/case-studies/{cs.slug}/history/compare?from=1&to=99").status_code == 404
    assert client.get(f"/case-studies/{cs.slug}/history/compare?from=x").status_code == 400


def test_helpful_button_toggles(client, users):
    cs = make_case_study(users["member"], status="published", moderator=users["moderator"])
    login(client, "supplier@testshire.gov.uk")
    post_form(client, f"/case-studies/{cs.slug}/helpful", {}, form_url=f"/case-studies/{cs.slug}")
    html = client.get(f"/case-studies/{cs.slug}").get_data(as_text=True)
    assert "1 person found this helpful" in html and 'aria-pressed="true"' in html


def test_return_form_requires_a_reason(client, users):
    cs = make_case_study(users["member"], status="submitted")
    login(client, "moderator@testshire.gov.uk")
    empty = post_form(client, f"/case-studies/{cs.slug}/return", {"reason": ""})
    assert empty.status_code == 400 and "Say what the authors should change" in empty.get_data(
        as_text=True
    )
    ok = post_form(client, f"/case-studies/{cs.slug}/return", {"reason": "Add costs"})
    assert ok.status_code == 302 and cs.status == Status.RETURNED


def test_previews_over_their_allowance_keep_the_text_and_render_nothing(client, users, app):
    old = app.config["PREVIEW_RATE_LIMIT"]
    app.config["PREVIEW_RATE_LIMIT"] = "2 per minute"
    limiter.enabled = True
    limiter.reset()
    try:
        login(client, "member@testshire.gov.uk")
        data = {**FORM, "challenge": "**Kept** as typed", "action": "preview"}
        for _ in range(2):
            shown = post_form(client, "/case-studies/new", data).get_data(as_text=True)
            assert "<strong>Kept</strong>" in shown
        refused = post_form(client, "/case-studies/new", data)
        html = refused.get_data(as_text=True)
        assert refused.status_code == 429
        assert "previewing faster than the site allows" in html
        assert "**Kept** as typed" in html and "<strong>Kept</strong>" not in html
        # Saving is not a preview: the draft can still be saved.
        saved = post_form(client, "/case-studies/new", {**data, "action": "save"})
        assert saved.status_code == 302
    finally:
        app.config["PREVIEW_RATE_LIMIT"] = old
