"""The `dpse` command: init, seed, serve, users, mail, notifications, search, backup, restore,
demo, content.

Over 400 lines for a reason: it is every command's thin wrapper (options, progress bars,
one-line errors) in one place, so `dpse --help` and this file list the same things; the work
itself is in the modules each command calls.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask, current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from dpse import database, pagecache
from dpse.config import ConfigError

F = TypeVar("F", bound=Callable[..., Any])
DEMO_PASSWORD = "demo-password"  # noqa: S105 - published demo credential, refused in production


def _make_app() -> Flask:
    from dpse import create_app

    return create_app()


def with_app(func_: F) -> F:
    """Run the command inside an app context (the Flask CLI's, or a fresh app's)."""

    @functools.wraps(func_)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            if has_app_context():
                return func_(*args, **kwargs)
            with _make_app().app_context():
                return func_(*args, **kwargs)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        except SQLAlchemyError as exc:
            first_line = str(exc.orig if hasattr(exc, "orig") else exc).strip().splitlines()[0]
            raise click.ClickException(f"database error: {first_line}") from None

    return wrapper  # type: ignore[return-value]


@click.group(help="DPSE, the Public Sector Exchange.")
def cli() -> None:
    """The command group."""


def apply_migrations() -> None:
    """Create the instance folder and bring the database schema up to date."""
    from flask_migrate import upgrade

    Path(current_app.instance_path).mkdir(parents=True, exist_ok=True)
    # "head", not "heads": a second branch is an error (tests/test_migrations.py) to fix first
    upgrade(directory=current_app.extensions["migrate"].directory, revision="head")
    _rerender_stale()  # what an older Markdown pipeline stored, or a new column left empty
    database.optimize(vacuum=False)  # the planner's statistics, for the tables as they are


def _rerender_stale() -> int:
    """Render again the stored Markdown an older pipeline produced, with a progress bar."""
    from dpse.rendering import count_stale, rerender_stale

    total = sum(count_stale().values())
    if not total:
        return 0
    with _progress_bar(total, "Rendering stored Markdown") as progress:
        count = rerender_stale(progress)
    click.echo(f"Rendered {count} row(s) with the current Markdown pipeline")
    return count


@contextmanager
def _progress_bar(total: int, label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar fed by a ``progress(done, total)`` callback, as long jobs report."""
    with click.progressbar(length=total, label=label, show_pos=True) as bar:
        shown = {"n": 0}

        def progress(count: int, _total: int) -> None:
            bar.update(count - shown["n"])
            shown["n"] = count

        yield progress


@cli.command("init")
@with_app
def init_command() -> None:
    """Create the instance folder and apply database migrations."""
    apply_migrations()
    click.echo(f"Database ready: {_safe_db_url()}")


def _safe_db_url() -> str:
    from dpse.extensions import db

    return db.engine.url.render_as_string(hide_password=True)


def _refuse_in_production() -> None:
    if current_app.config["DPSE_ENV"] == "production":
        raise click.ClickException("demo content is never loaded when DPSE_ENV=production")


@cli.command("seed")
@with_app
def seed_command() -> None:
    """Load the demo content in seed_data/ (safe to run again)."""
    _refuse_in_production()
    from dpse.seed import load_seed

    apply_migrations()
    load_seed(progress=click.echo)
    _drain_search()


def _drain_search() -> None:
    from dpse.search.engine import current_engine

    applied = current_engine().drain()
    click.echo(f"Search index: {applied} change(s) applied")


def _database_is_empty() -> bool:
    from dpse.accounts.models import User
    from dpse.extensions import db

    return not db.session.scalar(select(func.count(User.id)))


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="gunicorn worker processes (several need DPSE_RATELIMIT_STORAGE_URI=redis://…).",
)
@click.option("--dev", is_flag=True, help="Flask's development server with the reloader.")
@with_app
def serve_command(host: str, port: int, workers: int | None, dev: bool) -> None:
    """Prepare the database (and demo content on first run), then serve the portal and run
    this host's search indexer beside it."""
    from dpse import serving

    if dev and current_app.config["DPSE_ENV"] == "production":
        # The development server runs Werkzeug's debugger: any error page is a Python console.
        raise click.ClickException(
            "--dev (Flask's debugger) is never used when DPSE_ENV=production; serve without it"
        )
    try:
        workers, why = serving.plan_workers(workers, dict(os.environ))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if os.environ.get("WERKZEUG_RUN_MAIN") != "true":  # not again in the reloader's child
        apply_migrations()
        if _database_is_empty() and current_app.config["DPSE_ENV"] != "production":
            from dpse.seed import DEMO_ACCOUNTS, load_seed

            load_seed(progress=click.echo)
            _drain_search()
            click.echo(f"\nDemo accounts (password: {DEMO_PASSWORD}):")
            for email, role in DEMO_ACCOUNTS:
                click.echo(f"  {email:<28} {role}")
            click.echo("")
        click.echo(f"Serving DPSE on http://{host}:{port}/ (Ctrl+C to stop)")
        click.echo("" if dev else f"Running {why}; the search indexer runs beside it")
    sys.stdout.flush()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    sys.exit(serving.run(app, host, port, workers, dev, click.echo))


