"""Profiles, networks and comparisons on every engine, cross-checked against searches.

Each count a view shows must be the number of matching articles of the search its link
runs: a node's (the result narrowed to it), an edge's (narrowed to both ends), a
profile's (``actor=A``), a co-mention's (``actor=A&actor=B``), a bucket's and a series'.
Timelines must be contiguous (every bucket between the first and last, zeros included).
Real Whoosh index on disk; real Typesense server for the slow half.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest

from search.aliases import save_applied
from search.backends.typesense.server import Cluster
from search.errors import ProfileError, QueryError
from search.models import DateBucket, DateHistogram, SearchRequest
from search.service import SearchService
from search.views.coverage import key_start, rollup, shared_axis, span_keys
from search.views.records import NetworkNode
from tests.test_backend_contract import ENGINES, Engine
from tests.typesense_helpers import start_cluster
from tests.views_docs import ALIASES, GORBACHEV, HOSTILE, KOHL, REAGAN, VIEW_DOCS, write_docs


@pytest.fixture(scope="module")
def typesense_node() -> Iterator[Cluster]:
    """One real single-node Typesense server for the module (skips when it cannot run)."""
    cluster = start_cluster(1)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module", params=ENGINES)
def service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> SearchService:
    """A service over VIEW_DOCS (and the alias table) on the engine under test."""
    node = request.getfixturevalue("typesense_node") if request.param == "typesense" else None
    engine = Engine(request.param, tmp_path_factory.mktemp(f"views-{request.param}"), node)
    svc = engine.service()
    write_docs(svc)
    svc.settings.index_dir.mkdir(parents=True, exist_ok=True)
    save_applied(svc.settings.index_dir, ALIASES)
    return svc


def articles(service: SearchService, request: SearchRequest) -> int:
    """Matching articles of a search (every copy: ``group=none``)."""
    return service.search(replace(request, group="none", per_page=1)).total


def narrowed(request: SearchRequest, *nodes: NetworkNode) -> SearchRequest:
    """``request`` with each node added as a filter (as the graph's links do)."""
    actors = list(request.actors)
    countries = list(request.countries)
    for node in nodes:
        (actors if node.kind == "actor" else countries).append(node.value)
    return replace(
        request, actors=tuple(dict.fromkeys(actors)), countries=tuple(dict.fromkeys(countries))
    )


def assert_contiguous(keys: list[str], interval: str) -> None:
    """Every key follows the one before by exactly one interval."""
    for a, b in itertools.pairwise(keys):
        first, second = key_start(a), key_start(b)
        if interval == "year":
            assert second.year == first.year + 1 and len(b) == 4
        elif interval == "month":
            assert (second.year * 12 + second.month) - (first.year * 12 + first.month) == 1
        else:
            assert (second - first).days == 1


REQUESTS = [
    SearchRequest(),
    SearchRequest(q="border"),
    SearchRequest(countries=("SU",)),
    SearchRequest(q="talks", date_from=date(1987, 1, 1), date_to=date(1989, 12, 31)),
    SearchRequest(sources=("AP", "UPI")),
]


@pytest.mark.parametrize("request_", REQUESTS, ids=lambda r: repr(r)[:60])
def test_network_counts_equal_search_totals(
    service: SearchService, request_: SearchRequest
) -> None:
    network = service.network(request_, 12)
    edges = {(e.source, e.target): e.count for e in network.edges}
    assert len(edges) == len(network.edges)
    for node in network.nodes:
        assert node.count == articles(service, narrowed(request_, node)), node
    for a, b in itertools.combinations(network.nodes, 2):
        expected = articles(service, narrowed(request_, a, b))
        assert edges.get((a.id, b.id), 0) == expected, (a.id, b.id)
        assert (b.id, a.id) not in edges


def test_network_nodes_are_the_top_values(service: SearchService) -> None:
    """Actors first, then countries, each the ``size`` most frequent (ties by value)."""
    network = service.network(SearchRequest(), 2)
    page = service.search(SearchRequest(facet_size=50, group="none"))
    for kind in ("actor", "country"):
        values = sorted(page.facets[kind].values, key=lambda v: (-v.count, v.value))[:2]
        got = [(n.value, n.count) for n in network.nodes if n.kind == kind]
        assert got == [(v.value, v.count) for v in values]
    assert [n.kind for n in network.nodes] == ["actor", "actor", "country", "country"]
    assert service.network(SearchRequest(q="nothingmatchesthis"), 5).nodes == ()
    with pytest.raises(QueryError):
        service.network(SearchRequest(), 0)


def test_value_counts_are_archive_counts(service: SearchService) -> None:
    counts = service.backend.value_counts("actor", [GORBACHEV, "mikhail GORBACHEV", "Nobody"])
    assert counts == {
        GORBACHEV: articles(service, SearchRequest(actors=(GORBACHEV,))),
        "mikhail GORBACHEV": articles(service, SearchRequest(actors=(GORBACHEV,))),
        "Nobody": 0,
    }
    countries = service.backend.value_counts("country", ["SU", "DD", "YU"])
    assert countries == {
        c: articles(service, SearchRequest(countries=(c,))) for c in ("SU", "DD", "YU")
    }
    assert service.backend.value_counts("source", []) == {}


def test_actor_profile_counts_equal_search_totals(service: SearchService) -> None:
    profile = service.profile("actor", GORBACHEV, share=True)
    base = SearchRequest(actors=(GORBACHEV,))
    assert profile.value == GORBACHEV and profile.kind == "actor"
    assert profile.count == articles(service, base) == 8
    assert profile.archive == len(VIEW_DOCS)
    assert "Gorbachev" in profile.aliases
    assert {v.value for v in profile.co_actors} == {REAGAN, KOHL}
    for v in profile.co_actors:
        both = articles(service, replace(base, actors=(GORBACHEV, v.value)))
        alone = articles(service, SearchRequest(actors=(v.value,)))
        assert v.count == both
        assert v.lift == pytest.approx(both * len(VIEW_DOCS) / (profile.count * alone), abs=1e-3)
    for v in profile.co_countries:
        assert v.count == articles(service, replace(base, countries=(v.value,)))
    assert profile.co_countries[0].value == "SU"
    assert sum(v.count for v in profile.sources) == profile.count
    timeline = profile.timeline
    keys = [b.key for b in timeline.buckets]
    assert timeline.interval == "year" and keys == ["1987", "1988", "1989"]
    assert_contiguous(keys, timeline.interval)
    assert sum(b.count for b in timeline.buckets) + timeline.undated == profile.count
    assert timeline.undated == 1
    for b in timeline.buckets:
        span = replace(base, date_from=key_start(b.key), date_to=date(int(b.key), 12, 31))
        assert b.count == articles(service, span)
        assert b.of_all == articles(service, replace(span, actors=()))
    # Newest first; the story of three articles is listed.
    assert [h.published for h in profile.latest] == sorted(
        (h.published for h in profile.latest), key=lambda d: (d is not None, d), reverse=True
    )
    assert [h.story.id for h in profile.stories if h.story] == ["d000000000000001"]
    assert all(b.of_all is None for b in service.profile("actor", GORBACHEV).timeline.buckets)


def test_country_profiles_of_historical_codes(service: SearchService) -> None:
    for code in ("SU", "YU", "CS", "DD"):
        profile = service.profile("country", code)
        assert profile.value == code
        assert profile.count == articles(service, SearchRequest(countries=(code,))) > 0
        for v in profile.co_countries:
            assert v.value != code
            assert v.count == articles(service, SearchRequest(countries=(code, v.value)))
        for v in profile.co_actors:
            both = SearchRequest(countries=(code,), actors=(v.value,))
            assert v.count == articles(service, both)
        timeline = profile.timeline
        assert_contiguous([b.key for b in timeline.buckets], timeline.interval)
    assert service.profile("country", "Soviet Union").value == "SU"
    assert {"ussr", "soviet"} <= set(service.profile("country", "SU").aliases)
    assert "soviet union" not in service.profile("country", "SU").aliases  # its own name
    dd = service.profile("country", "dd")
    assert dd.label == "East Germany" and dd.timeline.interval == "day"
    assert [b.key for b in dd.timeline.buckets] == ["1989-11-09", "1989-11-10"]


def test_profile_names_resolve_and_unknown_ones_are_404(service: SearchService) -> None:
    assert service.profile("actor", "Gorbachev").value == GORBACHEV  # the alias table
    assert service.profile("actor", "mikhail gorbachev").value == GORBACHEV  # any case
    assert service.profile("actor", HOSTILE).count == 1
    for kind, name in [
        ("actor", "Nobody At All"),
        ("country", "XX"),
        ("country", "FR"),
        ("actor", ""),
        ("actor", "x" * 500),
        ("actor", "a\x00b"),
    ]:
        with pytest.raises(ProfileError) as err:
            service.profile(kind, name)  # type: ignore[arg-type]
        assert err.value.status == 404


def test_comparison_series_equal_search_totals(service: SearchService) -> None:
    comparison = service.compare(
        [("actor", GORBACHEV), ("q", "border"), ("s", "country=US&from=1987"), ("country", "YU")]
    )
    assert [s.label for s in comparison.series] == [
        f"actor: {GORBACHEV}",
        "border",
        "country: United States · 1987 to …",
        "country: Yugoslavia",
    ]
    assert comparison.interval == "year"
    assert list(comparison.keys) == ["1987", "1988", "1989", "1990", "1991"]
    for series in comparison.series:
        assert series.total == articles(service, series.request)
        assert sum(series.counts) + series.undated == series.total
        assert len(series.counts) == len(comparison.keys)
    with pytest.raises(QueryError, match="series 2"):
        service.compare([("q", "ok"), ("q", "(((")])
    with pytest.raises(QueryError, match="at most 6"):
        service.compare([("q", f"w{i}") for i in range(7)])
    assert service.compare([]).series == ()


# -- the shared time axis (pure functions) ----------------------------------------------


def test_span_keys_are_contiguous_across_year_ends() -> None:
    assert span_keys("1987-11", "1988-02", "month") == ["1987-11", "1987-12", "1988-01", "1988-02"]
    assert span_keys("1988-02-27", "1988-03-01", "day") == [
        "1988-02-27",
        "1988-02-28",
        "1988-02-29",
        "1988-03-01",
    ]
    assert span_keys("1987-03-05", "1990-01", "year") == ["1987", "1988", "1989", "1990"]
    assert span_keys("1990", "1987", "year") == []


def test_shared_axis_rolls_finer_histograms_up() -> None:
    days = DateHistogram("day", (DateBucket("1987-01-10", 2), DateBucket("1987-01-12", 1)))
    months = DateHistogram("month", (DateBucket("1987-01", 3), DateBucket("1987-06", 1)))
    interval, keys = shared_axis([days, months])
    assert interval == "month"
    assert keys == ["1987-01", "1987-02", "1987-03", "1987-04", "1987-05", "1987-06"]
    assert rollup({"1987-01-10": 2, "1987-01-12": 1}, "month") == {"1987-01": 3}
    assert shared_axis([DateHistogram("day", (), undated=3)]) == ("day", [])
    # A span of days too long to draw becomes months.
    long = DateHistogram("day", (DateBucket("1987-01-01", 1), DateBucket("1987-02-28", 1)))
    far = DateHistogram("day", (DateBucket("1988-12-31", 1),))
    assert shared_axis([long, far])[0] in ("month", "year")


@pytest.mark.slow
def test_engines_agree_on_networks_and_profiles(
    typesense_node: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Over the same articles, Whoosh and Typesense draw the same networks of filter-only
    searches and the same profiles (text queries differ only where the engines match
    different words: docs/operations.md)."""
    services = {}
    for name, node in (("whoosh", None), ("typesense", typesense_node)):
        engine = Engine(name, tmp_path_factory.mktemp(f"parity-{name}"), node)
        services[name] = svc = engine.service()
        write_docs(svc)
        svc.settings.index_dir.mkdir(parents=True, exist_ok=True)
        save_applied(svc.settings.index_dir, ALIASES)
    whoosh, typesense = services["whoosh"], services["typesense"]
    for request in (
        SearchRequest(),
        SearchRequest(countries=("SU",)),
        SearchRequest(sources=("AP",)),
    ):
        assert whoosh.network(request, 12) == typesense.network(request, 12)
    for kind, value in (
        ("actor", GORBACHEV),
        ("actor", REAGAN),
        ("country", "DD"),
        ("country", "US"),
    ):
        a, b = whoosh.profile(kind, value, share=True), typesense.profile(kind, value, share=True)  # type: ignore[arg-type]
        assert (a.value, a.count, a.aliases, a.timeline, a.co_actors, a.co_countries) == (
            b.value,
            b.count,
            b.aliases,
            b.timeline,
            b.co_actors,
            b.co_countries,
        )
        assert [h.id for h in a.latest] == [h.id for h in b.latest]
