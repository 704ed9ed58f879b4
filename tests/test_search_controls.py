"""Issue 14's search controls on every engine (the backend contract's style and fixtures).

Exclusions (``not_actor``, ``not_country``, ``not_source``) cross-checked against the
inclusions (``A`` + ``not A`` = everything, never both), contiguous timelines, the facet
finder by the start of any word and within a search, paging through every value,
"did you mean" offering a real word as the archive writes it, and the stored dateline.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from search.errors import QueryError
from search.facets import FACETS
from search.models import IndexDocument, SearchRequest
from search.params import parse_search_params
from search.service import SearchService
from tests import test_backend_contract as contract
from tests.backend_docs import DOCS, news_doc
from tests.test_backend_contract import Engine, assert_contiguous, write

# The contract's fixtures: the same engines (a Typesense server for its half) and DOCS.
typesense_node = contract.typesense_node
engine = contract.engine
service = contract.service

ALL = {d.id for d in DOCS}


def ids(service: SearchService, request: SearchRequest) -> set[str]:
    """Ids of the whole result, every article (no copy collapsing)."""
    page = service.search(replace(request, per_page=100, group="none"))
    assert page.total == len(page.hits)
    return {h.id for h in page.hits}


def _values(doc: IndexDocument, facet: str) -> set[str]:
    raw = getattr(doc, FACETS[facet].doc_field)
    values = (raw,) if isinstance(raw, str) else raw or ()
    return {v.casefold() for v in values}


@pytest.mark.parametrize(
    ("facet", "value"),
    [
        ("actor", "Vladimir Putin"),
        ("actor", "vladimir putin"),  # any case, as the inclusion
        ("actor", "Nobody At All"),
        ("country", "RU"),
        ("country", "SY"),
        ("source", "Reuters"),
        ("source", "the guardian"),
    ],
)
@pytest.mark.parametrize("q", ["", "oil", "putin"])
def test_value_plus_its_exclusion_is_everything(
    service: SearchService, facet: str, value: str, q: str
) -> None:
    """``A`` and ``not A`` split any result in two: together all of it, never overlapping;
    ``not A`` is exactly the articles without the value (checked against the documents)."""
    spec = FACETS[facet]
    base = SearchRequest(q=q)
    everything = ids(service, base)
    with_it = ids(service, replace(base, **{spec.request_field: (value,)}))
    without = ids(service, replace(base, **{spec.exclude_field: (value,)}))
    assert with_it | without == everything
    assert not with_it & without
    expected = {
        d.id for d in DOCS if d.id in everything and value.casefold() not in _values(d, facet)
    }
    assert without == expected


def test_several_exclusions_and_mixed_filters(service: SearchService) -> None:
    """Excluded values of a facet each drop their articles; exclusions combine with
    inclusions of other facets and with dates."""
    two = ids(service, SearchRequest(not_countries=("RU", "US")))
    assert two == {d.id for d in DOCS if not {"RU", "US"} & set(d.countries)}
    mixed = ids(
        service,
        SearchRequest(actors=("Vladimir Putin",), not_sources=("Reuters",)),
    )
    assert mixed == {d.id for d in DOCS if "Vladimir Putin" in d.actors and d.source != "Reuters"}
    dated = ids(service, SearchRequest(date_from=date(2025, 1, 1), not_countries=("RU",)))
    assert dated == {
        d.id
        for d in DOCS
        if d.published and d.published.date() >= date(2025, 1, 1) and "RU" not in d.countries
    }


def test_exclusion_facet_counts_drop_the_value(service: SearchService) -> None:
    """Facet counts are over the filtered result: an excluded value counts 0."""
    page = service.search(SearchRequest(not_actors=("Vladimir Putin",), facet_size=50))
    assert "Vladimir Putin" not in {v.value for v in page.facets["actor"].values}
    assert page.total == len(ALL) - 3


@pytest.mark.parametrize(
    "params",
    [
        {"not_actor": ["Vladimir Putin"], "not_country": ["russia"], "not_source": ["AP"]},
        {"q": "oil", "not_country": ["RU"]},
    ],
)
def test_exclusions_from_request_params(service: SearchService, params: dict) -> None:
    """The front doors' parameters: names resolve as for inclusions (russia -> RU)."""
    request = parse_search_params(params)
    assert request.not_countries == tuple(
        "RU" if v == "russia" else v for v in params.get("not_country", [])
    )
    assert ids(service, request) <= ALL


@pytest.mark.parametrize(
    "params",
    [
        {"actor": ["Vladimir Putin"], "not_actor": ["Vladimir Putin"]},
        {"country": ["RU"], "not_country": ["Russia"]},
        {"contry": ["RU"]},
        {"not_actors": ["x"]},
    ],
)
def test_contradictions_and_unknown_parameters_are_query_errors(params: dict) -> None:
    with pytest.raises(QueryError) as caught:
        parse_search_params(params)
    assert any(name in str(caught.value) for name in params)


