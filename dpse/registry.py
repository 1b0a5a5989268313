"""Extension points: a lower domain shows or uses something a higher one provides, without
importing it (which would make a package cycle).

create_app registers each provider under a named point, the way search sources are registered;
the lower domain asks for the point's providers. For example casestudies shows the discussion
under a case study (forum provides it), and notifications names what can be followed (each
domain provides its targets).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

Provider = Callable[..., Any]


def provide(app: Flask, point: str, provider: Provider) -> None:
    """Register a provider for an extension point (in create_app only)."""
    app.extensions.setdefault("dpse_registry", {}).setdefault(point, []).append(provider)


def providers(point: str) -> list[Provider]:
    """The providers registered for a point, in registration order (empty if none)."""
    return list(current_app.extensions.get("dpse_registry", {}).get(point, []))


def provider(point: str) -> Provider:
    """The one provider of a point that must have exactly one."""
    found = providers(point)
    if len(found) != 1:
        raise LookupError(f"extension point {point!r} has {len(found)} providers, not 1")
    return found[0]
