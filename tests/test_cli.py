"""The `dpse` command: init, seed, users create, mail send, serve, and one-line errors."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dpse.accounts.models import Organisation, User
from dpse.accounts.roles import Role
from dpse.cli import cli
from dpse.extensions import db
from dpse.search.indexer import wait_for
from dpse.search.schema import make_schema
from tests.conftest import free_port

DPSE = [sys.executable, "-c", "from dpse.cli import main; main()"]
ROOT = Path(__file__).resolve().parents[1]


def _clean_env() -> dict[str, str]:
    """The environment without DPSE_* settings, importing this checkout's dpse package."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DPSE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _run(*args: str, env: dict[str, str] | None = None, input: str | None = None):
    full_env = _clean_env()
    full_env.update(env or {})
    return subprocess.run(
        [*DPSE, *args], env=full_env, input=input, capture_output=True, text=True, timeout=120
    )


def test_seed_is_idempotent(app):
    runner = CliRunner()
    first = runner.invoke(cli, ["seed"])
    assert first.exit_code == 0, first.output
    counts = (
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Organisation.id))),
    )
    second = runner.invoke(cli, ["seed"])
    assert second.exit_code == 0
    assert "0 added" in second.output
    assert counts == (
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Organisation.id))),
    )
    roles = set(db.session.scalars(select(User.role)))
    assert roles == set(Role)
    for email in ("admin", "moderator", "organiser", "member", "supplier"):
        assert db.session.scalar(select(User).where(User.email == f"{email}@dpse.example"))


def test_users_create_asks_for_the_password(app):
    result = CliRunner().invoke(
        cli,
        ["users", "create", "--email", "New@Testshire.gov.uk", "--role", "moderator"],
        input="a long password here\na long password here\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new@testshire.gov.uk"))
    assert user.role == Role.MODERATOR and user.email_verified
    assert "a long password here" not in result.output


