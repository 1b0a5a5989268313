"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, current_app

# No inline script or style anywhere: templates load /static files only.
# Images may come from https (user Markdown allows https images only).
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' https: data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def set_security_headers(response: Response) -> Response:
    """Add CSP and the other headers; never overwrite a header a view chose deliberately."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if response.mimetype == "text/html":
        # Pages can show private data (drafts, account pages): never cache them in shared caches.
        headers.setdefault("Cache-Control", "private, no-cache")
    return response


def init_security(app: Flask) -> None:
    """Register the header hook."""
    app.after_request(set_security_headers)
