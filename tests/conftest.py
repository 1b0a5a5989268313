"""Fixtures: a migrated throw-away database (SQLite, or PostgreSQL when
DPSE_TEST_DATABASE_URL is set), the app, a client, users of every role, a loopback SMTP server."""

from __future__ import annotations

import os
import re
import secrets
import socket
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# Settings every test app sees, set before anything reads the environment.
_TMP = Path(tempfile.mkdtemp(prefix="dpse-tests-"))
os.environ.update(
    {
        "DPSE_ENV": "testing",
        "DPSE_SECRET_KEY": "test-secret-key-" + "x" * 32,
        "DPSE_INSTANCE_PATH": str(_TMP / "instance"),
        "DPSE_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # a fast KDF: tests make many users
        "DPSE_LOG_LEVEL": "WARNING",
    }
)
for leaking in ("DPSE_DATABASE_URL", "DPSE_SMTP_URL", "DPSE_BASE_URL"):
    os.environ.pop(leaking, None)

from dpse import create_app  # noqa: E402
from dpse.accounts import service as accounts  # noqa: E402
from dpse.accounts.models import Organisation, OrganisationKind, User  # noqa: E402
from dpse.accounts.roles import Role  # noqa: E402
from dpse.events.models import Event  # noqa: E402
from dpse.events.service import create_event  # noqa: E402
from dpse.extensions import db, limiter  # noqa: E402
from dpse.search.engine import current_engine  # noqa: E402

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


class FreshRequestClient(FlaskClient):
    """Tests keep an app context open, so requests would share ``g`` (and Flask-Login's cached
    user in it); a real server gives every request a fresh one, so do that here too."""

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if has_app_context():
            g.__dict__.clear()
            index_waiting_changes()
        return super().open(*args, **kwargs)


def index_waiting_changes() -> None:
    """Beside a real server `dpse search indexer` applies each change within a second; here the
    same indexer code runs in this process before every request, so a page sees what the test
    wrote before it. Its statements are not the page's, so query counts leave them out."""
    QueryCounter.paused = True
    try:
        current_engine().drain(merge=False)
    finally:
        QueryCounter.paused = False


