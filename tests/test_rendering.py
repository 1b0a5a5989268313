"""User Markdown is rendered once, when saved; pages, feeds and the indexer read the result."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from dpse import content
from dpse.accounts import service as accounts
from dpse.casestudies.models import CaseStudy
from dpse.cli import cli
from dpse.content import PIPELINE_VERSION
from dpse.events.service import create_event
from dpse.extensions import db
from dpse.forum import service as forum
from dpse.forum.models import Post
from dpse.rendering import count_stale, rerender_stale
from dpse.search.engine import current_engine
from tests.casestudies.factories import make_case_study
from tests.conftest import login, post_form
from tests.events.factories import details
from tests.forum.factories import make_thread


@pytest.fixture(autouse=True)
def _no_holding(app):
    """These accounts are new: their posts would wait for a moderator."""
    old, app.config["HOLD_FIRST_POSTS"] = app.config["HOLD_FIRST_POSTS"], 0
    yield
    app.config["HOLD_FIRST_POSTS"] = old


def hostile_table(limit: int = forum.MAX_BODY) -> str:
    """A Markdown table as large as a post may be: the costliest thing to render and sanitise."""
    row = "|" + "|".join(f"*c{n}*" for n in range(12)) + "|\n"
    head = row + "|" + "---|" * 12 + "\n"
    return (head + row * (limit // len(row)))[: limit - len(row)]


def test_saving_stores_html_and_plain_text_with_the_pipeline_version(users):
    cs = make_case_study(users["member"], challenge="An **old** CMS & <script>x()</script>")
    thread = make_thread(users["member"], body="Hello *there* <img src=x onerror=alert(1)>")
    event = create_event(users["organiser"], details(description="Bring [it](https://x.org)"))
    accounts.update_profile(users["member"], "Member Person", "", "I _like_ Drupal", None)

    assert cs.challenge_html.strip() == "<p>An <strong>old</strong> CMS &amp; x()</p>"
    assert cs.challenge_text == "An old CMS & x()"
    post = db.session.scalars(select(Post).where(Post.thread_id == thread.id)).one()
    assert "<em>there</em>" in post.body_html and "onerror" not in post.body_html
    assert post.body_text == "Hello there"
    assert 'rel="nofollow ugc noopener"' in event.description_html
    assert event.description_text == "Bring it"
    assert users["member"].bio_text == "I like Drupal"
    for row in (cs, post, event, users["member"]):
        assert row.render_version == PIPELINE_VERSION


def test_editing_renders_the_new_text_and_keeps_the_old_rendering_in_history(users):
    thread = make_thread(users["member"], body="First **version**")
    post = db.session.scalars(select(Post).where(Post.thread_id == thread.id)).one()
    forum.edit_post(users["member"], post, "Second _version_")
    assert post.body_html.strip() == "<p>Second <em>version</em></p>"
    assert post.body_text == "Second version"


def test_pages_read_stored_renderings(client, users, monkeypatch):
    cs = make_case_study(
        users["member"], status="published", moderator=users["moderator"], results="**Fast**"
    )
    thread = make_thread(users["member"], body="A *reply* with words", replies=1)
    event = create_event(users["organiser"], details(description="Bring a **laptop**"))
    accounts.update_profile(users["member"], "Member Person", "", "I _like_ Drupal", None)
    post = db.session.scalars(select(Post).where(Post.thread_id == thread.id)).first()
    forum.edit_post(users["member"], post, "A *reply* with **more** words")
    current_engine().drain()

    def refuse(*_args, **_kwargs):
        raise AssertionError("Markdown was rendered while showing a page")

    content.render.cache_clear()
    monkeypatch.setattr(content._markdown, "render", refuse)
    pages = {
        f"/case-studies/{cs.slug}": "<strong>Fast</strong>",
        f"/forum/t/{thread.id}-{thread.slug}": "<em>reply</em>",
        f"/events/{event.slug}": "<strong>laptop</strong>",
        f"/people/{users['member'].handle}": "<em>like</em>",
        "/search?q=reply": "reply",
        f"/events/{event.slug}.ics": "Bring a laptop",
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        unfolded = response.get_data(as_text=True).replace("\r\n ", "")  # iCalendar folds lines
        assert expected in unfolded, url
    login(client, "moderator@testshire.gov.uk")
    for url in (f"/forum/p/{post.id}/history", "/moderation"):
        assert client.get(url).status_code == 200, url
    history = client.get(f"/forum/p/{post.id}/history").get_data(as_text=True)
    assert "<strong>more</strong>" in history and "A <em>reply</em> with words" in history


def _make_stale(model, **values) -> None:
    db.session.execute(update(model).values(render_version=0, **values))
    db.session.commit()


def test_rerender_redoes_what_an_older_pipeline_stored_and_keeps_updated_at(users):
    cs = make_case_study(users["member"], challenge="An **old** CMS")
    _make_stale(CaseStudy, challenge_html="<p>stale</p>", challenge_text="stale")
    db.session.expire_all()
    edited_at = db.session.get(CaseStudy, cs.id).updated_at
    assert count_stale()["CaseStudy"] == 1

    assert rerender_stale() == 1
    db.session.expire_all()
    fresh = db.session.get(CaseStudy, cs.id)
    assert fresh.challenge_html.strip() == "<p>An <strong>old</strong> CMS</p>"
    assert fresh.challenge_text == "An old CMS"
    assert fresh.render_version == PIPELINE_VERSION
    assert fresh.updated_at == edited_at
    assert count_stale()["CaseStudy"] == 0


def test_setting_one_section_of_an_old_row_renders_all_of_them(users):
    cs = make_case_study(users["member"], challenge="An **old** CMS", results="*Fast*")
    _make_stale(CaseStudy, results_html="", results_text="")
    db.session.expire_all()
    cs = db.session.get(CaseStudy, cs.id)
    cs.challenge = "A **new** challenge"
    db.session.commit()
    assert cs.results_html.strip() == "<p><em>Fast</em></p>"
    assert cs.render_version == PIPELINE_VERSION


def test_content_rerender_command_shows_progress_and_is_idempotent(users):
    make_case_study(users["member"])
    make_thread(users["member"], replies=2)
    _make_stale(Post, body_html="", body_text="")
    runner = CliRunner()
    first = runner.invoke(cli, ["content", "rerender"])
    assert first.exit_code == 0, first.output
    assert "Rendering stored Markdown" in first.output and "Rendered 3 row(s)" in first.output
    assert all(post.body_html for post in db.session.scalars(select(Post)))
    second = runner.invoke(cli, ["content", "rerender"])
    assert second.exit_code == 0 and "up to date" in second.output


def _thread_with(author, bodies: list[str]):
    thread = make_thread(author, title="Tables or not", body=bodies[0])
    for body in bodies[1:]:
        forum.reply(author, thread, body)
    return f"/forum/t/{thread.id}-{thread.slug}"


def test_a_thread_of_huge_hostile_tables_costs_about_what_short_replies_cost(client, users):
    """Viewing is bounded by what is stored, not by how costly the Markdown was to render.

    Before rendering moved to save time, each view of 20 such posts took ~14 s against ~0.05 s
    for short replies. Both pages are timed in this test, alternately, best of several.
    """
    table = hostile_table()
    assert len(table) <= forum.MAX_BODY
    hostile = _thread_with(users["member"], [table] * 20)
    plain = _thread_with(users["member"], [f"Short reply number {n}." for n in range(20)])
    for url in (hostile, plain):  # warm up templates and the database's caches
        assert client.get(url).status_code == 200
    assert client.get(hostile).get_data(as_text=True).count("<table>") == 20

    best = {hostile: float("inf"), plain: float("inf")}
    for _ in range(7):
        for url in (hostile, plain):
            started = time.perf_counter()
            client.get(url)
            best[url] = min(best[url], time.perf_counter() - started)
    ratio = best[hostile] / best[plain]
    print(f"hostile {best[hostile] * 1000:.1f} ms, plain {best[plain] * 1000:.1f} ms, x{ratio:.2f}")
    assert ratio < 4


def test_previews_are_bounded_in_length_before_anything_is_rendered(client, users, monkeypatch):
    login(client, "member@testshire.gov.uk")
    calls = []
    real = content._markdown.render
    monkeypatch.setattr(content._markdown, "render", lambda text: calls.append(1) or real(text))
    too_long = "x " * 60_000
    data = {
        "title": "A title",
        "summary": "A summary",
        "sector": "local-government",
        "outcome": "success",
        "budget_band": "unknown",
        "challenge": too_long,
        "action": "preview",
    }
    response = post_form(client, "/case-studies/new", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Keep each section under 20,000 characters" in html
    assert calls == []
