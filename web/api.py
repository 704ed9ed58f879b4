"""The JSON API: search (with paging links and streamed exports), articles, facets, health.

Shapes come from ``search.serialize`` (the same functions the CLI's ``--json`` uses), so
the API, the CLI and the HTML pages cannot drift apart.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, jsonify, request

from search.errors import QueryError
from search.facets import facet_spec
from search.models import Hit, SearchPage, SearchRequest
from search.params import MAX_PAGE, MAX_PER_PAGE, parse_search_params
from search.serialize import document_json, hit_json, page_json, story_json
from search.service import SearchService
from web import get_service
from web.links import SearchState
from web.openapi import openapi_document
from web.ui import request_params

bp = Blueprint("api", __name__, url_prefix="/api")

FORMATS = ("json", "ndjson", "csv")
CSV_COLUMNS = (
    "id",
    "title",
    "url",
    "source",
    "published",
    "actors",
    "countries",
    "score",
    "story",
    "story_size",
    "copy_group",
    "copies",
)
# Facets are not part of an export; one value each keeps every page cheap.
EXPORT_FACET_SIZE = 1


@bp.get("/search")
def search() -> Response:
    """Search in the JSON contract; ``format=ndjson|csv`` streams every match instead."""
    params = request_params()
    fmt = single_param("format") or "json"
    if fmt not in FORMATS:
        raise QueryError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    service = get_service()
    if fmt != "json":
        return export(service, parse_search_params(params), fmt)
    page = service.search_params(params)
    body = page_json(page)
    body["next"] = next_link(page)
    return jsonify(body)


def single_param(name: str) -> str | None:
    """One value of a parameter that must not be repeated with different values."""
    values = request.args.getlist(name)
    if len(set(values)) > 1:
        raise QueryError(f"{name} was given {len(values)} times; give it once")
    return values[0] if values else None


def next_link(page: SearchPage, path: str = "/api/search") -> str | None:
    """URL of the following page, or None on the last one (cursor-style deep paging)."""
    r = page.request
    if r.offset + len(page.hits) >= page.total or r.page >= MAX_PAGE or not page.hits:
        return None
    changes: dict[str, Any] = {"page": r.page + 1}
    if path != "/api/search":
        changes["group"] = None  # /api/stories always groups by story: no need to say so
    return SearchState(r, path).url(**changes)


def export(service: SearchService, req: SearchRequest, fmt: str) -> Response:
    """Stream every match as NDJSON lines or CSV rows, fetched a page at a time.

    The first page is fetched before the response starts, so a bad query still gets a
    proper 400/503 instead of a truncated 200.
    """
    first = service.search(replace(req, page=1, per_page=MAX_PER_PAGE, facet_size=1))
    rows = _export_hits(service, req, first)
    if fmt == "ndjson":
        body: Iterator[str] = (json.dumps(hit_json(h), ensure_ascii=False) + "\n" for h in rows)
        mimetype = "application/x-ndjson"
    else:
        body = _csv_lines(rows)
        mimetype = "text/csv"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="dateline-export.{fmt}"'
    response.headers["X-Total-Count"] = str(first.total)
    return response


def _export_hits(service: SearchService, req: SearchRequest, first: SearchPage) -> Iterator[Hit]:
    page = first
    number = 1
    while True:
        yield from page.hits
        if not page.hits or number * MAX_PER_PAGE >= page.total or number >= MAX_PAGE:
            return
        number += 1
        page = service.search(
            replace(req, page=number, per_page=MAX_PER_PAGE, facet_size=EXPORT_FACET_SIZE)
        )


def _csv_lines(hits: Iterator[Hit]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def _flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield _flush()
    for hit in hits:
        row = hit_json(hit)
        writer.writerow(
            [
                csv_cell(row["id"]),
                csv_cell(row["title"]),
                csv_cell(row["url"]),
                csv_cell(row["source"]),
                row["published"] or "",
                csv_cell("; ".join(row["actors"])),
                "; ".join(c["code"] for c in row["countries"]),
                "" if row["score"] is None else row["score"],
                row["story"]["id"],
                row["story"]["size"],
                row["copy_group"],
                row["copies"],
            ]
        )
        yield _flush()


def csv_cell(value: str | None) -> str:
    """Text for a CSV cell; formula-like values are quoted so spreadsheets do not run them."""
    text = value or ""
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


@bp.get("/articles/<doc_id>")
def article(doc_id: str) -> Response:
    """One stored article with its entities and mention offsets."""
    return jsonify(document_json(get_service().article(doc_id)))


@bp.get("/stories/<story_id>")
def story(story_id: str) -> Response:
    """One story: its span, sources, actors, countries, coverage over time and articles."""
    return jsonify(story_json(get_service().story(story_id)))


@bp.get("/stories")
def stories() -> Response:
    """The stories of a search (any search parameter): one row per story, best article."""
    page = get_service().stories(request_params())
    body = page_json(page)
    body["next"] = next_link(page, "/api/stories")
    return jsonify(body)


@bp.get("/facets/<name>")
def facet_values(name: str) -> Response:
    """Values of one facet that ``prefix`` finds (``SearchService.facet_values``)."""
    prefix = (single_param("prefix") or "").strip()
    limit_text = single_param("limit") or "50"
    try:
        limit = int(limit_text)
    except ValueError as e:
        raise QueryError(f"limit must be a whole number, not {limit_text!r}") from e
    spec = facet_spec(name)
    items: list[dict[str, Any]] = []
    for value, count in get_service().facet_values(name, prefix, limit):
        item: dict[str, Any] = {"value": value, "count": count}
        if spec.label:
            item["label"] = spec.label(value)
        items.append(item)
    return jsonify({"ok": True, "facet": name, "prefix": prefix, "values": items})


@bp.get("/health")
def health() -> tuple[Response, int]:
    """Whether the index answers (503 when it cannot be opened)."""
    body = get_service().health()
    return jsonify(body), 200 if body.get("ok") else int(body.get("status", 503))


@bp.get("/sources")
def sources() -> Response:
    """The followed sources (``dateline follow``): last poll, last new item, counts, errors."""
    return jsonify({"ok": True, **get_service().sources()})


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())