def _postgres_database(base_url: str) -> Iterator[str]:
    """Create a fresh database on the given server, yield its URL, drop it afterwards."""
    url = make_url(base_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = f"dpse_test_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite in a temp folder, or a new PostgreSQL database per run."""
    base = os.environ.get("DPSE_TEST_DATABASE_URL")
    if base:
        yield from _postgres_database(base)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app for the run, its database migrated to the newest revision."""
    from flask_migrate import upgrade

    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(instance),
            "SEARCH_INDEX_PATH": str(instance / "search-index"),
            "SERVER_NAME": "dpse.test",
        }
    )
    app.test_client_class = FreshRequestClient
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory, revision="head")
    limiter.enabled = False  # rate-limit tests switch it on for themselves
    yield app
    with app.app_context():
        current_engine().forget_searchers()  # close the pooled searchers' files
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{t}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f'DELETE FROM "{table}"'))
        # AUTOINCREMENT counters too, as TRUNCATE … RESTART IDENTITY does on PostgreSQL
        db.session.execute(text("DELETE FROM sqlite_sequence"))
    db.session.commit()


@pytest.fixture(autouse=True)
def _app_context(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test that uses the app runs in its context and starts with empty tables, an empty
    search index of its own (a folder made only if the test searches or indexes) and the
    app's settings as they were."""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    index_folder = request.getfixturevalue("tmp_path") / "search-index"
    settings = dict(app.config)  # a test that changes a setting changes it for itself only
    with app.app_context():
        engine = current_engine()
        shared_folder, engine.path = engine.path, index_folder
        try:
            yield
        finally:
            engine.forget_searchers()
            engine.path = shared_folder
            app.config.clear()
            app.config.update(settings)
            db.session.remove()
            _empty_all_tables()
            db.session.remove()
    limiter.enabled = False
    limiter.reset()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like test client (cookies kept between requests)."""
    return app.test_client()


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    """Load a page with a form and return its CSRF token, as a browser would."""
    page = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict[str, object], form_url: str | None = None):
    """Submit a form like a browser: fetch it for the CSRF token, then post."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={"csrf_token": token, **data})


def login(client: FlaskClient, email: str, password: str = PASSWORD, remember: bool = False):
    """Sign in through the real form."""
    data: dict[str, object] = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return post_form(client, "/login", data)


@pytest.fixture
def organisations(app: Flask) -> dict[str, Organisation]:
    """A council and a supplier."""
    council = accounts.create_organisation("Testshire Council", OrganisationKind.COUNCIL, "UK")
    supplier = accounts.create_organisation("Acme Drupal Ltd", OrganisationKind.SUPPLIER, "UK")
    db.session.commit()
    return {"council": council, "supplier": supplier}


@pytest.fixture
def users(organisations: dict[str, Organisation]) -> dict[str, User]:
    """One verified account per role, keyed by role name."""
    made = {}
    for role in Role:
        org = organisations["supplier" if role == Role.SUPPLIER else "council"]
        made[role.value] = accounts.create_user(
            f"{role.value}@testshire.gov.uk",
            f"{role.value.title()} Person",
            PASSWORD,
            role,
            org,
            verified=True,
        )
    return made


@pytest.fixture
def make_event(users: dict[str, User]) -> Callable[..., Event]:
    """make_event(organiser=None, slug=None, **details) -> a saved event (organiser by default)."""

    from tests.events.factories import details  # it imports PASSWORD from this module

    def make(organiser: User | None = None, slug: str | None = None, **overrides: Any) -> Event:
        past = overrides.pop("allow_past", False)
        return create_event(
            organiser or users["organiser"], details(**overrides), slug=slug, allow_past=past
        )

    return make


@pytest.fixture
def make_people(organisations: dict) -> Callable[..., list[User]]:
    """make_people(n) -> n verified members, inserted in one go (fast)."""

    def make(n: int, prefix: str = "person") -> list[User]:
        people = [
            User(
                email=f"{prefix}{i}@testshire.gov.uk",
                display_name=f"Person {i:02d}",
                password_hash="x",
                role=Role.MEMBER,
                organisation=organisations["council"],
                email_verified_at=datetime.now(UTC),
                membership_verified_at=datetime.now(UTC),
            )
            for i in range(n)
        ]
        db.session.add_all(people)
        db.session.commit()
        return people

    return make


class QueryCounter:
    """Counts the SQL statements the app runs while active (see the ``count_queries`` fixture)."""

    paused = False  # while the test client runs the indexer before a request

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: PLR0913
        if not QueryCounter.paused:
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask):
    """``with count_queries() as q: client.get(...)`` then ``q.count`` is the number of SQL
    statements run, for asserting list pages stay bounded whatever their length."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        # Index what the test's own setup queued first, so that work is not counted against
        # the page (a real request starts with a session of its own).
        current_engine().drain()
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting


class SMTPCollector:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[dict[str, object]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "data": envelope.content.decode("utf-8", "replace"),
            }
        )
        return "250 Message accepted"


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[SMTPCollector]:
    """A real SMTP server on loopback; the app sends its mail there for the test."""
    from aiosmtpd.controller import Controller

    collector = SMTPCollector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    old = app.config["SMTP_URL"]
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        yield collector
    finally:
        app.config["SMTP_URL"] = old
        controller.stop()


# Modules whose tests take seconds each: browsers, fuzzing, races fired from many threads,
# several processes sharing an index, the real server. `pytest -m "not slow"` leaves them out.
SLOW_MODULES = frozenset(
    {
        "test_fuzz.py",
        "test_races.py",
        "test_concurrency.py",
        "test_consistency.py",
        "test_cli.py",
        "test_scheduled_jobs.py",
        "test_hosts.py",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow modules' tests (and every browser test) with the `slow` marker."""
    for item in items:
        path = item.path
        if path.name in SLOW_MODULES or "browser" in path.parts:
            item.add_marker(pytest.mark.slow)
