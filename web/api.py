"""The JSON API: search (with paging links and streamed exports), articles, facets, health.

Shapes come from ``search.serialize`` (the same functions the CLI's ``--json`` uses), so
the API, the CLI and the HTML pages cannot drift apart.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from search.errors import QueryError
from search.facets import facet_spec
from search.models import Hit, SearchPage, SearchRequest
from search.params import MAX_PAGE, MAX_PER_PAGE, parse_search_params
from search.serialize import (
    document_json,
    histogram_json,
    hit_json,
    page_json,
    request_json,
    story_json,
)
from search.service import MAX_FINDER_LIMIT, MAX_FINDER_OFFSET, SearchService
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
# Values per answer of the facet finder (then ``next``), and the parameters it reads
# besides the search's own.
FINDER_PAGE = 500
FINDER_PARAMS = ("prefix", "limit", "offset", "format")
# Columns an export adds on request (``fields=snippet,body``).
EXTRA_FIELDS = ("snippet", "body")
# Facets are not part of an export; one value each keeps every page cheap.
EXPORT_FACET_SIZE = 1


@bp.get("/search")
def search() -> Response:
    """Search in the JSON contract; ``format=ndjson|csv`` streams every match instead
    (``fields=snippet,body`` adds those columns)."""
    params = request_params()
    fmt = single_param("format") or "json"
    if fmt not in FORMATS:
        raise QueryError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    fields = export_fields(single_param("fields"))
    if fields and fmt == "json":
        raise QueryError("fields applies to the csv and ndjson exports (format=csv|ndjson)")
    service = get_service()
    if fmt != "json":
        return export(service, parse_search_params(params, ("format", "fields")), fmt, fields)
    page = service.search_params(params, ("format", "fields"))
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


def export_fields(text: str | None) -> tuple[str, ...]:
    """The optional export columns asked for (``fields=snippet,body``), checked."""
    names = tuple(dict.fromkeys(f.strip() for f in (text or "").split(",") if f.strip()))
    unknown = [f for f in names if f not in EXTRA_FIELDS]
    if unknown:
        raise QueryError(
            f"unknown export field {unknown[0][:40]!r}: fields takes {', '.join(EXTRA_FIELDS)}"
        )
    return names


def export(
    service: SearchService, req: SearchRequest, fmt: str, fields: tuple[str, ...] = ()
) -> Response:
    """Stream every match as NDJSON lines or CSV rows, fetched a page at a time;
    ``fields`` adds the snippet (HTML with ``<mark>``; plain text in CSV) and the body.

    The first page is fetched before the response starts, so a bad query still gets a
    proper 400/503 instead of a truncated 200.
    """
    first = service.search(replace(req, page=1, per_page=MAX_PER_PAGE, facet_size=1))
    rows = (_export_row(service, h, fields) for h in _export_hits(service, req, first))
    if fmt == "ndjson":
        body: Iterator[str] = (json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        mimetype = "application/x-ndjson"
    else:
        body = _csv_lines(rows, fields)
        mimetype = "text/csv"
    return _download(body, mimetype, f"dateline-export.{fmt}", first.total)


def _download(body: Iterator[str] | str, mimetype: str, name: str, total: int) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["X-Total-Count"] = str(total)
    return response


def _export_row(service: SearchService, hit: Hit, fields: tuple[str, ...]) -> dict[str, Any]:
    """A hit in the JSON contract (NDJSON lines always carry the snippet), plus the body
    when asked (one stored read per hit)."""
    row = hit_json(hit)
    if "body" in fields:
        doc = service.backend.get(hit.id)
        row["body"] = doc.body if doc else ""
    return row


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


def _csv_lines(rows: Iterator[dict[str, Any]], fields: tuple[str, ...] = ()) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def _flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow((*CSV_COLUMNS, *fields))
    yield _flush()
    for row in rows:
        extra = [
            csv_cell(plain_snippet(row["snippet"]) if name == "snippet" else row[name])
            for name in fields
        ]
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
                *extra,
            ]
        )
        yield _flush()


def plain_snippet(snippet: str) -> str:
    """A snippet as plain text (its ``<mark>`` tags dropped, entities decoded)."""
    return html.unescape(snippet.replace("<mark>", "").replace("</mark>", ""))


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
    """Values of one facet that ``prefix`` finds (``SearchService.facet_values``): a word
    of the value starts with it; counted within the search the other parameters describe
    (the whole archive without any); paged by ``limit``/``offset``; ``format=csv`` exports
    every matching value."""
    spec = facet_spec(name)
    prefix = (single_param("prefix") or "").strip()
    fmt = single_param("format") or "json"
    if fmt not in ("json", "csv"):
        raise QueryError(f"format must be json or csv, not {fmt!r}")
    limit = int_param("limit", 50, 1, FINDER_PAGE)
    offset = int_param("offset", 0, 0, MAX_FINDER_OFFSET)
    within = parse_search_params(request_params(), FINDER_PARAMS)
    service = get_service()
    if fmt == "csv":
        found = service.facet_values(name, prefix, MAX_FINDER_LIMIT, within=within)
        rows = [(csv_cell(v), csv_cell(spec.display(v)), str(c)) for v, c in found]
        return _download(
            _csv_table(("value", "label", "count"), rows),
            "text/csv",
            f"dateline-{name}.csv",
            len(rows),
        )
    found = service.facet_values(name, prefix, limit + 1, within=within, offset=offset)
    items: list[dict[str, Any]] = []
    for value, count in found[:limit]:
        item: dict[str, Any] = {"value": value, "count": count}
        if spec.label:
            item["label"] = spec.label(value)
        items.append(item)
    more = len(found) > limit
    next_url = None
    if more:
        query = urlencode([*request_pairs(), ("offset", str(offset + limit))])
        next_url = f"/api/facets/{name}?{query}"
    return jsonify(
        {
            "ok": True,
            "facet": name,
            "prefix": prefix,
            "offset": offset,
            "values": items,
            "more": more,
            "next": next_url,
        }
    )


@bp.get("/timeline")
def timeline() -> Response:
    """The date histogram of a search (any search parameter): every bucket from the first
    dated match to the last (empty ones 0) and the undated matches apart; ``format=csv``
    as rows ``key,count`` with a last row ``undated``."""
    fmt = single_param("format") or "json"
    if fmt not in ("json", "csv"):
        raise QueryError(f"format must be json or csv, not {fmt!r}")
    req = parse_search_params(request_params(), ("format",))
    page = get_service().search(replace(req, page=1, per_page=1, facet_size=1))
    if fmt == "json":
        return jsonify(
            {
                "ok": True,
                "query": request_json(req),
                "articles": page.articles,
                **histogram_json(page.dates),
            }
        )
    rows = [(b.key, str(b.count)) for b in page.dates.buckets]
    rows.append(("undated", str(page.dates.undated)))
    body = _csv_table((page.dates.interval, "count"), rows)
    return _download(body, "text/csv", "dateline-timeline.csv", page.articles)


def _csv_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def request_pairs() -> list[tuple[str, str]]:
    """The query string as pairs, without ``offset`` (the finder's paging links)."""
    return [(k, v) for k, v in request.args.items(multi=True) if k != "offset"]


def int_param(name: str, default: int, low: int, high: int) -> int:
    """A whole-number parameter within ``low..high`` (``QueryError`` otherwise)."""
    text = single_param(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError as e:
        raise QueryError(f"{name} must be a whole number, not {text[:40]!r}") from e
    if not low <= value <= high:
        raise QueryError(f"{name} must be between {low} and {high}, not {value}")
    return value


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
