"""Personal API tokens: made and revoked on the account page, shown once and stored hashed;
refused when revoked or expired; and POST /api/v1/case-studies, which makes a draft through the
new-case-study form's own rules."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from dpse.accounts import deletion
from dpse.accounts.tokens import ApiToken, Scope, create_token, hash_secret
from dpse.api.responses import PROBLEM_TYPES
from dpse.audit import AuditLog
from dpse.casestudies.models import CaseStudy, Status
from dpse.extensions import db, limiter
from dpse.mixins import utcnow
from tests.conftest import PASSWORD, csrf_token, login, post_form

SECRET_RE = re.compile(r'value="(dpse_[A-Za-z0-9_-]+)"')
DRAFT = {
    "title": "Syncing our service catalogue with the exchange",
    "summary": "A nightly job publishes what the council built, as drafts to review.",
    "outcome": "success",
    "sector": "local-government",
    "technologies": ["Python", "Drupal"],
    "challenge": "Two places to **type** the same thing.",
}


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def writer(users):
    """The member's token that may write drafts, and its secret."""
    return create_token(users["member"], "Council sync", [Scope.READ, Scope.WRITE_DRAFTS], 90)


def test_a_token_is_shown_once_and_stored_only_as_a_hash(client, users):
    login(client, users["member"].email)
    made = post_form(
        client,
        "/account/tokens",
        {"name": "Website sync", "scopes": ["read", "write:drafts"], "expires_in": "30"},
    )
    page = made.get_data(as_text=True)
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    assert "only time it is shown" in page
    secret = SECRET_RE.search(page).group(1)
    token = db.session.scalar(select(ApiToken))
    assert token.name == "Website sync"
    assert token.scope_list == [Scope.READ, Scope.WRITE_DRAFTS]
    assert token.secret_hash == hash_secret(secret) != secret
    assert secret.startswith(token.shown_prefix)
    assert timedelta(days=29) < token.expires_at - utcnow() <= timedelta(days=30)
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "Website sync" in listing and token.shown_prefix in listing
    assert secret not in listing  # never shown again
    assert client.get("/api/v1/tags", headers=bearer(secret)).status_code == 200
    assert db.session.scalar(select(AuditLog.action)) == "create_api_token"


