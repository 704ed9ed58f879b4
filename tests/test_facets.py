"""The facet registry: every layer reads it, and the finder asks the backend once."""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, urlsplit

import pytest

from search.backends.typesense.schema import FACET_STORAGE
from search.backends.whoosh.backend import WhooshBackend
from search.backends.whoosh.schema import FACET_KEYS
from search.errors import QueryError
from search.facets import FACETS, facet_spec
from search.models import IndexDocument, SearchRequest
from search.params import SEARCH_PARAMS, parse_search_params
from search.service import SearchService
from search.settings import Settings
from web.links import SearchState
from web.openapi import openapi_document


def test_every_facet_names_real_fields_and_storage() -> None:
    request_fields = {f.name for f in dataclasses.fields(SearchRequest)}
    doc_fields = {f.name for f in dataclasses.fields(IndexDocument)}
    for spec in FACETS.values():
        assert spec.request_field in request_fields, spec.name
        assert spec.doc_field in doc_fields, spec.name
        # Each backend knows how it stores the field.
        assert spec.doc_field in FACET_KEYS, spec.name
        assert spec.doc_field in FACET_STORAGE, spec.name
    assert [p for p in SEARCH_PARAMS if p in FACETS] == list(FACETS)


def test_openapi_document_lists_every_facet() -> None:
    doc = openapi_document()
    params = {p["name"]: p for p in doc["paths"]["/api/search"]["get"]["parameters"]}
    for name, spec in FACETS.items():
        assert params[name]["description"] == spec.description
    finder = doc["paths"]["/api/facets/{name}"]["get"]["parameters"][0]
    assert finder["schema"]["enum"] == list(FACETS)
    facets = doc["components"]["schemas"]["SearchPage"]["properties"]["facets"]
    assert facets["required"] == [*FACETS, "date"]


def test_spec_wording_and_lookup() -> None:
    assert [s.indefinite for s in FACETS.values()] == ["an actor", "a country", "a source"]
    assert facet_spec("country").display("IR") == "Iran"
    assert facet_spec("actor").display("Iran") == "Iran"
    with pytest.raises(QueryError, match="unknown facet 'weapon': use one of actor, country"):
        facet_spec("weapon")


def test_params_canonicalise_through_the_spec() -> None:
    request = parse_search_params({"country": ["Iranian", "IR", "ru"], "source": ["a", "b"]})
    assert request.countries == ("IR", "RU")
    assert request.sources == ("a", "b")
    with pytest.raises(QueryError, match="unknown country"):
        parse_search_params({"country": "Atlantis"})


def test_links_clear_every_facet() -> None:
    request = SearchRequest(q="oil", actors=("A",), countries=("RU",), sources=("S",))
    state = SearchState(request, "/")
    assert state.has_filters
    assert parse_qs(urlsplit(state.without_filters()).query) == {"q": ["oil"]}
    assert not SearchState(SearchRequest(q="oil")).has_filters


class CountingBackend(WhooshBackend):
    """The Whoosh backend, counting the value lists it is asked for."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.calls: list[tuple[str, str, int]] = []

    def facet_values(self, facet: str, prefix: str = "", limit: int = 50) -> list[tuple[str, int]]:
        self.calls.append((facet, prefix, limit))
        return super().facet_values(facet, prefix, limit)


@pytest.fixture
def counting(web_settings: Settings) -> tuple[SearchService, CountingBackend]:
    backend = CountingBackend(web_settings)
    return SearchService(web_settings, backend), backend


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("isr", [("IL", 2)]),  # a name's prefix
        ("J", [("JP", 2)]),  # a code's prefix
        ("iranian", [("IR", 4)]),  # a demonym, through the place table
        ("Tehran", [("IR", 4)]),  # a capital
        ("nowhere", []),
    ],
)
def test_country_finder_matches_names_in_one_backend_call(
    counting: tuple[SearchService, CountingBackend], text: str, expected: list[tuple[str, int]]
) -> None:
    service, backend = counting
    assert service.facet_values("country", text, 10) == expected
    assert len(backend.calls) == 1


def test_other_finders_use_the_backend_prefix_match(
    counting: tuple[SearchService, CountingBackend],
) -> None:
    service, backend = counting
    assert service.facet_values("actor", "vlad", 5) == [("Vladimir Putin", 2)]
    assert backend.calls == [("actor", "vlad", 5)]


def test_search_page_has_every_facet_in_registry_order(
    web_settings: Settings,
) -> None:
    page = SearchService(web_settings).search(SearchRequest(countries=("IR",)))
    assert list(page.facets) == list(FACETS)
    assert {v.value: v.selected for v in page.facets["country"].values}["IR"] is True
