"""DPSE, the Public Sector Exchange: the application factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from dpse.config import engine_options, load_config

PACKAGE_DIR = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    """A data folder shipped in the wheel (dpse/<name>) or, in a checkout, beside the package.

    Look beside __file__, not in site-packages: an editable install leaves stale copies there.
    """
    packaged = PACKAGE_DIR / name
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / name


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings from DPSE_* variables, then overrides from ``config``."""
    settings = load_config()
    settings.update(config or {})
    app = Flask(
        __name__,
        instance_path=str(settings["INSTANCE_PATH"]),
        template_folder=str(_resource_dir("templates")),
    )
    app.config.update(settings)
    # After the overrides: the options depend on which database was finally chosen.
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    if app.config["TRUSTED_PROXIES"]:
        # Behind a proxy the client address (rate limits) and scheme come from X-Forwarded-*.
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    register_logging(app)
    register_extensions(app)
    register_web(app)
    register_blueprints(app)
    register_search_sources(app)
    register_providers(app)
    register_notification_targets(app)
    register_template_helpers(app)
    register_error_handlers(app)
    register_cli(app)
    return app


def register_logging(app: Flask) -> None:
    """Log format and level; a request id and one log line for every request (first, so even
    a request refused by a later hook is logged)."""
    from dpse.logs import init_request_log

    init_request_log(app)


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions of dpse.extensions to this app."""
    from dpse import database
    from dpse.accounts import handles  # noqa: F401 - its listeners give every account a handle
    from dpse.accounts.queries import get_user_for_session
    from dpse.extensions import csrf, db, limiter, login_manager, migrate
    from dpse.security import init_security

    db.init_app(app)
    database.init_app(app)  # SQLite in WAL mode
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.user_loader(get_user_for_session)
    init_security(app)


def register_web(app: Flask) -> None:
    """Bounded ids in routes and the hostile-request guard (before the blueprints' rules)."""
    from dpse import pagecache
    from dpse.accounts import oidc
    from dpse.accounts.twofactor import init_app as init_two_factor
    from dpse.web import init_web

    init_web(app)
    init_two_factor(app)  # staff set up two-factor sign-in before any other page
    oidc.init_app(app)  # organisations' identity providers, when configured
    pagecache.init_app(app)  # after the guards and limits: a cached page still passes them


def register_blueprints(app: Flask) -> None:
    """Import each domain's views (which attach routes to its blueprint) and register it."""
    from dpse import health, pages
    from dpse.accounts.views import bp as accounts_bp
    from dpse.casestudies.views import bp as casestudies_bp
    from dpse.events.views import bp as events_bp
    from dpse.feeds.views import bp as feeds_bp
    from dpse.forum.views import bp as forum_bp
    from dpse.moderation.views import bp as moderation_bp
    from dpse.notifications.views import bp as notifications_bp
    from dpse.opendata.views import bp as opendata_bp
    from dpse.saved_searches.views import bp as saved_searches_bp
    from dpse.search.views import bp as search_bp
    from dpse.sitepages.views import bp as sitepages_bp
    from dpse.tags.views import bp as tags_bp

    for blueprint in (
        health.bp,
        pages.bp,
        accounts_bp,
        casestudies_bp,
        events_bp,
        forum_bp,
        search_bp,
        tags_bp,
        moderation_bp,
        saved_searches_bp,
        notifications_bp,
        sitepages_bp,
        feeds_bp,
        opendata_bp,
    ):
        app.register_blueprint(blueprint)
    from dpse.api.views import init_api

    init_api(app)  # the JSON API: its blueprint, problem+json errors under /api/v1/, CORS


def register_search_sources(app: Flask) -> None:
    """Each domain describes its documents; the search package imports none of them."""
    from dpse.casestudies.indexing import SOURCE as case_studies
    from dpse.events.indexing import SOURCE as events
    from dpse.forum.indexing import POSTS as posts
    from dpse.forum.indexing import THREADS as threads
    from dpse.search.engine import init_search

    init_search(app, [case_studies, events, threads, posts])


def register_providers(app: Flask) -> None:
    """What a lower domain shows from a higher one, without importing it (dpse.registry)."""
    from dpse.accounts.organisations import IN_USE as ORGANISATION_IN_USE
    from dpse.accounts.organisations import MERGE as ORGANISATION_MERGE
    from dpse.casestudies import indexing as casestudies_indexing
    from dpse.casestudies import queries as casestudies_queries
    from dpse.casestudies import service as casestudies_service
    from dpse.events import queries as events_queries
    from dpse.events import service as events_service
    from dpse.events.queries import tag_section as events_tag_section
    from dpse.forum import queries as forum_queries
    from dpse.forum.queries import discussion_for
    from dpse.forum.queries import tag_section as forum_tag_section
    from dpse.notifications.models import TargetType
    from dpse.notifications.service import is_following
    from dpse.registry import provide
    from dpse.tags import queries as tags_queries

    provide(app, "discussion", discussion_for)  # under case studies and events
    provide(app, "discussion_involvement", forum_queries.discussion_involvement)
    # The tag page: each domain's section (tags sit below all of them).
    provide(app, "tag_sections", casestudies_queries.tag_section)
    provide(app, "tag_sections", events_tag_section)
    provide(app, "tag_sections", forum_tag_section)
    provide(
        app,
        "tag_sections",
        lambda tag, user: {"following": is_following(user, TargetType.TAG, tag.id)},
    )
    # A person's profile and an organisation's page: each domain's lists, in this order.
    provide(app, "profile.sections", casestudies_queries.profile_sections)
    provide(app, "profile.sections", forum_queries.profile_sections)
    provide(app, "profile.sections", events_queries.profile_sections)
    provide(app, "organisation.sections", casestudies_queries.organisation_sections)
    provide(app, "organisation.sections", events_queries.organisation_sections)
    # An organisation merged into another, or deleted only when nothing names it.
    provide(app, ORGANISATION_MERGE, casestudies_service.move_organisation)
    provide(app, ORGANISATION_MERGE, events_service.move_organisation)
    provide(app, ORGANISATION_IN_USE, casestudies_queries.organisation_uses)
    provide(app, ORGANISATION_IN_USE, events_queries.organisation_uses)
    # The search page names facet values as people know them (tag names, sector labels).
    provide(app, "search.facet_labels", casestudies_indexing.facet_labels)
    provide(app, "search.facet_labels", tags_queries.facet_labels)
    register_personal_data(app)


def register_personal_data(app: Flask) -> None:
    """Each domain's part of a person's data export and of deleting their account."""
    from dpse.accounts.deletion import ERASE
    from dpse.accounts.export import EXPORT
    from dpse.casestudies import personal_data as case_studies
    from dpse.events import personal_data as events
    from dpse.forum import personal_data as forum
    from dpse.moderation import personal_data as moderation
    from dpse.notifications import personal_data as notifications
    from dpse.registry import provide
    from dpse.saved_searches import personal_data as saved_searches

    provide(app, EXPORT, case_studies.export_case_studies)
    provide(app, EXPORT, forum.export_forum)
    provide(app, EXPORT, events.export_events)
    provide(app, EXPORT, notifications.export_notifications)
    provide(app, EXPORT, saved_searches.export_saved_searches)
    provide(app, EXPORT, moderation.export_moderation)
    # What points at the case studies a person removes goes first, then the case studies.
    provide(app, ERASE, moderation.erase_moderation)
    provide(app, ERASE, forum.erase_forum)
    provide(app, ERASE, events.erase_events)
    provide(app, ERASE, case_studies.erase_case_studies)
    provide(app, ERASE, notifications.erase_notifications)
    provide(app, ERASE, saved_searches.erase_saved_searches)


def register_notification_targets(app: Flask) -> None:
    """Each domain says what of it can be followed; notifications imports none of them."""
    from dpse.casestudies.queries import follow_targets as case_studies
    from dpse.events.queries import follow_targets as events
    from dpse.forum.queries import discussion_thread_id
    from dpse.forum.queries import follow_targets as threads
    from dpse.notifications.models import TargetType
    from dpse.notifications.queries import register_discussions, register_follow_target
    from dpse.tags.queries import follow_targets as tags

    register_follow_target(app, TargetType.THREAD, threads)
    register_follow_target(app, TargetType.CASE_STUDY, case_studies)
    register_follow_target(app, TargetType.EVENT, events)
    register_follow_target(app, TargetType.TAG, tags)
    register_discussions(app, discussion_thread_id)


def register_template_helpers(app: Flask) -> None:
    """Jinja filters and globals: the markdown filter and every permission predicate."""
    from dpse.accounts.queries import is_verified_public_sector
    from dpse.content import headings_from, render_markdown
    from dpse.events.times import event_moment, event_utc, event_when
    from dpse.languages import lang_attribute, language_name
    from dpse.moderation import queries as moderation_queries
    from dpse.notifications.queries import (
        header_count_columns,
        keep_header_counts,
        register_header_count,
        unread_count,
    )
    from dpse.pagecache import READER_READS
    from dpse.permissions import PREDICATES
    from dpse.registry import provide
    from dpse.sitepages import queries as sitepages_queries
    from dpse.templating import format_datetime

    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(headings_from, "headings_from")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(event_when, "event_when")
    app.add_template_filter(event_moment, "event_moment")
    app.add_template_filter(event_utc, "event_utc")
    app.jinja_env.globals.update(PREDICATES)
    app.jinja_env.globals["is_verified_public_sector"] = is_verified_public_sector
    app.jinja_env.globals["unread_notifications"] = unread_count
    app.jinja_env.globals["moderation_waiting"] = moderation_queries.waiting_count
    app.jinja_env.globals["lang_attribute"] = lang_attribute
    app.jinja_env.globals["language_name"] = language_name
    register_header_count(app, moderation_queries.waiting_in_header)  # no extra query for it
    app.jinja_env.globals["accessibility_reports_waiting"] = sitepages_queries.reports_waiting
    register_header_count(app, sitepages_queries.reports_in_header)
    # A shared page for a signed-in reader reads the header's counts with its generation.
    provide(app, READER_READS, (header_count_columns, keep_header_counts))


def register_error_handlers(app: Flask) -> None:
    """Error pages for every status the site can answer with."""
    from dpse.errors import register_error_handlers as register

    register(app)


def register_cli(app: Flask) -> None:
    """`flask --app dpse` gets the same commands as the `dpse` script."""
    from dpse.cli import register_commands

    register_commands(app)
