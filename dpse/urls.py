"""Every link the site builds: site paths (inside a request or not) and absolute URLs.

Absolute URLs start with DPSE_BASE_URL when it is set (it must be in production), else with the
current request's host; outside a request without a base URL they are site paths.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request, url_for


def path_for(endpoint: str, **values: object) -> str:
    """The site path of an endpoint, e.g. '/case-studies/my-slug', with or without a request."""
    if has_request_context():
        return url_for(endpoint, _external=False, **values)
    adapter = current_app.url_map.bind(
        "localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/"
    )
    return adapter.build(endpoint, values)


def site_url(path: str) -> str:
    """A site path made absolute (see the module docstring)."""
    base = current_app.config.get("BASE_URL") or (
        request.host_url.rstrip("/") if has_request_context() else ""
    )
    return base + path


def absolute_url(endpoint: str, **values: object) -> str:
    """An endpoint's absolute URL, for emails, feeds and calendars."""
    return site_url(path_for(endpoint, **values))
