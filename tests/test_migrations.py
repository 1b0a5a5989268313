"""The Alembic revisions create exactly the schema the models describe."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import warnings
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from dpse.content import PIPELINE_VERSION
from dpse.extensions import db

ROOT = Path(__file__).resolve().parents[1]
BEFORE_RENDERING = "c3d4e5f6a7b8"  # the revision before 2f3f88c50119 (render once)


# Indexes on an expression, which SQLAlchemy cannot reflect on every database (it warns and
# skips them): the test below checks them by name instead.
EXPRESSION_INDEXES = {"ix_user_account_by_name": "user_account"}


def test_models_and_migrations_agree(app):
    with db.engine.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    diff = [d for d in diff if not (d[0] == "add_index" and d[1].name in EXPRESSION_INDEXES)]
    assert diff == []
    for name, table in EXPRESSION_INDEXES.items():
        assert name in {i.name for i in db.metadata.tables[table].indexes}
        with db.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                found = conn.exec_driver_sql(
                    "SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name = ?",
                    (name,),
                ).scalar()
            else:
                found = conn.exec_driver_sql(
                    "SELECT tablename FROM pg_indexes WHERE indexname = %(name)s", {"name": name}
                ).scalar()
        assert found == table, name


def test_upgrading_renders_what_was_stored_before_rendering_moved_to_save_time(tmp_path):
    """`dpse init` on a database from before the stored renderings fills them in."""
    database = tmp_path / "old.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DPSE_")}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
            "DPSE_INSTANCE_PATH": str(tmp_path),
            "DPSE_DATABASE_URL": f"sqlite:///{database}",
        }
    )
    to_old = (
        "from flask_migrate import upgrade; from dpse import create_app; app = create_app()\n"
        "with app.app_context(): upgrade(directory=app.extensions['migrate'].directory,"
        f" revision={BEFORE_RENDERING!r})"
    )
    subprocess.run([sys.executable, "-c", to_old], env=env, check=True, timeout=120)
    with sqlite3.connect(database) as conn:
        conn.execute(
            "INSERT INTO user_account (email, display_name, password_hash, role, job_title, bio,"
            " active, session_token, created_at, updated_at) VALUES ('old@example.org', 'Old',"
            " 'x', 'member', '', 'I *like* Drupal', 1, 't', '2026-01-01 00:00:00',"
            " '2026-01-01 00:00:00')"
        )
    init = subprocess.run(
        [sys.executable, "-c", "from dpse.cli import main; main()", "init"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    assert "Rendered 1 row(s)" in init.stdout
    with sqlite3.connect(database) as conn:
        row = conn.execute("SELECT bio_html, bio_text, render_version FROM user_account").fetchone()
    assert row == ("<p>I <em>like</em> Drupal</p>\n", "I like Drupal", PIPELINE_VERSION)


def test_the_revisions_form_one_line():
    """One head: a second branch would be applied in an order nobody chose."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / "dpse" / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


BEFORE_COUNTS = "d3e4f5a6b711"  # the revision before the counts kept by triggers


def test_the_kept_counts_migrate_down_and_up_again(database_url, tmp_path):
    """The migrations that add counts kept by triggers (e4f5a6b7c812, f5a6b7c8d913) go down
    and up again on this database, and up again the counts are right and kept."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    env = {k: v for k, v in os.environ.items() if not k.startswith("DPSE_")}
    url = database_url
    if not url.startswith("sqlite"):  # a database of its own beside the suite's
        base = make_url(url)
        admin = create_engine(base, isolation_level="AUTOCOMMIT")  # the suite's own database
        name = f"{base.database}_updown"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = base.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'updown.sqlite3'}"
    env.update(
        {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
            "DPSE_INSTANCE_PATH": str(tmp_path),
            "DPSE_DATABASE_URL": url,
        }
    )
    script = (
        "from flask_migrate import upgrade, downgrade\n"
        "from sqlalchemy import text\n"
        "from dpse import create_app\n"
        "from dpse.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    where = app.extensions['migrate'].directory\n"
        "    upgrade(directory=where, revision='head')\n"
        '    db.session.execute(text("INSERT INTO organisation (name, slug, kind, country,'
        " website, domains, created_at, updated_at) VALUES ('Acme', 'acme', 'supplier', '', '',"
        " '', '2026-01-01', '2026-01-01')\"))\n"
        "    db.session.commit()\n"
        f"    downgrade(directory=where, revision={BEFORE_COUNTS!r})\n"
        '    db.session.execute(text("INSERT INTO user_account (email, display_name,'
        " password_hash, role, job_title, bio, active, session_token, created_at, updated_at,"
        " organisation_id, membership_verified_at, handle, handle_key, render_version) VALUES"
        " ('a@acme.test', 'A', 'x', 'supplier', '', '', true, 't', '2026-01-01', '2026-01-01',"
        " (SELECT id FROM organisation), '2026-01-01', 'a', 'a', 0)\"))\n"
        "    db.session.commit()\n"
        "    upgrade(directory=where, revision='head')\n"
        "    print(db.session.execute(text('SELECT shown_members FROM organisation')).scalar())\n"
        "    db.session.execute(text('UPDATE user_account SET active = false'))\n"
        "    db.session.commit()\n"
        "    print(db.session.execute(text('SELECT shown_members FROM organisation')).scalar())\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=180
        )
    finally:
        if not database_url.startswith("sqlite"):
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "0"]  # counted on the way up, then kept by triggers
