"""The application factory, configuration, security headers and error pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from dpse import create_app
from dpse.config import ConfigError, load_config
from dpse.extensions import db, limiter
from dpse.mail import OutboxEmail
from tests.conftest import CSRF_RE, post_form

BASE_URL = "https://exchange.example.org"


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "DPSE_ENV": "production",
        "DPSE_SECRET_KEY": "k" * 40,
        "DPSE_INSTANCE_PATH": str(tmp_path),
        "DPSE_BASE_URL": BASE_URL,
        **extra,
    }


def test_template_loader_finds_base_html(app):
    source, filename, _ = app.jinja_loader.get_source(app.jinja_env, "base.html")
    assert "<main" in source
    assert Path(filename).name == "base.html"


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = {"DPSE_ENV": "production", "DPSE_INSTANCE_PATH": str(tmp_path)}
    with pytest.raises(ConfigError, match="DPSE_SECRET_KEY must be set"):
        load_config(env)


def test_production_refuses_a_short_secret_key(tmp_path):
    env = {
        "DPSE_ENV": "production",
        "DPSE_SECRET_KEY": "short",
        "DPSE_INSTANCE_PATH": str(tmp_path),
    }
    with pytest.raises(ConfigError, match="at least 32"):
        load_config(env)


def test_production_refuses_to_start_without_a_base_url(tmp_path):
    env = _production_env(tmp_path)
    del env["DPSE_BASE_URL"]
    with pytest.raises(ConfigError, match="DPSE_BASE_URL must be set when DPSE_ENV=production"):
        load_config(env)


@pytest.mark.parametrize("bad", ["exchange.example.org", "ftp://x.example", "https://x.example/a"])
def test_a_malformed_base_url_is_refused(tmp_path, bad):
    with pytest.raises(ConfigError, match="DPSE_BASE_URL must look like"):
        load_config(_production_env(tmp_path, DPSE_BASE_URL=bad))


def test_trusted_hosts_are_the_base_urls_in_production_and_any_elsewhere(tmp_path):
    assert load_config(_production_env(tmp_path))["TRUSTED_HOSTS"] == ["exchange.example.org"]
    extra = _production_env(tmp_path, DPSE_TRUSTED_HOSTS="www.example.org, 10.0.0.5")
    assert load_config(extra)["TRUSTED_HOSTS"] == [
        "exchange.example.org",
        "www.example.org",
        "10.0.0.5",
    ]
    assert load_config({"DPSE_INSTANCE_PATH": str(tmp_path)})["TRUSTED_HOSTS"] is None
    dev = {"DPSE_INSTANCE_PATH": str(tmp_path), "DPSE_TRUSTED_HOSTS": "localhost"}
    assert load_config(dev)["TRUSTED_HOSTS"] == ["localhost"]


def _reset_link_asked_with_host(app, host: str) -> tuple[int, list[str]]:
    """Ask for a reset link with a form (and its cookie) from the real site, sent with ``host``."""
    client = app.test_client()
    token = CSRF_RE.search(client.get(f"{BASE_URL}/forgot-password").get_data(as_text=True))
    session = client.get_cookie("dpse_session", domain="exchange.example.org")
    client.set_cookie("dpse_session", session.value, domain=host)
    response = client.post(
        f"http://{host}/forgot-password",
        data={"csrf_token": token.group(1), "email": "member@testshire.gov.uk"},
    )
    if response.status_code == 400:
        assert response.get_data(as_text=True) == "Bad request: unknown host.\n"
    return response.status_code, list(db.session.scalars(select(OutboxEmail.body)))


def test_a_poisoned_host_header_never_reaches_an_emailed_link(tmp_path, database_url, users):
    """The finding: a reset asked with ``Host: evil.example`` emailed a link to evil.example."""
    env = _production_env(tmp_path, DPSE_SECURE_COOKIES="false", DPSE_RATELIMIT_ENABLED="false")
    app = create_app({**load_config(env), "SQLALCHEMY_DATABASE_URI": database_url})
    limiter.enabled = False
    try:
        status, bodies = _reset_link_asked_with_host(app, "evil.example")
        assert status == 400 and bodies == []
        app.config["TRUSTED_HOSTS"].append("www.example.org")  # as DPSE_TRUSTED_HOSTS would
        status, bodies = _reset_link_asked_with_host(app, "www.example.org")
    finally:
        with app.app_context():
            db.engine.dispose()  # this app's own connections, closed before the test ends
    assert status == 200
    assert f"{BASE_URL}/reset-password/" in bodies[0] and "www.example.org" not in bodies[0]


def test_development_keeps_answering_any_host(client, users):
    response = post_form(client, "http://other.example/forgot-password", {"email": "x@y.gov.uk"})
    assert response.status_code == 200


def test_production_uses_secure_cookies(tmp_path):
    config = load_config(_production_env(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_generates_and_keeps_a_secret_key(tmp_path):
    first = load_config({"DPSE_INSTANCE_PATH": str(tmp_path)})
    second = load_config({"DPSE_INSTANCE_PATH": str(tmp_path)})
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) >= 40
    assert first["SESSION_COOKIE_SECURE"] is False
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'dpse.sqlite3'}"


def test_database_url_and_instance_path_come_from_the_environment(tmp_path):
    config = load_config(
        {"DPSE_INSTANCE_PATH": str(tmp_path / "x"), "DPSE_DATABASE_URL": "postgresql://h/db"}
    )
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql://h/db"
    assert config["SEARCH_INDEX_PATH"] == str(tmp_path / "x" / "search-index")


def test_unknown_environment_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="DPSE_ENV must be one of"):
        load_config({"DPSE_ENV": "prod", "DPSE_INSTANCE_PATH": str(tmp_path)})


def test_importing_dpse_touches_no_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    import importlib

    import dpse

    importlib.reload(dpse)
    assert list(tmp_path.iterdir()) == []


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_contain_no_inline_script_or_style(client):
    html = client.get("/register").get_data(as_text=True)
    # Scripts only as files from /static (the CSP allows 'self'), never inline code.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert all('src="/static/' in attributes and not body.strip() for attributes, body in scripts)
    assert html.count("<script") == len(scripts)
    assert "style=" not in html and "<style" not in html


@pytest.mark.parametrize(
    ("method", "url", "status", "heading"),
    [
        ("get", "/no-such-page", 404, "Page not found"),
        ("post", "/", 405, "Method not allowed"),
        ("get", "/admin/users", 302, None),
    ],
)
def test_error_pages_use_the_site_design(client, method, url, status, heading):
    response = getattr(client, method)(url)
    assert response.status_code == status
    if heading:
        html = response.get_data(as_text=True)
        assert f"<h1>{heading}</h1>" in html
        assert 'class="site-header"' in html


def test_a_form_without_csrf_token_is_refused_with_a_clear_page(client):
    response = client.post("/login", data={"email": "a@b.gov.uk", "password": "x" * 12})
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)


def test_too_large_body_gets_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    try:
        response = client.post("/login", data={"email": "x" * 5000})
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)


def test_unexpected_error_renders_500_page(tmp_path, database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": False})

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "there is a problem on our side" in response.get_data(as_text=True)


def test_navigation_links_exist(client):
    html = client.get("/").get_data(as_text=True)
    for href in ('href="/case-studies"', 'href="/events"', 'href="/forum"', 'action="/search"'):
        assert href in html
    assert 'class="skip-link" href="#main"' in html


def test_search_box_keeps_the_query(client):
    html = client.get("/search?q=localgov+drupal").get_data(as_text=True)
    assert 'value="localgov drupal"' in html


def test_templates_never_mark_data_safe():
    templates = Path(__file__).resolve().parents[1] / "templates"
    offenders = [
        str(p) for p in templates.rglob("*.html") if "|safe" in p.read_text().replace(" ", "")
    ]
    assert offenders == []


def test_engine_options_follow_the_database_finally_chosen(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    connect_args = app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args", {})
    if database_url.startswith("sqlite"):
        assert connect_args == {"timeout": 30}  # writers wait for SQLite's lock
    else:
        # psycopg would refuse a "timeout" option; the session's planner settings ride along.
        from dpse.config import POSTGRES_SESSION_OPTIONS

        assert connect_args == {"options": POSTGRES_SESSION_OPTIONS}
