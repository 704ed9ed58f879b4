"""Dateline's web front door: the search site and the JSON API (Flask application factory)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from search.service import SearchService
from search.settings import Settings

if TYPE_CHECKING:
    from flask import Flask

# A search site only takes GET requests and tiny form posts; anything bigger is an abuse.
DEFAULT_CONFIG: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": 16 * 1024,
    "MAX_FORM_MEMORY_SIZE": 16 * 1024,
    "MAX_FORM_PARTS": 100,
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then ``DATELINE_*`` environment variables, then ``config``.

    ``config["SETTINGS"]`` (a ``search.settings.Settings``) chooses the index; without it
    the settings come from the environment, like the ``dateline`` command's.
    """
    # Flask is imported here, not with the package: the ``dateline`` command lives in
    # ``web.cli`` and its reindex and search never need Flask (~0.5 s to import).
    from flask import Flask

    app = Flask(__name__)
    app.config.from_mapping(DEFAULT_CONFIG)
    app.config.from_prefixed_env("DATELINE")
    if config:
        app.config.from_mapping(config)
    # Keep the JSON contract's key order (ok, total, page, ...) instead of sorting keys.
    app.json.sort_keys = False  # type: ignore[attr-defined]

    settings = app.config.get("SETTINGS")
    if not isinstance(settings, Settings):
        settings = Settings.from_env()
    app.extensions["dateline"] = SearchService(settings)

    from web import api, errors, security, ui, views
    from web.cli import reindex_command

    app.register_blueprint(ui.bp)
    app.register_blueprint(api.bp)
    errors.init_app(app)
    security.init_app(app)
    ui.init_app(app)
    views.init_app(app)
    app.cli.add_command(reindex_command)
    return app


def get_service() -> SearchService:
    """The one ``SearchService`` of the current app."""
    from flask import current_app

    service: SearchService = current_app.extensions["dateline"]
    return service