def test_users_create_errors_are_one_line(app):
    result = CliRunner().invoke(
        cli, ["users", "create", "--email", "x@testshire.gov.uk"], input="short\nshort\n"
    )
    assert result.exit_code == 1
    assert (
        result.output.strip().splitlines()[-1] == "Error: Password must be at least 12 characters"
    )
    missing = CliRunner().invoke(
        cli, ["users", "create", "--email", "x@t.gov.uk", "--organisation", "nope"], input=""
    )
    assert "Error: no organisation with slug 'nope'" in missing.output


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _run("init", env={"DPSE_ENV": "production", "DPSE_INSTANCE_PATH": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: DPSE_SECRET_KEY must be set when DPSE_ENV=production"
    assert "Traceback" not in result.stderr


def _production(tmp_path: Path) -> dict[str, str]:
    return {
        "DPSE_ENV": "production",
        "DPSE_SECRET_KEY": "p" * 40,
        "DPSE_INSTANCE_PATH": str(tmp_path),
        "DPSE_BASE_URL": "https://exchange.example.org",
    }


def test_production_refuses_to_start_without_a_base_url(tmp_path):
    env = _production(tmp_path)
    del env["DPSE_BASE_URL"]
    result = _run("init", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: DPSE_BASE_URL must be set when DPSE_ENV=production")
    assert len(result.stderr.strip().splitlines()) == 1


def test_serve_dev_refuses_to_run_the_debugger_in_production(tmp_path):
    result = _run("serve", "--dev", env=_production(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: --dev (Flask's debugger) is never used when DPSE_ENV=production; serve without it"
    )
    assert result.stdout == ""  # refused before touching the database or serving anything
    assert not (tmp_path / "dpse.sqlite3").exists()


def test_production_never_loads_demo_content(tmp_path):
    env = _production(tmp_path)
    assert _run("init", env=env).returncode == 0
    result = _run("seed", env=env)
    assert result.returncode == 1
    assert "never loaded when DPSE_ENV=production" in result.stderr


def test_unreachable_database_is_one_clear_line(tmp_path):
    env = {
        "DPSE_INSTANCE_PATH": str(tmp_path),
        "DPSE_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nope",
    }
    result = _run("init", env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: database error:")


def test_mail_send_drains_the_outbox(app):
    from dpse import mail

    mail.queue_email("a@testshire.gov.uk", "s", "b")
    db.session.commit()
    result = CliRunner().invoke(cli, ["mail", "send"])
    assert result.exit_code == 0 and "Sent 1 message(s)" in result.output


def _get(opener, url: str) -> str:
    with opener.open(url, timeout=10) as response:
        return response.read().decode()


def test_serve_brings_up_the_demo_and_demo_users_can_sign_in(tmp_path):
    """The README's quick start: first run migrates, seeds, prints the accounts and serves."""
    port = free_port()
    env = _clean_env()
    env["DPSE_INSTANCE_PATH"] = str(tmp_path / "instance")
    proc = subprocess.Popen(
        [*DPSE, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                home = _get(opener, base + "/")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"dpse serve did not come up:\n{proc.stdout.read()}")
                time.sleep(0.3)
        assert "Public Sector Exchange" in home
        form = _get(opener, base + "/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode(
            {"csrf_token": token, "email": "member@dpse.example", "password": "demo-password"}
        ).encode()
        with opener.open(base + "/login", data=data, timeout=10) as response:
            page = response.read().decode()
        assert "You are signed in as Mina Member" in page
        assert Path(tmp_path / "instance" / "dpse.sqlite3").exists()
        for path in ("/reset-password/SeCrEtToKeN.x.y", "/verify-email/SeCrEtToKeN.x.y"):
            with pytest.raises(urllib.error.HTTPError):  # a 400 page: the link is not valid
                _get(opener, base + path)
        # The indexer runs beside the server: the demo content becomes searchable.
        assert wait_for(lambda: "LocalGov Drupal" in _get(opener, base + "/search?q=drupal"), 60)
        with opener.open(base + "/healthz", timeout=10) as response:
            health = json.loads(response.read())
            assert response.headers["X-Request-Id"]
        assert health["status"] == "ok" and health["indexer"]["lag_changes"] == 0
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert "admin@dpse.example" in output and "demo-password" in output
    # The request log (one line each, with its request id) never shows the tokens in paths
    request_line = r"INFO dpse.request \[[0-9a-f]{32}\] GET /reset-password/\[redacted\] 400"
    assert re.search(request_line, output)
    assert "Search indexer stopped" in output  # stopped with the server
    assert "SeCrEtToKeN" not in output


def test_search_reindex_status_and_drain(app):
    runner = CliRunner()
    assert runner.invoke(cli, ["seed"]).exit_code == 0
    from dpse.search.engine import current_engine

    shutil.rmtree(current_engine().path, ignore_errors=True)  # the index folder is lost
    current_engine().forget_searchers()
    status = runner.invoke(cli, ["search", "status"])
    assert status.exit_code == 0, status.output
    assert "NOT in sync" in status.output
    rebuilt = runner.invoke(cli, ["search", "reindex"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Indexing" in rebuilt.output  # the progress bar's label
    indexed = int(re.search(r"Indexed (\d+) document", rebuilt.output).group(1))
    assert indexed > 20
    status = runner.invoke(cli, ["search", "status"])
    assert "in sync" in status.output and "NOT" not in status.output
    assert re.search(r"^case_study\s+(\d+)\s+\1$", status.output, re.M)
    assert "index segments: 1 " in status.output
    assert "index schema" not in status.output  # built with this release's schema
    drained = runner.invoke(cli, ["search", "drain"])
    assert drained.exit_code == 0, drained.output


def test_search_status_tells_when_the_index_schema_is_older(app, tmp_path):
    from whoosh.fields import ID
    from whoosh.filedb.filestore import FileStorage

    from dpse.search.engine import current_engine

    engine = current_engine()
    old_path = engine.path
    engine.forget_searchers()
    engine.path = tmp_path / "old-index"
    engine.path.mkdir()
    # An index built by an imaginary earlier release, whose type facet had no column.
    schema = make_schema()
    schema.remove("type")
    schema.add("type", ID(stored=True))
    FileStorage(str(engine.path)).create_index(schema)
    try:
        status = CliRunner().invoke(cli, ["search", "status"])
    finally:
        engine.forget_searchers()
        engine.path = old_path
    assert status.exit_code == 0, status.output
    assert "index schema: older than this release's: run `dpse search reindex`" in status.output
