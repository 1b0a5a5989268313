"""Settings read from DPSE_* environment variables, with safe defaults."""

from __future__ import annotations

import os
import re
import secrets
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_PUBLIC_SECTOR_DOMAINS = (
    "gov.uk,nhs.uk,nhs.net,police.uk,sch.uk,ac.uk,mod.uk,parliament.uk,gov.scot,gov.wales,"
    "llyw.cymru,europa.eu,gouv.fr,bund.de,gov.ie,overheid.nl,gov.au,govt.nz,gc.ca,gov"
)
ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message is one line for the operator."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _date(env: dict[str, str], name: str) -> str:
    """A YYYY-MM-DD date, or "" when unset."""
    raw = env.get(name, "").strip()
    try:
        return date.fromisoformat(raw).isoformat() if raw else ""
    except ValueError:
        raise ConfigError(f"{name} must be a date like 2026-12-05, got {raw!r}") from None


def _choice(env: dict[str, str], name: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (the first when unset)."""
    raw = env.get(name, "").strip().lower() or choices[0]
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _language(env: dict[str, str]) -> str:
    """DPSE_SITE_LANGUAGE: a BCP 47 tag such as en, cy or en-GB ("en" when unset)."""
    from dpse.languages import DEFAULT_LANGUAGE, is_language_tag

    raw = env.get("DPSE_SITE_LANGUAGE", "").strip() or DEFAULT_LANGUAGE
    if not is_language_tag(raw):
        raise ConfigError(f"DPSE_SITE_LANGUAGE must be a language tag like en or cy, got {raw!r}")
    return raw


def _oidc_providers(env: dict[str, str]) -> tuple[dict[str, str], ...]:
    """DPSE_OIDC_PROVIDERS names the OpenID Connect providers people may sign in with
    ("entra,google"); each NAME has DPSE_OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET and
    optionally _LABEL (the button's words) and _SCOPES."""
    providers = []
    for raw in env.get("DPSE_OIDC_PROVIDERS", "").split(","):
        name = raw.strip().lower()
        if not name:
            continue
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", name):
            raise ConfigError(
                f"DPSE_OIDC_PROVIDERS names must be letters, digits and _, got {raw.strip()!r}"
            )
        prefix = f"DPSE_OIDC_{name.upper()}_"
        settings = {key: env.get(prefix + key, "").strip() for key in _OIDC_REQUIRED}
        missing = [prefix + key for key, value in settings.items() if not value]
        if missing:
            raise ConfigError(f"{', '.join(missing)} must be set for provider {name!r}")
        issuer = settings["ISSUER"].rstrip("/")
        if not issuer.startswith(("https://", "http://localhost", "http://127.0.0.1")):
            raise ConfigError(f"{prefix}ISSUER must be an https:// address, got {issuer!r}")
        providers.append(
            {
                "name": name,
                "issuer": issuer,
                "client_id": settings["CLIENT_ID"],
                "client_secret": settings["CLIENT_SECRET"],
                "label": env.get(prefix + "LABEL", "").strip() or name.title(),
                "scopes": env.get(prefix + "SCOPES", "").strip() or "openid email profile",
            }
        )
    return tuple(providers)


_OIDC_REQUIRED = ("ISSUER", "CLIENT_ID", "CLIENT_SECRET")


def _dev_secret_key(instance_path: Path) -> str:
    """Persist a random key in development so sessions survive restarts and workers agree."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _base_url(env: dict[str, str], production: bool) -> str:
    """The public address of the site; emailed links are built on it, so production needs it."""
    base_url = env.get("DPSE_BASE_URL", "").strip().rstrip("/")
    if not base_url:
        if production:
            raise ConfigError(
                "DPSE_BASE_URL must be set when DPSE_ENV=production, "
                "e.g. https://exchange.example.org"
            )
        return ""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        raise ConfigError(
            f"DPSE_BASE_URL must look like https://exchange.example.org, got {base_url!r}"
        )
    return base_url


def _trusted_hosts(env: dict[str, str], base_url: str, production: bool) -> list[str] | None:
    """Host names requests may name (Flask's TRUSTED_HOSTS): in production the base URL's host
    and any DPSE_TRUSTED_HOSTS; elsewhere any host unless DPSE_TRUSTED_HOSTS is set."""
    extra = [h.strip().lower() for h in env.get("DPSE_TRUSTED_HOSTS", "").split(",") if h.strip()]
    if not production and not extra:
        return None
    hosts = [urlsplit(base_url).hostname or ""] if base_url else []
    return [h for h in dict.fromkeys(hosts + extra) if h]


def engine_options(database_url: str) -> dict[str, object]:
    """SQLAlchemy engine options suited to the database in use (a server database's idle
    connections are pinged before use: database.init_app)."""
    options: dict[str, object] = {}
    if database_url.startswith("sqlite"):
        # Several processes (gunicorn workers, the CLI) write to one SQLite file: wait for the
        # write lock instead of failing after SQLite's default 5 seconds.
        options["connect_args"] = {"timeout": 30}
    elif database_url.startswith("postgresql") and "options=" not in database_url:
        # Settings for the app's sessions, sent with the connection (no extra round trip);
        # a URL that names its own ``options`` keeps them.
        options["connect_args"] = {"options": POSTGRES_SESSION_OPTIONS}
    return options


# The planner's cost of a random page read, as for data in memory or on SSD (the default, 4,
# is for spinning disks): at S10 it counted a filtered list's tags by hashing all 100,000 rows
# of case_study_tag (10.7 ms) instead of reading the 2,300 listed case studies' rows through
# their index (6.0 ms).
POSTGRES_SESSION_OPTIONS = "-c random_page_cost=1.1"


def load_config(env: dict[str, str] | None = None) -> dict[str, object]:
    """Build the Flask config mapping from the environment; raise ConfigError on bad settings."""
    env = dict(os.environ if env is None else env)
    dpse_env = env.get("DPSE_ENV", "development").strip().lower() or "development"
    if dpse_env not in ENVIRONMENTS:
        raise ConfigError(f"DPSE_ENV must be one of {', '.join(ENVIRONMENTS)}, got {dpse_env!r}")
    production = dpse_env == "production"
    instance_path = Path(env.get("DPSE_INSTANCE_PATH") or "instance").resolve()

    secret_key = env.get("DPSE_SECRET_KEY", "")
    if not secret_key:
        if production:
            raise ConfigError("DPSE_SECRET_KEY must be set when DPSE_ENV=production")
        secret_key = _dev_secret_key(instance_path)
    elif production and len(secret_key) < 32:
        raise ConfigError("DPSE_SECRET_KEY must be at least 32 characters in production")

    base_url = _base_url(env, production)
    database_url = env.get("DPSE_DATABASE_URL") or f"sqlite:///{instance_path / 'dpse.sqlite3'}"
    secure_cookies = _bool(env.get("DPSE_SECURE_COOKIES"), production)
    domains = env.get("DPSE_PUBLIC_SECTOR_DOMAINS", DEFAULT_PUBLIC_SECTOR_DOMAINS)

    return {
        "DPSE_ENV": dpse_env,
        "SECRET_KEY": secret_key,
        "INSTANCE_PATH": str(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SEARCH_INDEX_PATH": str(instance_path / "search-index"),
        "SITE_NAME": env.get("DPSE_SITE_NAME", "Public Sector Exchange"),
        # The language of the site's pages (<html lang>) and the default of what people write.
        "SITE_LANGUAGE": _language(env),
        "BASE_URL": base_url,
        # Requests naming any other host get a 400 (a poisoned Host header never reaches a link).
        "TRUSTED_HOSTS": _trusted_hosts(env, base_url, production),
        "SMTP_URL": env.get("DPSE_SMTP_URL", ""),
        "MAIL_FROM": env.get("DPSE_MAIL_FROM", "DPSE <no-reply@dpse.example>"),
        # Who runs the site: named in the accessibility statement, privacy notice, terms and
        # contact page (dpse.sitepages) while an admin has not rewritten them.
        "OPERATOR_NAME": env.get("DPSE_OPERATOR_NAME", "").strip() or "Example Council",
        "CONTACT_EMAIL": env.get("DPSE_CONTACT_EMAIL", "").strip() or "contact@dpse.example",
        "OPERATOR_ADDRESS": env.get("DPSE_OPERATOR_ADDRESS", "").strip()
        or "Example Council, 1 Example Street, Exampletown EX1 1EX",
        # Data protection officer's address (the contact address when unset).
        "DPO_EMAIL": env.get("DPSE_DPO_EMAIL", "").strip(),
        # When the accessibility statement was last reviewed (YYYY-MM-DD); unset, the date of
        # its last saved revision, or of the text shipped with the code.
        "ACCESSIBILITY_REVIEWED_ON": _date(env, "DPSE_ACCESSIBILITY_REVIEWED_ON"),
        # Accessibility problem reports per visitor address.
        "REPORT_RATE_LIMIT": env.get("DPSE_REPORT_RATE_LIMIT", "5 per minute;20 per hour"),
        "PUBLIC_SECTOR_DOMAINS": tuple(
            d.strip().lower().lstrip(".") for d in domains.split(",") if d.strip()
        ),
        "RATELIMIT_STORAGE_URI": env.get("DPSE_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(env.get("DPSE_RATELIMIT_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": env.get("DPSE_LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        # Sign-in attempts per account from browsers it never signed in on (all of them share
        # this), and separately per device cookie of a browser it did sign in on.
        "LOGIN_ACCOUNT_RATE_LIMIT": env.get("DPSE_LOGIN_ACCOUNT_RATE_LIMIT", "20 per hour"),
        "DEVICE_COOKIE_NAME": "dpse_device",
        "DEVICE_COOKIE_MAX_AGE": _int(env, "DPSE_DEVICE_COOKIE_DAYS", 365) * 24 * 3600,
        # Forum posts, replies and comments per account (successful ones count).
        "POST_RATE_LIMIT": env.get("DPSE_POST_RATE_LIMIT", "6 per minute;60 per hour"),
        # Moderators and admins must sign in with a second factor (always in production; the
        # test settings leave it to the tests that check it).
        "TWO_FACTOR_FOR_STAFF": production
        or _bool(env.get("DPSE_TWO_FACTOR_FOR_STAFF"), dpse_env != "testing"),
        # Second-step sign-in attempts (codes and recovery codes) per account.
        "TWO_FACTOR_RATE_LIMIT": env.get("DPSE_TWO_FACTOR_RATE_LIMIT", "5 per minute;20 per hour"),
        # Markdown previews per account (forum posts and case studies), checked before rendering.
        "PREVIEW_RATE_LIMIT": env.get("DPSE_PREVIEW_RATE_LIMIT", "30 per minute;300 per hour"),
        # The open-data download's licence (/open-data) and where its text is.
        "OPEN_DATA_LICENCE": env.get("DPSE_OPEN_DATA_LICENCE", "").strip() or "CC BY 4.0",
        "OPEN_DATA_LICENCE_URL": env.get("DPSE_OPEN_DATA_LICENCE_URL", "").strip()
        or "https://creativecommons.org/licenses/by/4.0/",
        # JSON API (/api/v1/) requests per client address.
        "API_RATE_LIMIT": env.get("DPSE_API_RATE_LIMIT", "120 per minute;3000 per hour"),
        # Drafts created through the API (POST /api/v1/case-studies) per token.
        "API_WRITE_RATE_LIMIT": env.get("DPSE_API_WRITE_RATE_LIMIT", "10 per minute;100 per day"),
        # A new account's posts wait for a moderator until this many have been approved.
        "HOLD_FIRST_POSTS": _int(env, "DPSE_HOLD_FIRST_POSTS", 2),
        "PASSWORD_HASH_METHOD": env.get("DPSE_PASSWORD_HASH_METHOD", "scrypt"),
        "TOKEN_MAX_AGE": _int(env, "DPSE_TOKEN_MAX_AGE", 24 * 3600),
        # Retention (dpse maintenance): a download of someone's data, accounts never confirmed,
        # and the bodies of sent emails are kept this many days.
        "DATA_EXPORT_DAYS": _int(env, "DPSE_DATA_EXPORT_DAYS", 7),
        # Where built exports wait ("": instance/exports); several hosts: a folder they share.
        "DATA_EXPORT_PATH": env.get("DPSE_DATA_EXPORT_PATH", ""),
        "UNCONFIRMED_ACCOUNT_DAYS": _int(env, "DPSE_UNCONFIRMED_ACCOUNT_DAYS", 30),
        "SENT_EMAIL_DAYS": _int(env, "DPSE_SENT_EMAIL_DAYS", 30),
        "MAX_CONTENT_LENGTH": _int(env, "DPSE_MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        "SESSION_COOKIE_NAME": "dpse_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_NAME": "dpse_remember",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "PREFERRED_URL_SCHEME": "https" if secure_cookies else "http",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "TESTING": dpse_env == "testing",
        "LOG_LEVEL": env.get("DPSE_LOG_LEVEL", "INFO").upper(),
        "LOG_FORMAT": _choice(env, "DPSE_LOG_FORMAT", ("text", "json")),
        # The search change log: rows go once every indexer heard from within INDEXER_LIVE_SECONDS
        # has applied them, and after SEARCH_LOG_RETENTION_DAYS regardless.
        "SEARCH_INDEXER_LIVE_SECONDS": _int(env, "DPSE_SEARCH_INDEXER_LIVE_SECONDS", 600),
        "SEARCH_LOG_RETENTION_DAYS": _int(env, "DPSE_SEARCH_LOG_RETENTION_DAYS", 7),
        # /healthz answers 503 when the indexer is further behind than this
        "HEALTH_MAX_INDEX_LAG_SECONDS": _int(env, "DPSE_HEALTH_MAX_INDEX_LAG_SECONDS", 60),
        "PAGE_SIZE": 20,
        # How many reverse proxies sit in front (their X-Forwarded-* headers are trusted).
        "TRUSTED_PROXIES": _int(env, "DPSE_TRUSTED_PROXIES", 0),
        # Organisations' identity providers (OpenID Connect), see _oidc_providers
        "OIDC_PROVIDERS": _oidc_providers(env),
        # The anonymous page cache (dpse/pagecache.py): in this process's memory, or in Redis
        "PAGE_CACHE": _bool(env.get("DPSE_PAGE_CACHE"), dpse_env != "testing"),
        "PAGE_CACHE_URL": env.get("DPSE_PAGE_CACHE_URL", "").strip(),
        "PAGE_CACHE_SECONDS": _int(env, "DPSE_PAGE_CACHE_SECONDS", 60),
        "PAGE_CACHE_MAX_MB": _int(env, "DPSE_PAGE_CACHE_MAX_MB", 64),
    }
