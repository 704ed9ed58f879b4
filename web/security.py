"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request

# No inline script or style anywhere: templates use classes and /static files only, so a
# strict policy costs nothing and blunts any escaping mistake.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def add_security_headers(response: Response) -> Response:
    """Set the headers above unless a view chose its own value."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def refuse_large_bodies() -> None:
    """413 for any declared body over MAX_CONTENT_LENGTH, even on routes that never read it.

    Flask only enforces the limit when a view reads the body; no view here does, so
    without this check a client could still make the server accept (and drain) it.
    """
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and (request.content_length or 0) > limit:
        abort(413, description=f"request body too large (at most {limit} bytes)")


def init_app(app: Flask) -> None:
    """Register the size check and the header hook (it also runs for error responses)."""
    app.before_request(refuse_large_bodies)
    app.after_request(add_security_headers)
