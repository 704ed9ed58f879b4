"""Every error as one JSON shape under /api/ and as a plain HTML page elsewhere.

No handler ever shows a traceback: the message is the exception's user-facing text
(``DatelineError``) or the HTTP reason, and unexpected errors are logged, not rendered.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from search.errors import DatelineError


def wants_json() -> bool:
    """API paths answer in JSON; every other path answers with a page."""
    return request.path == "/api" or request.path.startswith("/api/")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """``{"ok": false, "status": ..., "error": ...}`` for the API, an error page otherwise."""
    if wants_json():
        response = jsonify({"ok": False, "status": status, "error": message})
    else:
        response = Response(
            render_template("error.html", status=status, message=message), mimetype="text/html"
        )
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_dateline_error(e: DatelineError) -> Response:
    """Dateline's own errors carry their status and a message meant for users."""
    if e.status >= 500:
        current_app.logger.warning("%s: %s", type(e).__name__, e)
    return error_response(e.status, str(e))


def handle_http_error(e: HTTPException) -> Response:
    """404, 405, 413 and friends: werkzeug's description, in our shape."""
    status = e.code or 500
    # Keep Allow on 405 (clients and schema checkers rely on it); drop werkzeug's
    # Content-Type, which describes its own HTML body, not ours.
    headers = {k: v for k, v in e.get_headers() if k.lower() != "content-type"}
    return error_response(status, e.description or e.name, headers)


def handle_server_error(e: InternalServerError) -> Response:
    """An unexpected failure: logged with its traceback, answered with a generic message."""
    original = getattr(e, "original_exception", None)
    if original is not None:
        current_app.logger.error("unhandled error on %s", request.path, exc_info=original)
    return error_response(500, "internal error: the problem was logged")


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(DatelineError, handle_dateline_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    app.register_error_handler(HTTPException, handle_http_error)
