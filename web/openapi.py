"""The OpenAPI 3.1 description of /api/*, kept beside the code it describes.

Limits are the parser's own constants, so the document cannot promise what
``parse_search_params`` rejects. A test runs schemathesis against it.
"""

from __future__ import annotations

from typing import Any

from search.facets import FACETS
from search.params import (
    MAX_FACET_SIZE,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_VALUE_CHARS,
    MAX_VALUES,
)
from search.query import MAX_QUERY_CHARS
from search.service import MAX_FINDER_OFFSET
from web.openapi_schemas import SCHEMAS, error_responses, json_response
from web.openapi_views import VIEW_SCHEMAS, view_paths

DATE_PATTERN = r"^\d{4}(-\d{1,2}(-\d{1,2})?)?$"


def _array_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "style": "form",
        "explode": True,
        "schema": {
            "type": "array",
            "maxItems": MAX_VALUES,
            "items": {"type": "string", "maxLength": MAX_VALUE_CHARS},
        },
    }


def _int_param(name: str, description: str, low: int, high: int, default: int) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": {"type": "integer", "minimum": low, "maximum": high, "default": default},
    }


SEARCH_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "q",
        "in": "query",
        "description": (
            'Full-text query: words (ANDed), "phrases", AND/OR/NOT, parentheses, fields '
            "title:, body:, actor:, country:, source:, mentioned:, trailing wildcards. "
            "Empty: browse newest first."
        ),
        "schema": {"type": "string", "maxLength": MAX_QUERY_CHARS},
    },
    *(_array_param(spec.name, spec.description) for spec in FACETS.values()),
    *(
        _array_param(
            spec.exclude_param,
            f"Leave out articles with this {spec.name} (any of them); repeatable. "
            f"{spec.name} and {spec.exclude_param} must not name the same value.",
        )
        for spec in FACETS.values()
    ),
    {
        "name": "from",
        "in": "query",
        "description": "Published on or after: YYYY, YYYY-MM or YYYY-MM-DD.",
        "schema": {"type": "string", "pattern": DATE_PATTERN},
    },
    {
        "name": "to",
        "in": "query",
        "description": "Published on or before: YYYY, YYYY-MM or YYYY-MM-DD (inclusive).",
        "schema": {"type": "string", "pattern": DATE_PATTERN},
    },
    {
        "name": "sort",
        "in": "query",
        "description": "Default: relevance with a query, newest without.",
        "schema": {"type": "string", "enum": ["relevance", "newest", "oldest"]},
    },
    _int_param("page", "Page number.", 1, MAX_PAGE, 1),
    _int_param("per_page", "Hits per page.", 1, MAX_PER_PAGE, 20),
    _int_param("facet_size", "Values per facet.", 1, MAX_FACET_SIZE, 10),
    _array_param("story", "Story ids (a hit's story.id): only articles of these stories."),
    _array_param("copy", 'Copy groups (a hit\'s copy_group): only these copies ("+ N copies").'),
    {
        "name": "group",
        "in": "query",
        "description": (
            "What one hit stands for. copy: copies collapsed, the best-ranked shown with "
            "copies = how many others; story: one hit per story, its best-ranked article, "
            "story with first/last/sources; none: every article."
        ),
        "schema": {"type": "string", "enum": ["copy", "story", "none"], "default": "copy"},
    },
    {
        "name": "count",
        "in": "query",
        "description": "What facet counts count: matching articles, or distinct stories.",
        "schema": {"type": "string", "enum": ["articles", "stories"], "default": "articles"},
    },
]

# /api/stories takes every search parameter but the grouping (always story) and format.
STORIES_PARAMETERS: list[dict[str, Any]] = [p for p in SEARCH_PARAMETERS if p["name"] != "group"]
# What a search's result is (the finder and the timeline count within it): no paging.
_PAGING = ("page", "per_page", "facet_size", "sort")
WITHIN_PARAMETERS: list[dict[str, Any]] = [p for p in SEARCH_PARAMETERS if p["name"] not in _PAGING]


def _format_param(formats: tuple[str, ...], description: str) -> dict[str, Any]:
    return {
        "name": "format",
        "in": "query",
        "description": description,
        "schema": {"type": "string", "enum": list(formats), "default": formats[0]},
    }


_CSV_CONTENT = {
    "text/csv": {"schema": {"type": "string", "description": "Header row, then one row each."}}
}

SEARCH_PARAMETERS += [
    {
        "name": "format",
        "in": "query",
        "description": (
            "json: one page in the contract below. ndjson or csv: every match, streamed "
            "(page and per_page are ignored)."
        ),
        "schema": {"type": "string", "enum": ["json", "ndjson", "csv"], "default": "json"},
    },
    {
        "name": "fields",
        "in": "query",
        "description": (
            "Exports only (csv, ndjson): extra columns, comma-separated: snippet (plain "
            "text in CSV; NDJSON lines always carry it, as HTML), body (the cleaned text)."
        ),
        "schema": {"type": "string", "pattern": r"^(snippet|body)(,(snippet|body))?$"},
    },
]