@pytest.mark.parametrize(
    "request_",
    [
        SearchRequest(),
        SearchRequest(q="oil"),
        SearchRequest(date_from=date(2024, 1, 1)),
        SearchRequest(date_from=date(2025, 6, 1), date_to=date(2025, 6, 30)),
        SearchRequest(not_countries=("RU",)),
    ],
)
def test_timelines_are_contiguous_and_count_every_article(
    service: SearchService, request_: SearchRequest
) -> None:
    """Buckets from the first to the last with no gap; bucket counts plus the undated
    are exactly the matching articles."""
    page = service.search(replace(request_, group="none"))
    assert_contiguous(page.dates)
    assert sum(b.count for b in page.dates.buckets) + page.dates.undated == page.articles
    if page.dates.buckets:
        assert page.dates.buckets[0].count > 0 and page.dates.buckets[-1].count > 0


@pytest.mark.parametrize(
    ("facet", "prefix", "expected"),
    [
        ("actor", "putin", {"Vladimir Putin"}),  # the surname of a full name
        ("actor", "TRUMP", {"Donald Trump"}),
        ("actor", "vladimir put", {"Vladimir Putin"}),  # several words
        ("actor", "utin", set()),  # never the middle of a word
        ("source", "guardian", {"The Guardian"}),
        ("country", "kingdom", {"GB"} & {c for d in DOCS for c in d.countries}),
    ],
)
def test_finder_matches_the_start_of_any_word(
    service: SearchService, facet: str, prefix: str, expected: set[str]
) -> None:
    assert {v for v, _ in service.facet_values(facet, prefix, 50)} == expected


@pytest.mark.parametrize(
    "within",
    [
        SearchRequest(q="oil"),
        SearchRequest(countries=("RU",)),
        SearchRequest(not_sources=("Reuters",)),
        SearchRequest(date_from=date(2025, 1, 1)),
    ],
)
@pytest.mark.parametrize("facet", list(FACETS))
def test_finder_counts_within_a_search(
    service: SearchService, within: SearchRequest, facet: str
) -> None:
    """Within a search, the finder's counts are the facet's counts of that result."""
    page = service.search(replace(within, facet_size=100))
    expected = {v.value: v.count for v in page.facets[facet].values if v.count}
    found = dict(service.facet_values(facet, "", 500, within=within))
    assert found == expected


@pytest.mark.parametrize("facet", list(FACETS))
def test_finder_pages_through_every_value_once(service: SearchService, facet: str) -> None:
    """Pages of two values, by offset, list every value once in the one order."""
    whole = service.facet_values(facet, "", 500)
    paged: list[tuple[str, int]] = []
    offset = 0
    while True:
        part = service.facet_values(facet, "", 2, offset=offset)
        paged += part
        if len(part) < 2:
            break
        offset += 2
    assert paged == whole


# -- did you mean ----------------------------------------------------------------------

SPELLING_DOCS = (
    *(
        news_doc(
            f"opec{i}",
            "OPEC output talks",
            f"OPEC ministers met in Vienna, round {i}. Saudi Arabia backed the OPEC pact.",
            source="Reuters",
            published=(1987, 3, i + 1),
        )
        for i in range(2)
    ),
    *(
        news_doc(
            f"oper{i}",
            f"Company results {i}",
            "Oper shr 10 cts vs five cts. Oper net 1.2 mln vs 900,000. Oper revs up.",
            source="Reuters",
            published=(1987, 4, i + 1),
        )
        for i in range(4)
    ),
    *(
        news_doc(
            f"open{i}",
            f"Markets open {i}",
            "Stocks open higher as traders open positions in an open market.",
            source="Reuters",
            published=(1987, 5, i + 1),
        )
        for i in range(5)
    ),
    news_doc(
        "volcker",
        "Volcker speaks",
        "Federal Reserve chairman Paul Volcker said inflation was under control.",
        source="Reuters",
        published=(1987, 6, 1),
    ),
)


@pytest.fixture(scope="module")
def spelled(engine: Engine) -> SearchService:
    svc = engine.service()
    write(svc, SPELLING_DOCS, full=True)
    return svc


@pytest.mark.parametrize(
    ("q", "suggestion"),
    [
        ("opek", "OPEC"),  # sounds alike beats more frequent words one edit away
        ("opek output", "OPEC output"),
        ("volker", "Volcker"),
        ("opec", None),  # a word of the archive: nothing to correct
    ],
)
def test_did_you_mean_offers_a_real_word_as_written(
    spelled: SearchService, q: str, suggestion: str | None
) -> None:
    page = spelled.search(SearchRequest(q=q))
    assert page.suggestion == suggestion
    if suggestion:
        assert spelled.search(SearchRequest(q=suggestion)).total > 0


def test_dateline_is_stored_and_newest_day(engine: Engine) -> None:
    svc = engine.service()
    doc = replace(
        news_doc(
            "dated", "Stocks fall", "Stocks fell.", source="Reuters", published=(1987, 10, 19)
        ),
        dateline="NEW YORK, Oct 19",
    )
    write(svc, (doc, replace(DOCS[0], dateline=None)), full=True)
    stored = svc.backend.get("dated")
    assert stored is not None and stored.dateline == "NEW YORK, Oct 19"
    other = svc.backend.get(DOCS[0].id)
    assert other is not None and other.dateline is None
    # Date presets count back from the newest article, not from today.
    assert svc.newest_day() == date(2025, 8, 15)