@cli.group("users")
def users_group() -> None:
    """Manage accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", help="Display name (defaults to the email's name part).")
@click.option(
    "--role",
    type=click.Choice(["member", "supplier", "organiser", "moderator", "admin"]),
    default="member",
    show_default=True,
)
@click.option("--organisation", "organisation_slug", help="Slug of an existing organisation.")
@with_app
def users_create(
    email: str, display_name: str | None, role: str, organisation_slug: str | None
) -> None:
    """Create a verified account; the password is asked for, never taken as an argument."""
    from dpse.accounts import service
    from dpse.accounts.models import Organisation
    from dpse.accounts.roles import Role
    from dpse.extensions import db

    organisation = None
    if organisation_slug:
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.slug == organisation_slug)
        )
        if organisation is None:
            raise click.ClickException(f"no organisation with slug {organisation_slug!r}")
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = service.create_user(
            email,
            display_name or email.split("@")[0],
            password,
            Role(role),
            organisation,
            verified=True,
        )
    except service.AccountError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Created {user.email} ({user.role.value}), id {user.id}")


@cli.group("mail")
def mail_group() -> None:
    """The email outbox."""


@mail_group.command("send")
@with_app
def mail_send() -> None:
    """Send what is waiting in the email outbox (retries failed messages)."""
    from dpse.mail import deliver_pending

    total = 0
    while sent := deliver_pending():
        total += sent
    click.echo(f"Sent {total} message(s)")


@cli.command("maintenance")
@with_app
def maintenance_command() -> None:
    """Retention, for cron: build waiting data exports, delete expired ones, delete accounts
    never confirmed and clear the bodies of old sent emails (periods: DPSE_*_DAYS)."""
    from dpse.accounts.retention import run_maintenance
    from dpse.mail import deliver_pending

    report = run_maintenance()
    while deliver_pending():
        pass
    click.echo(report.summary())
    click.echo(f"Planner statistics brought up to date ({database.optimize()})")


@cli.group("exports")
def exports_group() -> None:
    """People's downloads of their data."""


@exports_group.command("build")
@with_app
def exports_build() -> None:
    """Build the data exports people asked for (run often by cron) and email them."""
    from dpse.accounts.export import build_pending
    from dpse.mail import deliver_pending

    built = 0
    while done := build_pending():
        built += done
    while deliver_pending():
        pass
    click.echo(f"Built {built} data export(s)")


@cli.group("open-data")
def open_data_group() -> None:
    """The open-data download (/open-data)."""


@open_data_group.command("export")
@with_app
def open_data_export() -> None:
    """Write the ZIP of all public content into the instance folder (run daily by cron)."""
    from dpse.extensions import db
    from dpse.opendata.export import ExportFolderError, check_folder, count_rows, write_export

    try:
        check_folder()  # before the progress bar: a one-line error, not a bar and a trace
        total = count_rows()
        with _progress_bar(total, "Exporting open data") as progress:
            path, counts = write_export(progress, total)
    except ExportFolderError as exc:
        raise click.ClickException(str(exc)) from None
    # /open-data names the file's time and size: cached copies of it are stale now.
    pagecache.bump_generation(db.session)
    db.session.commit()
    click.echo(f"Wrote {sum(counts.values())} row(s) in {len(counts)} table(s) to {path}")


@cli.group("notifications")
def notifications_group() -> None:
    """Notification emails."""


@notifications_group.command("send")
@with_app
def notifications_send() -> None:
    """Email the notifications that are due (at most one email per thread per hour), then send."""
    from dpse.mail import deliver_pending
    from dpse.notifications.emails import send_due_emails

    batched = send_due_emails()
    sent = 0
    while delivered := deliver_pending():
        sent += delivered
    click.echo(f"Batched {batched} notification email(s); sent {sent} message(s)")


@cli.group("search")
def search_group() -> None:
    """The search index."""


@search_group.command("reindex")
@with_app
def search_reindex() -> None:
    """Rebuild the index from the database into a fresh folder and swap it in."""
    from dpse.search.engine import current_engine

    engine = current_engine()
    total = sum(s.count_public() for s in engine.sources.values())
    with _progress_bar(total, "Indexing") as progress:
        count = engine.rebuild(progress)
    click.echo(f"Indexed {count} document(s) into {engine.path}")


@search_group.command("status")
@with_app
def search_status() -> None:
    """Documents per type in the index and the database, the outbox, and whether they match."""
    from dpse.search.engine import current_engine

    status = current_engine().status()
    click.echo(f"{'type':<12} {'indexed':>8} {'database':>9}")
    for doc_type, expected in status["expected"].items():
        click.echo(f"{doc_type:<12} {status['indexed'][doc_type]:>8} {expected:>9}")
    click.echo(f"change log: {status['pending']} waiting, {status['lag_seconds']:.1f} s behind")
    sizes = ", ".join(f"{n:,}" for n in status["segments"])
    click.echo(f"index segments: {len(status['segments'])} ({sizes} documents incl. replaced)")
    if not status["schema_current"]:
        click.echo("index schema: older than this release's: run `dpse search reindex`")
    click.echo(
        "in sync" if status["in_sync"] else "NOT in sync: is the indexer running? (or reindex)"
    )