def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Dateline",
            "version": "1.0.0",
            "description": (
                "Full-text news search with actor, country and date facets. The HTML "
                "search page at / takes the same parameters as /api/search."
            ),
        },
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Search articles, or export every match",
                    "parameters": SEARCH_PARAMETERS,
                    "responses": {
                        "200": {
                            "description": "One page of results (json), or every match.",
                            "headers": {
                                "X-Total-Count": {
                                    "description": "Exports only: the number of matches.",
                                    "schema": {"type": "string", "pattern": r"^\d+$"},
                                },
                                "Content-Disposition": {
                                    "description": "Exports only: a download file name.",
                                    "schema": {"type": "string"},
                                },
                            },
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/SearchPage"}
                                },
                                "application/x-ndjson": {
                                    "schema": {
                                        "type": "string",
                                        "description": "One Hit object per line.",
                                    }
                                },
                                "text/csv": {
                                    "schema": {
                                        "type": "string",
                                        "description": "Header row, then one row per hit.",
                                    }
                                },
                            },
                        },
                        **error_responses(400, 503),
                    },
                }
            },
            "/api/articles/{id}": {
                "get": {
                    "operationId": "article",
                    "summary": "One article with its entities and mention offsets",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "description": "16 hex digits, from a hit's id.",
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": json_response("Article", "The article."),
                        **error_responses(404, 503),
                    },
                }
            },
            "/api/stories/{id}": {
                "get": {
                    "operationId": "story",
                    "summary": "One story: span, sources, actors, countries, coverage, articles",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "description": "A hit's story.id.",
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": json_response("Story", "The story."),
                        **error_responses(404, 503),
                    },
                }
            },
            "/api/stories": {
                "get": {
                    "operationId": "stories",
                    "summary": "The stories of a search: one hit per story",
                    "parameters": STORIES_PARAMETERS,
                    "responses": {
                        "200": json_response("SearchPage", "One page of stories (group is story)."),
                        **error_responses(400, 503),
                    },
                }
            },
            "/api/facets/{name}": {
                "get": {
                    "operationId": "facetValues",
                    "summary": (
                        "Find values of a facet: a word of the value starts with prefix "
                        "(countries also by name or demonym); counted within the search "
                        "the other parameters describe, else over the whole archive"
                    ),
                    "parameters": [
                        {
                            "name": "name",
                            "in": "path",
                            "required": True,
                            "schema": {"enum": list(FACETS)},
                        },
                        {
                            "name": "prefix",
                            "in": "query",
                            "description": 'Start of any word of a value: "volcker" finds '
                            '"Paul Volcker".',
                            "schema": {"type": "string", "maxLength": 200},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": 500,
                                "default": 50,
                            },
                        },
                        {
                            "name": "offset",
                            "in": "query",
                            "description": "Values to skip (paging through every value).",
                            "schema": {
                                "type": "integer",
                                "minimum": 0,
                                "maximum": MAX_FINDER_OFFSET,
                                "default": 0,
                            },
                        },
                        _format_param(
                            ("json", "csv"), "csv: every matching value as value,label,count."
                        ),
                        *WITHIN_PARAMETERS,
                    ],
                    "responses": {
                        "200": {
                            "description": "Matching values, most frequent first.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/FacetValues"}
                                },
                                **_CSV_CONTENT,
                            },
                        },
                        **error_responses(400, 503),
                    },
                }
            },
            "/api/timeline": {
                "get": {
                    "operationId": "timeline",
                    "summary": "The date histogram of a search, every bucket (empty ones 0)",
                    "parameters": [
                        _format_param(
                            ("json", "csv"),
                            "csv: a row per bucket (key, count), then a row undated.",
                        ),
                        *WITHIN_PARAMETERS,
                    ],
                    "responses": {
                        "200": {
                            "description": "The histogram.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Timeline"}
                                },
                                **_CSV_CONTENT,
                            },
                        },
                        **error_responses(400, 503),
                    },
                }
            },
            "/api/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Whether the index answers",
                    "responses": {
                        "200": json_response("Health", "The index answers."),
                        **error_responses(503),
                    },
                }
            },
            "/api/sources": {
                "get": {
                    "operationId": "sources",
                    "summary": "The sources `dateline follow` follows",
                    "description": "Each feed or sitemap with its last poll, last new item, "
                    "articles indexed and errors; articles by outcome; when the archive last "
                    "took in articles.",
                    "responses": {"200": json_response("Sources", "The followed sources.")},
                }
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1 document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            **view_paths(SEARCH_PARAMETERS),
        },
        "components": {"schemas": {**SCHEMAS, **VIEW_SCHEMAS}},
    }
