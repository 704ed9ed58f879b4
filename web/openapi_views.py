"""The OpenAPI description of the views' routes: /api/actors, /api/countries,
/api/network and /api/compare (merged into ``web.openapi``'s document)."""

from __future__ import annotations

from typing import Any

from search.params import MAX_VALUES
from search.service import MAX_NETWORK_NODES, NETWORK_NODES
from search.views.compare import MAX_SERIES, MAX_SPEC_CHARS
from search.views.profiles import MAX_NAME_CHARS
from web.openapi_schemas import error_responses, json_response

_REF = "#/components/schemas/"
NOT_FOUND = "No article mentions this actor or country, or no such name."


SHARE = {
    "name": "share",
    "in": "query",
    "description": "1: each timeline bucket also has of_all (the archive's articles) and share.",
    "schema": {"type": "string", "enum": ["0", "1"], "default": "0"},
}


def _profile(kind: str, key: str, description: str) -> dict[str, Any]:
    return {
        "get": {
            "operationId": f"{kind}_profile",
            "summary": f"One {kind}: count, coverage over time, co-mentions with lift, sources",
            "parameters": [
                {
                    "name": key,
                    "in": "path",
                    "required": True,
                    "description": description,
                    "schema": {"type": "string", "maxLength": MAX_NAME_CHARS},
                },
                SHARE,
            ],
            "responses": {
                "200": json_response("Profile", f"The {kind}'s profile."),
                **error_responses(400, 404, 503, not_found=NOT_FOUND),
            },
        }
    }


def view_paths(search_parameters: list[dict[str, Any]]) -> dict[str, Any]:
    """The paths of the views (the network takes every search parameter)."""
    series = [
        {
            "name": name,
            "in": "query",
            "description": description,
            "style": "form",
            "explode": True,
            "schema": {
                "type": "array",
                "maxItems": MAX_VALUES,
                "items": {"type": "string", "maxLength": MAX_SPEC_CHARS},
            },
        }
        for name, description in (
            ("s", "A whole search as its query string (q=oil&country=IR): one series each."),
            ("q", "A query: one series each."),
            ("actor", "An actor: one series each."),
            ("country", "A country: one series each."),
        )
    ]
    network_params = [p for p in search_parameters if p["name"] != "format"] + [
        {
            "name": "nodes",
            "in": "query",
            "description": "Actors and countries (each) in the network.",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_NETWORK_NODES,
                "default": NETWORK_NODES,
            },
        }
    ]
    return {
        "/api/actors/{name}": _profile(
            "actor", "name", "The actor's name (an alias redirects in HTML, answers here)."
        ),
        "/api/countries/{code}": _profile(
            "country", "code", "ISO 3166-1 alpha-2 code (historical too: SU, YU, CS, DD) or name."
        ),
        "/api/network": {
            "get": {
                "operationId": "network",
                "summary": "Who with whom: top actors and countries of a search, co-mentions",
                "parameters": network_params,
                "responses": {
                    "200": json_response("Network", "Nodes and edges."),
                    **error_responses(400, 503),
                },
            }
        },
        "/api/compare": {
            "get": {
                "operationId": "compare",
                "summary": f"Up to {MAX_SERIES} searches on one timeline (shared keys)",
                "parameters": series,
                "responses": {
                    "200": json_response("Comparison", "Each series' counts."),
                    **error_responses(400, 503),
                },
            }
        },
    }


_COUNT = {"type": "integer", "minimum": 0}
_CO_VALUE = {
    "type": "object",
    "required": ["value", "count", "lift"],
    "properties": {
        "value": {"type": "string"},
        "label": {"type": "string"},
        "count": _COUNT,
        "lift": {"type": "number", "minimum": 0},
    },
    "additionalProperties": False,
}
VIEW_SCHEMAS: dict[str, Any] = {
    "Profile": {
        "type": "object",
        "required": [
            "ok",
            "kind",
            "label",
            "count",
            "archive",
            "aliases",
            "timeline",
            "co_actors",
            "co_countries",
            "sources",
        ],
        "properties": {
            "ok": {"const": True},
            "name": {"type": "string"},
            "code": {"type": "string"},
            "kind": {"enum": ["actor", "country"]},
            "label": {"type": "string"},
            "count": _COUNT,
            "archive": _COUNT,
            "aliases": {"type": "array", "items": {"type": "string"}},
            "timeline": {
                "type": "object",
                "required": ["interval", "buckets", "undated"],
                "properties": {
                    "interval": {"enum": ["year", "month", "day"]},
                    "buckets": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["key", "count"],
                            "properties": {
                                "key": {"type": "string"},
                                "count": _COUNT,
                                "of_all": {"type": ["integer", "null"], "minimum": 0},
                                "share": {"type": ["number", "null"], "minimum": 0},
                            },
                            "additionalProperties": False,
                        },
                    },
                    "undated": _COUNT,
                },
                "additionalProperties": False,
            },
            "co_actors": {"type": "array", "items": _CO_VALUE},
            "co_countries": {"type": "array", "items": _CO_VALUE},
            "sources": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["value", "count"],
                    "properties": {"value": {"type": "string"}, "count": _COUNT},
                    "additionalProperties": False,
                },
            },
            "latest": {"type": "array", "items": {"$ref": _REF + "Hit"}},
            "stories": {"type": "array", "items": {"$ref": _REF + "Hit"}},
        },
        "additionalProperties": False,
    },
    "Network": {
        "type": "object",
        "required": ["ok", "nodes", "edges"],
        "properties": {
            "ok": {"const": True},
            "nodes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "kind", "count"],
                    "properties": {
                        "id": {"type": "string"},
                        "kind": {"enum": ["actor", "country"]},
                        "value": {"type": "string"},
                        "label": {"type": "string"},
                        "count": _COUNT,
                    },
                    "additionalProperties": False,
                },
            },
            "edges": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["source", "target", "count"],
                    "properties": {
                        "source": {"type": "string"},
                        "target": {"type": "string"},
                        "count": _COUNT,
                    },
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
    },
    "Comparison": {
        "type": "object",
        "required": ["ok", "interval", "keys", "series"],
        "properties": {
            "ok": {"const": True},
            "interval": {"enum": ["year", "month", "day"]},
            "keys": {"type": "array", "items": {"type": "string"}},
            "series": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["label", "query", "total", "undated", "counts"],
                    "properties": {
                        "label": {"type": "string"},
                        "query": {"$ref": _REF + "Query"},
                        "total": _COUNT,
                        "undated": _COUNT,
                        "counts": {"type": "array", "items": _COUNT},
                    },
                    "additionalProperties": False,
                },
            },
        },
        "additionalProperties": False,
    },
}
