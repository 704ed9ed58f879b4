"""Property tests: any parameters on any page or API route give a 2xx/4xx, never a 500 or a
traceback, in bounded time, and the API always answers JSON in one of its two shapes."""

from __future__ import annotations

import time

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.params import SEARCH_PARAMS

PARAM_NAMES = [*SEARCH_PARAMS, "format", "prefix", "limit", "nonsense"]
QUERY_WORDS = st.sampled_from(
    [
        "iran",
        "AND",
        "OR",
        "NOT",
        "(",
        ")",
        '"',
        "*",
        "?",
        "actor:",
        "country:",
        "title:",
        "putin~",
        "sanct*",
        "*a",
        "~",
        "^",
        "[a TO z]",
        "{",
        "\\",
        "'",
        ":",
        "2025-06",
        "-1",
        "<script>",
        "ü",
        "\x00",
        "𝕏",
    ]
)
ANY_TEXT = st.one_of(
    st.text(max_size=40),
    st.lists(QUERY_WORDS, max_size=8).map(" ".join),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["", " ", "0", "1", "100", "101", "10001", "2025", "2025-13", "RU", "Iran"]),
)
ROUTES = st.sampled_from(
    [
        "/",
        "/api/search",
        "/facets/actor",
        "/facets/country",
        "/api/facets/actor",
        "/api/facets/country",
        "/api/facets/source",
        "/api/health",
    ]
)
PAIRS = st.lists(st.tuples(st.sampled_from(PARAM_NAMES), ANY_TEXT), max_size=8)
MAX_SECONDS = 5.0


@given(route=ROUTES, pairs=PAIRS)
@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_parameters_never_break_a_route(web_app: Flask, route: str, pairs: list) -> None:
    client = web_app.test_client()
    started = time.monotonic()
    response = client.get(route, query_string=pairs)
    elapsed = time.monotonic() - started
    body = response.get_data(as_text=True)
    response.close()
    assert response.status_code < 500, (route, pairs, body[:300])
    assert "Traceback" not in body
    assert elapsed < MAX_SECONDS, (route, pairs, elapsed)
    if route.startswith("/api/") and response.mimetype == "application/json":
        data = response.get_json()
        if response.status_code >= 400:
            assert set(data) == {"ok", "status", "error"}
            assert data["status"] == response.status_code


@given(doc_id=st.text(max_size=60))
@settings(max_examples=150, deadline=None, database=None)
def test_any_article_id_is_found_or_404(web_app: Flask, doc_id: str) -> None:
    client = web_app.test_client()
    from urllib.parse import quote

    for prefix in ("/articles/", "/api/articles/"):
        response = client.get(prefix + quote(doc_id, safe=""))
        assert response.status_code in (200, 404, 308), (prefix, doc_id)
        assert "Traceback" not in response.get_data(as_text=True)
