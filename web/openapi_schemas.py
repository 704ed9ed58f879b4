"""Component schemas of the OpenAPI document: the JSON shapes of ``search.serialize``.

``additionalProperties: false`` everywhere, so a field added to the API without being
described here fails the schemathesis test.
"""

from __future__ import annotations

from typing import Any

from search.facets import FACETS

NULLABLE_STRING = {"type": ["string", "null"]}
# The exclusion parameters (``not_actor`` ...), echoed in the query block.
EXCLUDE_PARAMS = tuple(spec.exclude_param for spec in FACETS.values())


def json_response(ref: str, description: str) -> dict[str, Any]:
    """A response whose JSON body is the component schema ``ref``."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def error_responses(*statuses: int, not_found: str = "No such article or story.") -> dict[str, Any]:
    """The error responses of an operation (the one error shape), plus the default."""
    reasons = {
        400: "Bad parameter or query (the message says what to change).",
        404: not_found,
        503: "The index is missing or cannot be opened.",
    }
    out = {str(s): json_response("Error", reasons[s]) for s in statuses}
    out["default"] = json_response("Error", "Any other error, in the same shape.")
    return out


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["ok", "status", "error"],
        "properties": {
            "ok": {"const": False},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "error": {"type": "string"},
            "backend": {"type": "string"},
        },
        "additionalProperties": False,
    },
    "Country": {
        "type": "object",
        "required": ["code", "name"],
        "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
        "additionalProperties": False,
    },
    "Hit": {
        "type": "object",
        "required": [
            "id",
            "title",
            "url",
            "source",
            "published",
            "snippet",
            "actors",
            "countries",
            "score",
            "story",
            "copy_group",
            "copies",
        ],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "url": NULLABLE_STRING,
            "source": NULLABLE_STRING,
            "published": {
                "type": ["string", "null"],
                "description": "ISO date (YYYY-MM-DD).",
                "pattern": r"^\d{4}-\d{2}-\d{2}$",
            },
            "snippet": {
                "type": "string",
                "description": "Escaped text; the only markup is <mark>…</mark>.",
            },
            "actors": {"type": "array", "items": {"type": "string"}},
            "countries": {"type": "array", "items": {"$ref": "#/components/schemas/Country"}},
            "score": {"type": ["number", "null"]},
            "story": {"$ref": "#/components/schemas/StoryRef"},
            "copy_group": {
                "type": "string",
                "description": "Id of the first article of its copy group (its own id if none).",
            },
            "copies": {
                "type": "integer",
                "minimum": 0,
                "description": (
                    "Other matching articles collapsed into this hit: its copies "
                    "(group=copy), or the other articles of its story (group=story)."
                ),
            },
        },
        "additionalProperties": False,
    },
    "StoryRef": {
        "type": "object",
        "required": ["id", "size"],
        "properties": {
            "id": {"type": "string", "description": "Story id: GET /api/stories/{id}."},
            "size": {"type": "integer", "minimum": 1, "description": "Articles in the story."},
            "first": {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "last": {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}-\d{2}$"},
            "sources": {"type": "integer", "minimum": 0, "description": "Distinct sources."},
        },
        "additionalProperties": False,
    },
    "StoryValue": {
        "type": "object",
        "required": ["value", "count"],
        "properties": {
            "value": {"type": "string"},
            "label": {"type": "string", "description": "Country name (countries only)."},
            "count": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": False,
    },
    "Story": {
        "type": "object",
        "required": [
            "ok",
            "id",
            "title",
            "size",
            "first",
            "last",
            "sources",
            "actors",
            "countries",
            "coverage",
            "articles",
        ],
        "properties": {
            "ok": {"const": True},
            "id": {"type": "string"},
            "title": {"type": "string", "description": "The headline: the first article's."},
            "size": {"type": "integer", "minimum": 1},
            "first": {"type": ["string", "null"], "description": "First publication day."},
            "last": {"type": ["string", "null"], "description": "Last publication day."},
            **{
                name: {"type": "array", "items": {"$ref": "#/components/schemas/StoryValue"}}
                for name in ("sources", "actors", "countries")
            },
            "coverage": {"$ref": "#/components/schemas/DateFacet"},
            "articles": {
                "type": "array",
                "description": "Oldest first, at most 200.",
                "items": {"$ref": "#/components/schemas/Hit"},
            },
        },
        "additionalProperties": False,
    },
    "FacetValue": {
        "type": "object",
        "required": ["value", "count", "selected"],
        "properties": {
            "value": {"type": "string"},
            "label": {"type": "string", "description": "Country name (country facet only)."},
            "count": {"type": "integer", "minimum": 0},
            "selected": {"type": "boolean"},
        },
        "additionalProperties": False,
    },
    "Facet": {
        "type": "object",
        "required": ["values", "truncated"],
        "properties": {
            "values": {"type": "array", "items": {"$ref": "#/components/schemas/FacetValue"}},
            "truncated": {"type": "boolean"},
        },
        "additionalProperties": False,
    },
    "DateFacet": {
        "type": "object",
        "description": (
            "Every bucket from the first dated match to the last, empty ones with count 0 "
            "(a true time axis); the undated matches are counted apart in undated."
        ),
        "required": ["interval", "buckets", "undated"],
        "properties": {
            "interval": {"enum": ["year", "month", "day"]},
            "buckets": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["key", "count"],
                    "properties": {
                        "key": {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
                        "count": {"type": "integer", "minimum": 0},
                    },
                    "additionalProperties": False,
                },
            },
            "undated": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": False,
    },
    "Query": {
        "type": "object",
        "required": [
            "q",
            *FACETS,
            *EXCLUDE_PARAMS,
            "from",
            "to",
            "sort",
            "story",
            "copy",
            "group",
            "count",
        ],
        "properties": {
            "q": {"type": "string"},
            **{
                name: {"type": "array", "items": {"type": "string"}}
                for name in (*FACETS, *EXCLUDE_PARAMS, "story", "copy")
            },
            "from": NULLABLE_STRING,
            "to": NULLABLE_STRING,
            "sort": {"enum": ["relevance", "newest", "oldest"]},
            "group": {"enum": ["copy", "story", "none"]},
            "count": {"enum": ["articles", "stories"]},
        },
        "additionalProperties": False,
    },
    "SearchPage": {
        "type": "object",
        "required": [
            "ok",
            "total",
            "articles",
            "page",
            "per_page",
            "took_ms",
            "query",
            "hits",
            "facets",
            "suggestion",
            "next",
        ],
        "properties": {
            "ok": {"const": True},
            "total": {
                "type": "integer",
                "minimum": 0,
                "description": "Rows of the grouping: copy groups, stories or articles.",
            },
            "articles": {
                "type": "integer",
                "minimum": 0,
                "description": "Matching articles before grouping.",
            },
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "took_ms": {"type": "number", "minimum": 0},
            "query": {"$ref": "#/components/schemas/Query"},
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "facets": {
                "type": "object",
                "required": [*FACETS, "date"],
                "properties": {
                    **{name: {"$ref": "#/components/schemas/Facet"} for name in FACETS},
                    "date": {"$ref": "#/components/schemas/DateFacet"},
                },
                "additionalProperties": False,
            },
            "suggestion": {
                "type": ["string", "null"],
                "description": "A corrected query when the given one looks misspelled.",
            },
            "next": {
                "type": ["string", "null"],
                "description": "URL of the next page with the same parameters; null on the last.",
            },
        },
        "additionalProperties": False,
    },
    "Article": {
        "type": "object",
        "required": [
            "ok",
            "id",
            "title",
            "url",
            "source",
            "dateline",
            "published",
            "body",
            "actors",
            "countries",
            "dates_mentioned",
            "mentions",
            "content_hash",
            "indexed_at",
        ],
        "properties": {
            "ok": {"const": True},
            "id": {"type": "string"},
            "title": {"type": "string"},
            "url": NULLABLE_STRING,
            "source": NULLABLE_STRING,
            "dateline": {
                "type": ["string", "null"],
                "description": "Where the story was filed, as the wire gives it "
                '("NEW YORK, Oct 19").',
            },
            "published": {"type": ["string", "null"], "description": "ISO 8601 datetime."},
            "body": {"type": "string"},
            "actors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "kind"],
                    "properties": {
                        "name": {"type": "string"},
                        "kind": {"enum": ["person", "org"]},
                    },
                    "additionalProperties": False,
                },
            },
            "countries": {"type": "array", "items": {"$ref": "#/components/schemas/Country"}},
            "dates_mentioned": {"type": "array", "items": {"type": "string"}},
            "mentions": {
                "type": "array",
                "description": "Entity spans: offsets into the title, a blank line, the body.",
                "items": {
                    "type": "object",
                    "required": ["start", "end", "type", "value"],
                    "properties": {
                        "start": {"type": "integer", "minimum": 0},
                        "end": {"type": "integer", "minimum": 0},
                        "type": {"enum": ["person", "org", "country", "date"]},
                        "value": {"type": "string"},
                    },
                    "additionalProperties": False,
                },
            },
            "content_hash": {"type": "string"},
            "indexed_at": {"type": ["string", "null"]},
        },
        "additionalProperties": False,
    },
    "FacetValues": {
        "type": "object",
        "required": ["ok", "facet", "prefix", "offset", "values", "more", "next"],
        "properties": {
            "ok": {"const": True},
            "facet": {"enum": list(FACETS)},
            "prefix": {"type": "string"},
            "offset": {"type": "integer", "minimum": 0},
            "more": {"type": "boolean", "description": "Whether values follow this page."},
            "next": {
                "type": ["string", "null"],
                "description": "URL of the next page of values; null on the last.",
            },
            "values": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["value", "count"],
                    "properties": {
                        "value": {"type": "string"},
                        "label": {"type": "string"},
                        "count": {"type": "integer", "minimum": 0},
                    },
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
    },
    "Timeline": {
        "type": "object",
        "required": ["ok", "query", "articles", "interval", "buckets", "undated"],
        "properties": {
            "ok": {"const": True},
            "query": {"$ref": "#/components/schemas/Query"},
            "articles": {"type": "integer", "minimum": 0},
            "interval": {"enum": ["year", "month", "day"]},
            "buckets": {"$ref": "#/components/schemas/DateFacet/properties/buckets"},
            "undated": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": False,
    },
    "Health": {
        "type": "object",
        "required": ["ok", "backend", "documents"],
        "properties": {
            "ok": {"const": True},
            "backend": {"type": "string"},
            "documents": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": False,
    },
    "Sources": {
        "type": "object",
        "required": ["ok", "sources", "articles", "last_updated"],
        "properties": {
            "ok": {"const": True},
            "last_updated": {"type": ["string", "null"], "format": "date-time"},
            "articles": {"type": "object", "additionalProperties": {"type": "integer"}},
            "sources": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["url", "last_poll", "last_new_item", "items_indexed", "errors"],
                    "properties": {
                        "url": {"type": "string"},
                        "kind": {"type": ["string", "null"]},
                        "title": {"type": ["string", "null"]},
                        "last_poll": {"type": ["string", "null"]},
                        "next_poll": {"type": ["string", "null"]},
                        "last_new_item": {"type": ["string", "null"]},
                        "interval_s": {"type": "number"},
                        "items_seen": {"type": "integer"},
                        "items_indexed": {"type": "integer"},
                        "polls": {"type": "integer"},
                        "errors": {"type": "integer"},
                        "failing_since": {"type": "integer"},
                        "last_error": {"type": ["string", "null"]},
                        "pages_failed": {"type": "integer", "minimum": 0},
                    },
                },
            },
            "failed_pages": {
                "type": "array",
                "description": "The latest article pages that failed for good, newest first.",
                "items": {
                    "type": "object",
                    "required": ["url", "source", "reason", "at"],
                    "properties": {
                        "url": {"type": "string"},
                        "source": {"type": "string"},
                        "reason": {"type": "string"},
                        "at": {"type": ["string", "null"], "format": "date-time"},
                    },
                },
            },
        },
    },
}
