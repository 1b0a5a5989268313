"""Per-account allowances checked inside a view, where a decorator cannot see the outcome.

Previews render Markdown on request (saving stores it rendered once), so they get an allowance
of their own: more generous than posting, but bounded, and refused before anything is rendered.
"""

from __future__ import annotations

from flask import current_app
from limits import parse_many

from dpse.extensions import limiter

PREVIEW_MESSAGE = (
    "You are previewing faster than the site allows. Wait a minute, then preview again: "
    "what you wrote is still here."
)


def preview_allowed(user_id: int) -> bool:
    """Count one preview for this account; False when its allowance is used up."""
    if not limiter.enabled:
        return True
    items = parse_many(current_app.config["PREVIEW_RATE_LIMIT"])
    # Every window counts the attempt (hit, not test), like the decorators' limits do.
    return all([limiter.limiter.hit(item, "preview", f"user:{user_id}") for item in items])
