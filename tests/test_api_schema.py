"""Every /api/* response validates against /api/openapi.json (schemathesis, bounded)."""

from __future__ import annotations

import time

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 60
TIME_BUDGET_S = 60


@pytest.mark.slow
def test_every_api_response_matches_the_openapi_document(web_app: Flask) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", web_app)
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} == {
        "GET /api/search",
        "GET /api/articles/{id}",
        "GET /api/facets/{name}",
        "GET /api/health",
        "GET /api/stories/{id}",
        "GET /api/stories",
        "GET /api/actors/{name}",
        "GET /api/countries/{code}",
        "GET /api/network",
        "GET /api/compare",
        "GET /api/timeline",
        "GET /api/sources",
    }  # schemathesis leaves out the document's own URL
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=CHECKS)

        check()
    assert time.monotonic() - started < TIME_BUDGET_S


@pytest.mark.parametrize(
    ("path", "parameters"),
    [
        ("/api/search", {"query": {"q": "iran", "per_page": 2}}),
        ("/api/search", {"query": {"country": ["IR", "IL"], "facet_size": 1}}),
        ("/api/search", {"query": {"q": "kremlim"}}),  # with a suggestion
        ("/api/search", {"query": {"format": "csv", "q": "strikes"}}),
        ("/api/search", {"query": {"format": "ndjson"}}),
        ("/api/search", {"query": {"q": '"unclosed'}}),
        ("/api/facets/{name}", {"path_parameters": {"name": "country"}, "query": {"prefix": "ir"}}),
        ("/api/health", {}),
        # Issue 14: exclusions, the finder within a search and paged, exports, timelines.
        ("/api/search", {"query": {"not_country": ["IR"], "not_actor": ["Donald Trump"]}}),
        ("/api/search", {"query": {"format": "csv", "fields": "snippet,body"}}),
        ("/api/search", {"query": {"format": "ndjson", "fields": "body", "q": "iran"}}),
        (
            "/api/facets/{name}",
            {"path_parameters": {"name": "actor"}, "query": {"q": "iran", "limit": 1, "offset": 1}},
        ),
        ("/api/facets/{name}", {"path_parameters": {"name": "source"}, "query": {"format": "csv"}}),
        ("/api/timeline", {"query": {"q": "strikes"}}),
        ("/api/timeline", {"query": {"format": "csv", "not_country": ["IR"]}}),
        ("/api/search", {"query": {"q": "iran", "contry": "IR"}}),  # 400: unknown parameter
        ("/api/search", {"query": {"q": "iran", "group": "story", "count": "stories"}}),
        ("/api/search", {"query": {"group": "none", "story": ["0123456789abcdef"]}}),
        ("/api/stories", {"query": {"q": "iran", "per_page": 1}}),
        ("/api/stories/{id}", {"path_parameters": {"id": "0123456789abcdef"}}),  # 404
    ],
)
def test_chosen_requests_match_the_document(web_app: Flask, path: str, parameters: dict) -> None:
    """Requests fuzzing rarely builds (real ids, suggestions, exports), checked the same way."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", web_app)
    schema[path]["GET"].Case(**parameters).call_and_validate(checks=CHECKS)


def test_every_article_matches_the_document(web_app: Flask) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", web_app)
    operation = schema["/api/articles/{id}"]["GET"]
    ids = [h["id"] for h in web_app.test_client().get("/api/search").get_json()["hits"]]
    assert len(ids) == 8
    for doc_id in ids:
        response = operation.Case(path_parameters={"id": doc_id}).call_and_validate(checks=CHECKS)
        assert response.status_code == 200


def test_stories_and_grouped_searches_match_the_document(story_app: Flask) -> None:
    """Over an index with copies and stories set: every story, every grouping, exports."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", story_app)
    search = schema["/api/search"]["GET"]
    for group in ("copy", "story", "none"):
        for fmt in ("json", "ndjson", "csv"):
            query = {"q": "earthquake", "group": group, "format": fmt}
            search.Case(query=query).call_and_validate(checks=CHECKS)
    schema["/api/stories"]["GET"].Case(query={"q": "chile"}).call_and_validate(checks=CHECKS)
    story = schema["/api/stories/{id}"]["GET"]
    hits = story_app.test_client().get("/api/stories?per_page=100").get_json()["hits"]
    assert len(hits) == 3
    for hit in hits:
        response = story.Case(path_parameters={"id": hit["story"]["id"]}).call_and_validate(
            checks=CHECKS
        )
        assert response.status_code == 200


@pytest.mark.slow
def test_live_server_on_localhost_matches_the_document(live_url: str) -> None:
    """The same checks over real HTTP against waitress on 127.0.0.1 (fewer examples)."""
    schema = schemathesis.openapi.from_url(f"{live_url}/api/openapi.json")
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=live_url, checks=CHECKS)

        check()