def test_the_token_form_keeps_what_was_typed_and_names_the_problem(client, users):
    login(client, users["member"].email)
    answer = post_form(client, "/account/tokens", {"name": "Keep me", "expires_in": "90"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "Choose what the token may do" in page and 'value="Keep me"' in page
    assert db.session.scalar(select(ApiToken)) is None
    missing_csrf = client.post("/account/tokens", data={"name": "x", "scopes": "read"})
    assert missing_csrf.status_code == 400
    assert db.session.scalar(select(ApiToken)) is None


def test_revoking_asks_first_then_the_token_stops_working(client, users, writer):
    token, secret = writer
    login(client, users["member"].email)
    url = f"/account/tokens/{token.id}/revoke"
    page = client.get(url).get_data(as_text=True)
    assert "Revoke the token “Council sync”" in page and "cannot be undone" in page
    # A POST without the confirmation changes nothing.
    client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert client.get("/api/v1/tags", headers=bearer(secret)).status_code == 200
    done = client.post(url, data={"csrf_token": csrf_token(client, url), "confirm": "yes"})
    assert done.status_code == 302
    refused = client.get("/api/v1/tags", headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    assert "<td>Council sync</td>" not in client.get("/account/tokens").get_data(as_text=True)
    actions = db.session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["create_api_token", "revoke_api_token"]


def test_nobody_else_sees_or_revokes_your_token(client, users, writer):
    token, secret = writer
    login(client, users["admin"].email)
    assert "Council sync" not in client.get("/account/tokens").get_data(as_text=True)
    url = f"/account/tokens/{token.id}/revoke"
    assert client.get(url).status_code == 404
    token_field = csrf_token(client, "/account/tokens")
    assert client.post(url, data={"csrf_token": token_field, "confirm": "yes"}).status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None
    assert client.get("/api/v1/tags", headers=bearer(secret)).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client, writer):
    assert client.get("/account/tokens").status_code == 302
    assert client.get(f"/account/tokens/{writer[0].id}/revoke").status_code == 302


@pytest.mark.parametrize(
    "header",
    ["Bearer dpse_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer nope"],
)
def test_a_token_that_does_not_work_is_401_even_for_reading(client, header):
    answer = client.get("/api/v1/case-studies", headers={"Authorization": header})
    assert answer.status_code == 401
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["status"] == 401
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]


def test_an_expired_token_is_refused(client, writer):
    token, secret = writer
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/tags", headers=bearer(secret)).status_code == 401
    assert (
        client.post("/api/v1/case-studies", json=DRAFT, headers=bearer(secret)).status_code == 401
    )


@pytest.fixture
def limits_on():
    """The rate limiter counts (the tests run with it off)."""
    limiter.enabled = True
    limiter.reset()
    yield
    limiter.enabled = False
    limiter.reset()


def test_a_token_gets_its_own_rate_limit(app, client, writer, limits_on):
    secret = writer[1]
    old = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "2 per hour"
    try:
        assert client.get("/api/v1/tags").status_code == 200
        assert client.get("/api/v1/tags").status_code == 200
        assert client.get("/api/v1/tags").status_code == 429  # this address's allowance
        assert client.get("/api/v1/tags", headers=bearer(secret)).status_code == 200
    finally:
        app.config["API_RATE_LIMIT"] = old


def test_a_write_drafts_token_creates_a_draft_only_its_owner_sees(client, users, writer, conforms):
    secret = writer[1]
    answer = client.post("/api/v1/case-studies", json=DRAFT, headers=bearer(secret))
    assert answer.status_code == 201, answer.get_data(as_text=True)
    body = answer.get_json()
    conforms("CaseStudy", body)
    assert body["status"] == "draft"
    assert body["title"] == DRAFT["title"]
    assert "<strong>type</strong>" in body["challenge_html"]
    assert answer.headers["Location"] == body["api_url"]
    cs = db.session.scalar(select(CaseStudy))
    assert cs.status == Status.DRAFT
    assert [a.user_id for a in cs.authors] == [users["member"].id]
    assert sorted(t.name for t in cs.technologies) == ["Drupal", "Python"]
    # The public sees nothing of it, in the API or on the pages.
    assert client.get(f"/api/v1/case-studies/{cs.slug}").status_code == 404
    listing = client.get("/api/v1/case-studies").get_json()
    assert cs.slug not in {item["slug"] for item in listing["items"]}
    assert client.get(f"/case-studies/{cs.slug}").status_code == 404
    # Its owner does: through the API with their token, and signed in on the page.
    own = client.get(f"/api/v1/case-studies/{cs.slug}", headers=bearer(secret))
    assert own.status_code == 200 and own.get_json()["status"] == "draft"
    assert "no-store" in own.headers["Cache-Control"]
    other, other_secret = create_token(users["organiser"], "Theirs", [Scope.READ], 30)
    assert (
        client.get(f"/api/v1/case-studies/{cs.slug}", headers=bearer(other_secret)).status_code
        == 404
    )
    login(client, users["member"].email)
    assert DRAFT["title"] in client.get(f"/case-studies/{cs.slug}").get_data(as_text=True)


def test_writing_needs_a_token_with_the_write_drafts_scope(client, users):
    refused = client.post("/api/v1/case-studies", json=DRAFT)
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    _, reader = create_token(users["member"], "Reader", [Scope.READ], 30)
    forbidden = client.post("/api/v1/case-studies", json=DRAFT, headers=bearer(reader))
    assert forbidden.status_code == 403
    assert "write:drafts" in forbidden.get_json()["detail"]
    assert db.session.scalar(select(CaseStudy)) is None


def _form_messages(client, email: str, form: dict[str, str]) -> set[str]:
    """The error messages the new-case-study page shows for these values."""
    login(client, email)
    page = post_form(client, "/case-studies/new", form).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    return set(re.findall(r'<p class="error-message"[^>]*>.*?</span>\s*(.*?)</p>', page, re.S))


@pytest.mark.parametrize(
    ("body", "form"),
    [
        (
            {"title": "", "summary": "x" * 2000, "repository_url": "ftp://old"},
            {"title": "", "summary": "x" * 2000, "repository_url": "ftp://old"},
        ),
        (
            {"title": "A failure", "summary": "It went wrong.", "outcome": "failure"},
            {
                "title": "A failure",
                "summary": "It went wrong.",
                "outcome": "failure",
                "sector": "local-government",
                "budget_band": "unknown",
            },
        ),
        (
            {"title": "Dates", "summary": "Backwards.", "started_on": "2025-13-40"},
            {"title": "Dates", "summary": "Backwards.", "started_on": "2025-13-40"},
        ),
    ],
)
def test_refused_fields_are_422_with_the_forms_messages(client, users, writer, body, form):
    answer = client.post("/api/v1/case-studies", json=body, headers=bearer(writer[1]))
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    problem = answer.get_json()
    api_messages = {e["message"] for e in problem["errors"]}
    assert api_messages
    assert api_messages <= _form_messages(client, users["member"].email, form)
    assert db.session.scalar(select(CaseStudy)) is None


def test_the_422_names_each_field_and_matches_the_document(client, writer, conforms):
    body = {"title": "", "summary": "", "live_url": "not a web address"}
    problem = client.post("/api/v1/case-studies", json=body, headers=bearer(writer[1])).get_json()
    conforms("FieldProblem", problem)
    fields = {e["field"]: e["message"] for e in problem["errors"]}
    assert fields["title"] == "Enter a title"
    assert fields["summary"] == "Enter a summary of one or two sentences"


@pytest.mark.parametrize(
    ("data", "kwargs", "status"),
    [
        ('{"title": "unterminated', {"content_type": "application/json"}, 400),
        ("[1, 2]", {"content_type": "application/json"}, 400),
        ('{"title": 5, "summary": "s"}', {"content_type": "application/json"}, 400),
        (
            '{"title": "t", "summary": "s", "topics": "a"}',
            {"content_type": "application/json"},
            400,
        ),
        (
            '{"title": "t", "summary": "s", "owner": "me"}',
            {"content_type": "application/json"},
            400,
        ),
        ("title=t&summary=s", {"content_type": "application/x-www-form-urlencoded"}, 415),
        ("title: t", {"content_type": "text/yaml"}, 415),
    ],
)
def test_bodies_that_are_not_a_json_object_of_fields_are_refused(
    client, writer, data, kwargs, status
):
    answer = client.post("/api/v1/case-studies", data=data, headers=bearer(writer[1]), **kwargs)
    assert answer.status_code == status
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["detail"]
    assert db.session.scalar(select(CaseStudy)) is None


def test_writes_have_their_own_rate_limit(app, client, writer, limits_on):
    old = app.config["API_WRITE_RATE_LIMIT"]
    app.config["API_WRITE_RATE_LIMIT"] = "1 per hour"
    try:
        first = client.post("/api/v1/case-studies", json=DRAFT, headers=bearer(writer[1]))
        assert first.status_code == 201
        again = client.post("/api/v1/case-studies", json=DRAFT, headers=bearer(writer[1]))
        assert again.status_code == 429
        assert int(again.headers["Retry-After"]) >= 1
    finally:
        app.config["API_WRITE_RATE_LIMIT"] = old


def test_deleting_an_account_removes_its_tokens(users, writer):
    deletion.delete_own_account(users["member"], PASSWORD, remove_content=False)
    assert db.session.scalar(select(ApiToken)) is None


def test_the_api_page_and_the_account_page_explain_tokens(client, users, openapi):
    page = client.get("/api").get_data(as_text=True)
    assert 'id="tokens"' in page and "Authorization: Bearer dpse_" in page
    assert "-X POST 'http://dpse.test/api/v1/case-studies'" in page
    # Every problem type the API answers with has its explanation on the page.
    for name in PROBLEM_TYPES.values():
        assert f'id="problem-{name}"' in page
    post = openapi["paths"]["/case-studies"]["post"]
    assert set(post["responses"]) == {"201", "400", "401", "403", "415", "422", "429"}
    assert post["security"] == [{"bearer": ["write:drafts"]}]
    assert openapi["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    login(client, users["member"].email)
    account = client.get("/account").get_data(as_text=True)
    assert 'href="/account/tokens"' in account and "You have no tokens." in account
    token, _ = create_token(users["member"], "Nightly import", [Scope.WRITE_DRAFTS], 365)
    account = client.get("/account").get_data(as_text=True)
    assert "Nightly import" in account and f"{token.shown_prefix}…" in account
    assert "write:drafts" in account


def test_a_closed_accounts_token_stops_working_and_use_is_noted(client, users, writer):
    token, secret = writer
    assert token.last_used_at is None
    assert client.get("/api/v1/tags", headers=bearer(secret)).status_code == 200
    db.session.refresh(token)
    assert token.last_used_at is not None
    users["member"].active = False
    db.session.commit()
    assert client.get("/api/v1/tags", headers=bearer(secret)).status_code == 401
    assert (
        client.post("/api/v1/case-studies", json=DRAFT, headers=bearer(secret)).status_code == 401
    )


def test_the_owner_is_emailed_when_a_token_is_made_or_revoked(users, writer):
    """A token acts in the person's name: they hear of each one made or revoked, as of any
    change to how their account signs in, with what to do if it was not them."""
    from dpse.accounts.tokens import revoke_token
    from tests.events.factories import emails_to

    token, _secret = writer
    made = emails_to(users["member"].email)[-1]
    assert made.subject.startswith("A personal API token was created")
    assert "“Council sync”" in made.body
    assert "read what anyone can read and create draft case studies" in made.body
    assert "If this was not you" in made.body
    revoke_token(users["member"], token)
    revoked = emails_to(users["member"].email)[-1]
    assert revoked.subject.startswith("A personal API token was revoked")
    assert "“Council sync”" in revoked.body
