"""Dateline's web front door: the search site and the JSON API (Flask application factory)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from search.service import SearchService
from search.settings import Settings

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

    from web import api, errors, security, ui

    app.register_blueprint(ui.bp)
    app.register_blueprint(api.bp)
    errors.init_app(app)
    security.init_app(app)
    ui.init_app(app)
    app.cli.add_command(reindex_command)
    return app


def get_service() -> SearchService:
    """The one ``SearchService`` of the current app."""
    service: SearchService = current_app.extensions["dateline"]
    return service


@click.command("reindex")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--full", is_flag=True, help="Rebuild everything beside the live index, then swap.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@with_appcontext
def reindex_command(paths: tuple[Path, ...], full: bool, quiet: bool, as_json: bool) -> None:
    """Index PATHS (files or folders; default seeds/) into the app's index."""
    # Imported here so serving pages never pays for the indexing pipeline's imports.
    from search.cli import run_reindex

    run_reindex(get_service(), paths, full=full, quiet=quiet, as_json=as_json)