@search_group.command("notify")
@with_app
def search_notify() -> None:
    """Tell people about new matches for their saved searches (run daily or hourly from cron)."""
    from dpse.saved_searches.service import notify_saved_searches

    click.echo(f"Made {notify_saved_searches()} notification(s)")


@search_group.command("drain")
@with_app
def search_drain() -> None:
    """Apply what waits in the change log now (what the indexer does continuously)."""
    from dpse.search.engine import current_engine

    click.echo(f"Applied {current_engine().drain()} change(s)")


@search_group.command("indexer")
@with_app
def search_indexer() -> None:
    """Follow the change log into this host's index until stopped (`dpse serve` runs it)."""
    import signal
    import threading
    from datetime import timedelta

    from dpse.search import indexer
    from dpse.search.engine import current_engine

    engine = current_engine()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Search indexer: following the change log into {engine.path}")
    config = current_app.config
    indexer.run(
        engine,
        stop,
        live_seconds=config["SEARCH_INDEXER_LIVE_SECONDS"],
        retention=timedelta(days=config["SEARCH_LOG_RETENTION_DAYS"]),
    )
    click.echo("Search indexer stopped")


class _BarOnFirstReport:
    """A progress(done, total) callback whose bar opens at the first report (only then is the
    total known) and closes when done reaches total, so a second bar can follow it."""

    def __init__(self, label: str) -> None:
        self.label, self.bar, self.shown = label, None, 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@cli.command("backup")
@click.argument("path", type=click.Path(path_type=Path), default=".")
@with_app
def backup_command(path: Path) -> None:
    """Copy the SQLite database (and instance/uploads/) while the server runs; PATH: a file
    or a folder."""
    from dpse.backup import BackupError, backup

    bar = _BarOnFirstReport("Copying database pages")
    try:
        info = backup(path, bar)
    except BackupError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        bar.close()
    click.echo(
        f"Backup written to {info.path}: {info.size:,} bytes, {info.pages:,} pages, schema "
        f"{info.revision}, {info.uploads} upload(s); integrity_check ok"
    )


@cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database without asking.")
@with_app
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database with a backup (stop the server first), migrate it, rebuild search."""
    from dpse.backup import BackupError, restore

    if not yes:
        question = f"Replace {_safe_db_url()} with {path}? The server must be stopped"
        click.confirm(question, abort=True)
    copying, indexing = _BarOnFirstReport("Copying database pages"), _BarOnFirstReport("Indexing")
    try:
        info = restore(path, copying, indexing)
    except BackupError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        copying.close()
        indexing.close()
    click.echo(
        f"Restored {info.database} from {path} (schema {info.backup_revision} -> "
        f"{info.revision}, {info.uploads} upload(s)); search index rebuilt with "
        f"{info.documents} document(s)"
    )


@cli.group("demo")
def demo_group() -> None:
    """Generated demo data (never in production)."""


@demo_group.command("populate")
@click.option("--scale", type=float, default=1.0, show_default=True, help="1 = S1, 10 = S10")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same data.")
@click.option("--force", is_flag=True, help="Add to a database that already holds content.")
@with_app
def demo_populate(scale: float, seed: int, force: bool) -> None:
    """Generate a realistic community (S1 ≈ 2,000 case studies, 20,000 posts), then reindex."""
    _refuse_in_production()
    from dpse.populate import PopulateError, populate
    from dpse.search.engine import current_engine

    apply_migrations()
    try:
        counts = populate(
            scale, seed=seed, phase=lambda label, n: _progress_bar(n, label), force=force
        )
    except PopulateError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(", ".join(f"{n} {table}" for table, n in counts.items() if n))
    engine = current_engine()
    total = sum(s.count_public() for s in engine.sources.values())
    with _progress_bar(total, "Indexing") as progress:
        count = engine.rebuild(progress)
    click.echo(f"Indexed {count} document(s); every account's password is {DEMO_PASSWORD!r}")


@cli.group("content")
def content_group() -> None:
    """Stored user content."""


@content_group.command("rerender")
@with_app
def content_rerender() -> None:
    """Render again what an older Markdown pipeline stored (run after an upgrade)."""
    if not _rerender_stale():
        click.echo("Every stored rendering is up to date")
        return
    click.echo("If this release changed what text is searchable, run `dpse search reindex`")


def register_commands(app: Flask) -> None:
    """Expose the same commands under `flask --app dpse.wsgi`."""
    for command in cli.commands.values():
        app.cli.add_command(command)


def main() -> None:
    """Console-script entry: errors are one line, never a traceback."""
    try:
        cli.main(prog_name="dpse")
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug: still one line; DPSE_LOG_LEVEL=DEBUG shows the traceback
        if os.environ.get("DPSE_LOG_LEVEL", "").upper() == "DEBUG":
            raise
        sys.stderr.write(f"dpse: unexpected error: {type(exc).__name__}: {exc}\n")
        sys.exit(1)
