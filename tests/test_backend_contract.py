"""The backend contract (search/backends/base.py), one suite run over every engine.

Each test gets a ``SearchService`` on a real Whoosh index in a temp folder or on a real
Typesense server (one per module, from tests/typesense_helpers.py), and checks what the
front doors rely on: writes (full, incremental, abort), count, get, export, search
(ranking, paging, sorts, per_page limits), filters, facets over the whole filtered result,
the date histogram, snippets, value lists, and the three errors (missing index, busy lock,
bad query). What only one engine does (Whoosh generations and scoring, Typesense clusters
and faults, the query constructs Typesense refuses) stays in that engine's own tests.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.backends.typesense.server import Cluster
from search.errors import (
    DatelineError,
    IndexBusyError,
    IndexMissingError,
    QueryError,
    StoryError,
)
from search.models import (
    DateBucket,
    DateHistogram,
    Facet,
    FacetValue,
    IndexDocument,
    SearchPage,
    SearchRequest,
    StoryRef,
)
from search.service import SearchService
from search.settings import Settings
from tests.backend_docs import BY_ID, DOCS, NEWEST, STORY_DOCS, news_doc
from tests.typesense_helpers import start_cluster, ts_settings

ENGINES = ["whoosh", pytest.param("typesense", marks=pytest.mark.slow)]


class Engine:
    """Makes services of one engine, each over an index of its own (empty until written)."""

    def __init__(self, name: str, root: Path, node: Cluster | None) -> None:
        self.name = name
        self.root = root
        self.node = node
        self._numbers = itertools.count(1)

    def service(self) -> SearchService:
        """A service over a new, empty index."""
        return SearchService(self.settings(f"index{next(self._numbers)}"))

    def settings(self, label: str) -> Settings:
        """Settings of the index called ``label`` (the same label: the same index)."""
        if self.node is None:
            return Settings(index_dir=self.root / label)
        # Every Typesense index of the module lives on one server: the alias tells them apart.
        return ts_settings(self.node, self.root / label, f"contract_{label}")


@pytest.fixture(scope="module")
def typesense_node() -> Iterator[Cluster]:
    """One real single-node Typesense server for the module (skips when it cannot run)."""
    cluster = start_cluster(1)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The engine under test; the Typesense server is started only for its half."""
    node = request.getfixturevalue("typesense_node") if request.param == "typesense" else None
    return Engine(request.param, tmp_path_factory.mktemp(request.param), node)


@pytest.fixture(scope="module")
def service(engine: Engine) -> SearchService:
    """A service over DOCS, written in one full batch (read-only tests share it)."""
    svc = engine.service()
    write(svc, DOCS, full=True)
    return svc


def write(service: SearchService, docs: tuple[IndexDocument, ...], *, full: bool) -> None:
    """Add ``docs`` in one batch and commit it."""
    writer = service.backend.writer(full=full)
    for doc in docs:
        writer.add(doc)
    writer.commit()


def search(service: SearchService, **kwargs: object) -> SearchPage:
    """One search through the service (as the front doors run it)."""
    return service.search(SearchRequest(**kwargs))  # type: ignore[arg-type]


def ids(service: SearchService, **kwargs: object) -> list[str]:
    """Ids of the whole result in order (DOCS fits on one page)."""
    page = search(service, per_page=100, **kwargs)
    assert page.total == len(page.hits)
    return [h.id for h in page.hits]


# -- writing, count, get, export --------------------------------------------------------


def test_full_write_round_trips_every_document(service: SearchService) -> None:
    """What goes in comes back whole: get, the export and the fingerprints agree with DOCS."""
    backend = service.backend
    assert backend.count() == len(DOCS)
    assert backend.get("merkel") == BY_ID["merkel"]
    assert backend.get("missing") is None
    exported = sorted(backend.iter_documents(), key=lambda d: d.id)
    assert exported == sorted(DOCS, key=lambda d: d.id)
    assert backend.fingerprints() == {d.id: (d.key, d.content_hash) for d in DOCS}


def test_incremental_write_adds_replaces_and_deletes(engine: Engine) -> None:
    """An incremental batch replaces by id (never duplicates), deletes, and shrugs at
    deleting what is absent."""
    service = engine.service()
    write(service, DOCS, full=False)  # the first incremental batch creates the index
    write(service, DOCS, full=False)
    backend = service.backend
    assert backend.count() == len(DOCS)
    writer = backend.writer()
    writer.add(replace(BY_ID["wheat"], body="Barley prices climbed.", content_hash="x"))
    writer.delete("merkel")
    writer.delete("never-indexed")
    writer.commit()
    assert backend.count() == len(DOCS) - 1
    assert ids(service, q="barley") == ["wheat"]
    assert ids(service, q="merkel") == []
    assert backend.get("merkel") is None
    assert backend.fingerprints()["wheat"] == ("seeds/wheat.txt", "x")
    assert "merkel" not in backend.fingerprints()


def test_a_batch_applies_its_changes_in_order(engine: Engine) -> None:
    """Within one batch the later change wins: an article added twice keeps its last
    version, one added then deleted is gone, one deleted then added is back; in the
    count, the hits and the facets; and in a full rebuild, a repeated id. (Whoosh deletes
    only from committed segments, so its writer drops what its batch superseded when it
    writes the segment.)"""
    service = engine.service()
    write(service, DOCS[:2], full=True)
    first = DOCS[0]
    writer = service.backend.writer()
    writer.add(replace(first, title="First version", actors=("Zed First",)))
    writer.add(replace(first, title="Second version", actors=("Zed Second",)))
    writer.add(replace(BY_ID["tariffs"], id="fresh", key="seeds/fresh.txt", actors=("Zed Gone",)))
    writer.delete("fresh")
    writer.add(replace(BY_ID["tariffs"], id="back", key="seeds/back.txt"))
    writer.delete("back")
    writer.add(replace(BY_ID["tariffs"], id="back", key="seeds/back.txt", title="Back again"))
    writer.commit()
    backend = service.backend
    assert backend.get("fresh") is None
    assert backend.count() == 3
    assert sorted(ids(service)) == sorted([DOCS[0].id, DOCS[1].id, "back"])
    assert (backend.get(first.id) or first).title == "Second version"
    assert (backend.get("back") or first).title == "Back again"
    actors = dict(backend.facet_values("actor", limit=100))
    assert actors.get("Zed Second") == 1
    assert "Zed First" not in actors and "Zed Gone" not in actors

    rebuild = backend.writer(full=True)
    for doc in (*DOCS, replace(first, title="Third version", actors=("Zed Third",))):
        rebuild.add(doc)
    rebuild.commit()
    assert backend.count() == len(DOCS)
    assert (backend.get(first.id) or first).title == "Third version"
    actors = dict(backend.facet_values("actor", limit=100))
    assert actors.get("Zed Third") == 1 and "Zed Second" not in actors


@pytest.mark.parametrize("full", [False, True])
def test_abort_leaves_the_live_index(engine: Engine, full: bool) -> None:
    """An aborted batch changes nothing a search can see."""
    service = engine.service()
    write(service, DOCS[:4], full=True)
    writer = service.backend.writer(full=full)
    writer.add(BY_ID["merkel"])
    writer.delete("alaska")
    writer.abort()
    assert service.backend.count() == 4
    assert ids(service, q="merkel") == []
    assert "alaska" in ids(service)


def test_full_rebuild_is_invisible_until_commit_then_replaces_all(engine: Engine) -> None:
    """A full batch builds beside the live index: searches (from this service and from one
    opened earlier elsewhere) see the old index until the commit, then only the new one."""
    service = engine.service()
    write(service, DOCS[:6], full=True)
    reader = SearchService(service.settings)  # another process, in effect
    assert search(reader).total == 6
    writer = service.backend.writer(full=True)
    for doc in DOCS[6:]:
        writer.add(doc)
    assert search(service).total == search(reader).total == 6
    assert ids(service, q="merkel") == []
    writer.commit()
    expected = sorted(d.id for d in DOCS[6:])
    for svc in (service, reader):
        assert sorted(ids(svc)) == expected
        assert svc.backend.count() == len(expected)
        assert svc.facet_values("actor", "angela") == [("Angela Merkel", 1)]


def test_service_reindex_is_full_or_incremental_by_content_hash(
    engine: Engine, tmp_path: Path
) -> None:
    """The pipeline through SearchService: unchanged files are skipped, changed ones
    replaced, vanished ones removed; a full reindex keeps only what is there now."""
    src = tmp_path / "src"
    src.mkdir()
    texts = {
        "a.txt": "Oil prices rose\n\nOil prices rose sharply in London on Monday, traders said.",
        "b.txt": "Wheat harvest\n\nThe wheat harvest in Kansas was larger than expected.",
    }
    for name, text in texts.items():
        (src / name).write_text(text, encoding="utf-8")
    service = engine.service()
    first = service.reindex([src])
    assert (first.indexed, first.total_documents) == (2, 2)
    again = service.reindex([src])
    assert (again.indexed, again.unchanged, again.removed) == (0, 2, 0)
    (src / "a.txt").write_text(texts["a.txt"] + " Gold fell.", encoding="utf-8")
    (src / "b.txt").unlink()
    changed = service.reindex([src])
    assert (changed.indexed, changed.unchanged, changed.removed) == (1, 0, 1)
    assert search(service, q="gold").total == 1
    assert search(service, q="wheat").total == 0
    full = service.reindex([src], full=True)
    assert (full.indexed, full.total_documents) == (1, 1)
    assert service.backend.count() == 1


# -- the three errors -------------------------------------------------------------------


def test_missing_index_is_index_missing_error(engine: Engine) -> None:
    """Before the first reindex a search says so (HTTP 503); counting and exporting find
    nothing rather than failing, so health checks and the first reindex work."""
    service = engine.service()
    with pytest.raises(IndexMissingError, match="dateline reindex") as info:
        search(service, q="putin")
    assert info.value.status == 503
    backend = service.backend
    assert (backend.count(), backend.fingerprints(), list(backend.iter_documents())) == (0, {}, [])
    assert service.health()["documents"] == 0


def test_second_reindex_is_busy(engine: Engine, tmp_path: Path) -> None:
    """One reindex at a time per index: a second lock (or reindex) is IndexBusyError (409)
    while searches go on; the lock is free again once released."""
    service = engine.service()
    write(service, DOCS[:2], full=True)
    other = SearchService(service.settings)
    with service.backend.lock():
        with pytest.raises(IndexBusyError, match="another reindex is running") as info:
            with other.backend.lock():
                pass
        assert info.value.status == 409
        with pytest.raises(IndexBusyError):
            other.reindex([tmp_path])
        assert search(other).total == 2  # searching is not blocked
    with other.backend.lock():
        pass


@pytest.mark.parametrize("q", ["putin AND", "(oil", '"unclosed phrase', "country:"])
def test_bad_query_is_query_error(service: SearchService, q: str) -> None:
    """A query the user can fix is a QueryError (HTTP 400), on every engine."""
    with pytest.raises(QueryError) as info:
        search(service, q=q)
    assert info.value.status == 400


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=60))
def test_any_query_text_is_answered_or_query_error(service: SearchService, q: str) -> None:
    """Whatever the user types, the answer is a page or a QueryError, never another error."""
    try:
        search(service, q=q, per_page=5)
    except DatelineError as e:
        assert isinstance(e, QueryError), e


# -- searching: ranking, sorts, paging --------------------------------------------------


def test_title_matches_rank_first(service: SearchService) -> None:
    """A word in the title and the body outranks the word in the body alone."""
    ranked = ids(service, q="oil")
    assert set(ranked[:2]) == {"kremlin", "xss"}
    assert set(ranked) == {"kremlin", "xss", "opec", "xi"}


def test_hit_fields_are_the_stored_values(service: SearchService) -> None:
    """A hit carries the stored fields; the title is plain text (front doors escape it)."""
    (hit,) = search(service, q="ampersands").hits
    assert (hit.id, hit.title, hit.url, hit.source, hit.published, hit.actors, hit.countries) == (
        "xss",
        "<script>alert(1)</script> oil report",
        "https://news.example/xss",
        "Blog",
        datetime(2023, 3, 1, 12, 0, tzinfo=UTC),
        (),
        (),
    )
    (hit,) = search(service, q="anchorage").hits
    assert (hit.actors, hit.countries) == (BY_ID["alaska"].actors, BY_ID["alaska"].countries)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, list(NEWEST)),  # browsing (no words): newest first
        ({"sort": "newest"}, list(NEWEST)),
        ({"sort": "oldest"}, [*reversed(NEWEST[:-1]), "undated"]),  # undated last both ways
        ({"q": "sanctions", "sort": "newest"}, ["alaska", "kremlin", "undated"]),
        ({"q": "sanctions", "sort": "oldest"}, ["kremlin", "alaska", "undated"]),
    ],
)
def test_sort_orders(
    service: SearchService, kwargs: dict[str, object], expected: list[str]
) -> None:
    assert ids(service, **kwargs) == expected


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
@pytest.mark.parametrize("q", ["", "russia"])
def test_paging_covers_the_whole_result_once(service: SearchService, q: str, sort: str) -> None:
    """Pages of 3 put together are the whole result, in order, each hit once."""
    whole = ids(service, q=q, sort=sort)
    assert len(whole) > 3
    pages: list[str] = []
    for page_no in range(1, 6):
        page = search(service, q=q, sort=sort, page=page_no, per_page=3)
        assert page.total == len(whole)
        pages.extend(h.id for h in page.hits)
    assert pages == whole


@pytest.mark.parametrize(
    ("params", "hits"),
    [
        ({"per_page": "1"}, 1),
        ({"per_page": "5", "page": "3"}, 2),  # the last, partial page
        ({"per_page": "100"}, len(DOCS)),  # the most a page may hold
        ({"per_page": "10", "page": "99"}, 0),  # past the end: no hits, the same total
    ],
)
def test_per_page_limits(service: SearchService, params: dict[str, str], hits: int) -> None:
    page = service.search_params(params)
    assert (len(page.hits), page.total) == (hits, len(DOCS))


@pytest.mark.parametrize("params", [{"per_page": "0"}, {"per_page": "101"}, {"page": "0"}])
def test_per_page_out_of_range_is_query_error(
    service: SearchService, params: dict[str, str]
) -> None:
    with pytest.raises(QueryError, match="must be between"):
        service.search_params(params)


# -- filters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"actors": ("Vladimir Putin",)}, {"alaska", "xi", "interview"}),
        ({"actors": ("vladimir PUTIN",)}, {"alaska", "xi", "interview"}),  # any case
        ({"actors": ("Vladimir Putin", "Donald Trump")}, {"alaska"}),  # actors narrow
        ({"actors": ("Nobody",)}, set()),
        ({"countries": ("RU", "UA")}, {"alaska", "wheat"}),  # countries narrow
        ({"countries": ("SY",)}, {"syria"}),
        ({"sources": ("AP", "The Guardian")}, {"opec", "iran", "syria", "wheat", "merkel"}),
        ({"sources": ("the guardian",)}, {"syria", "merkel"}),
        (
            {"date_from": date(2025, 6, 20), "date_to": date(2025, 6, 23)},  # inclusive
            {"iran", "syria", "kremlin"},
        ),
        ({"date_from": date(2025, 7, 1)}, {"alaska", "wheat"}),  # undated never matches
        ({"date_to": date(2016, 1, 1)}, {"merkel"}),
        ({"q": "oil", "countries": ("RU",)}, {"kremlin", "opec", "xi"}),
        (
            {"q": "putin", "date_from": date(2025, 1, 1), "sources": ("Reuters",)},
            {"alaska", "interview"},
        ),
    ],
)
def test_filters(service: SearchService, kwargs: dict[str, object], expected: set[str]) -> None:
    assert set(ids(service, **kwargs)) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"country": "Syria"}, {"syria"}),  # a name, as the web form sends it
        ({"actor": ["Vladimir Putin", "Xi Jinping"]}, {"xi"}),
        ({"from": "2025-06", "to": "2025-06"}, {"iran", "syria", "kremlin", "interview"}),
        ({"from": "2024", "to": "2024"}, {"opec"}),
    ],
)
def test_filters_from_request_params(
    service: SearchService, params: dict[str, object], expected: set[str]
) -> None:
    """The front doors' parameters (names, month and year bounds) filter alike."""
    page = service.search_params({**params, "per_page": "100"})  # type: ignore[dict-item]
    assert {h.id for h in page.hits} == expected


# -- facets and the histogram -----------------------------------------------------------


def _brute_force(hit_ids: list[str], attr: str) -> Counter[str]:
    """Facet counts computed from DOCS, values compared case-insensitively (engines may
    show either spelling of "Vladimir Putin" / "vladimir putin")."""
    counts: Counter[str] = Counter()
    for i in hit_ids:
        doc = BY_ID[i]
        values = getattr(doc, attr) if attr != "source" else ((doc.source,) if doc.source else ())
        counts.update({v.casefold() for v in values})
    return counts


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"q": "russia"},
        {"q": "putin"},
        {"countries": ("RU",)},
        {"q": "russia", "sources": ("AP", "The Guardian")},
        {"date_from": date(2025, 1, 1)},
    ],
)
def test_facet_counts_cover_the_whole_result(
    service: SearchService, kwargs: dict[str, object]
) -> None:
    """Facet counts are over every hit of the filtered result, not just the page shown."""
    hit_ids = ids(service, **kwargs)
    page = search(service, per_page=1, facet_size=100, **kwargs)
    for name, attr in (("actor", "actors"), ("country", "countries"), ("source", "source")):
        facet = page.facets[name]
        assert {v.value.casefold(): v.count for v in facet.values} == dict(
            _brute_force(hit_ids, attr)
        ), name
        counts = [v.count for v in facet.values]
        assert counts == sorted(counts, reverse=True), name


def test_facet_top_values_truncation_and_selection(service: SearchService) -> None:
    """The top ``facet_size`` values (ties by value), ``truncated`` when there are more,
    and every selected value shown and flagged, even one with no hits."""
    page = search(service, facet_size=2, actors=("Angela Merkel",))
    assert page.facets["actor"] == Facet(
        values=(FacetValue("Angela Merkel", 1, True), FacetValue("Emmanuel Macron", 1, False)),
        truncated=False,
    )
    page = search(service, facet_size=2, sources=("Blog",), countries=("RU",))
    assert page.total == 0
    assert page.facets["source"] == Facet(values=(FacetValue("Blog", 0, True),))
    assert page.facets["country"] == Facet(values=(FacetValue("RU", 0, True),))
    page = search(service, facet_size=2)
    assert page.facets["country"] == Facet(
        values=(FacetValue("RU", 8, False), FacetValue("US", 3, False)), truncated=True
    )
    page = search(service, facet_size=2, countries=("DE",))
    assert page.facets["country"] == Facet(
        values=(FacetValue("DE", 1, True), FacetValue("FR", 1, False)), truncated=False
    )


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {},
            DateHistogram(
                interval="year",
                buckets=(
                    DateBucket("2015", 1),
                    DateBucket("2019", 1),
                    DateBucket("2023", 2),
                    DateBucket("2024", 1),
                    DateBucket("2025", 6),
                ),
                undated=1,
            ),
        ),
        (
            {"date_from": date(2024, 1, 1), "date_to": date(2025, 12, 31)},
            DateHistogram(
                interval="month",
                buckets=(
                    DateBucket("2024-11", 1),
                    DateBucket("2025-06", 4),
                    DateBucket("2025-07", 1),
                    DateBucket("2025-08", 1),
                ),
            ),
        ),
        (
            {"date_from": date(2025, 6, 1), "date_to": date(2025, 6, 30)},
            DateHistogram(
                interval="day",
                buckets=(
                    DateBucket("2025-06-20", 1),
                    DateBucket("2025-06-22", 1),
                    DateBucket("2025-06-23", 1),
                    DateBucket("2025-06-25", 1),
                ),
            ),
        ),
        ({"q": "note"}, DateHistogram(interval="day", buckets=(), undated=1)),
        (
            {"q": "putin"},
            DateHistogram(interval="year", buckets=(DateBucket("2023", 1), DateBucket("2025", 2))),
        ),
    ],
)
def test_date_histogram(
    service: SearchService, kwargs: dict[str, object], expected: DateHistogram
) -> None:
    """Buckets by year, month or day (by the span of the result), undated counted apart;
    every bucket from the first to the last, the empty ones with 0 (a true time axis)."""
    dates = search(service, **kwargs).dates
    assert (dates.interval, dates.undated) == (expected.interval, expected.undated)
    assert tuple(b for b in dates.buckets if b.count) == expected.buckets
    assert_contiguous(dates)


def assert_contiguous(dates: DateHistogram) -> None:
    """Each bucket key is the one after the previous (no gap, no repeat)."""
    keys = [b.key for b in dates.buckets]
    for before, after in itertools.pairwise(keys):
        assert after == _next_key(before, dates.interval), (before, after)


def _next_key(key: str, interval: str) -> str:
    if interval == "year":
        return f"{int(key) + 1:04d}"
    if interval == "month":
        year, month = int(key[:4]), int(key[5:7])
        return f"{year + month // 12:04d}-{month % 12 + 1:02d}"
    return (date.fromisoformat(key) + timedelta(days=1)).isoformat()


# -- snippets ---------------------------------------------------------------------------

_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


@pytest.mark.parametrize(
    ("q", "doc_id", "snippet"),
    [
        (
            "report",
            "xss",
            "Oil <mark>report</mark> &lt;script&gt;alert(1)&lt;/script&gt; with markup "
            "&amp; ampersands.",
        ),
        (
            "",
            "xss",
            "Oil report &lt;script&gt;alert(1)&lt;/script&gt; with markup &amp; ampersands.",
        ),
        (
            '"Vladimir Putin" moscow',
            "xi",
            "<mark>Vladimir Putin</mark> hosted Xi Jinping in <mark>Moscow</mark>; "
            "they discussed oil and gas.",
        ),
    ],
)
def test_snippets_escape_everything_but_mark(
    service: SearchService, q: str, doc_id: str, snippet: str
) -> None:
    """Snippets are escaped text whose only markup is <mark> around matched words."""
    hits = {h.id: h for h in search(service, q=q, per_page=100).hits}
    assert hits[doc_id].snippet == snippet


@pytest.mark.parametrize("q", ["", "oil", "script", "putin", "sanctions russia"])
def test_every_snippet_holds_only_mark_tags(service: SearchService, q: str) -> None:
    page = search(service, q=q, per_page=100)
    assert page.total > 0
    for hit in page.hits:
        assert set(_TAG.findall(hit.snippet)) <= {"<mark>", "</mark>"}, hit.snippet
        assert "<script>" not in hit.snippet
        if q:
            assert "<mark>" in hit.snippet or q not in hit.snippet.lower(), hit.snippet


def test_wildcard_marks_whole_words(service: SearchService, request: pytest.FixtureRequest) -> None:
    """``sanct*`` finds "sanctions" and marks the word it found, not the prefix typed."""
    if service.backend.name == "typesense":
        # Found by this suite: Typesense 0.24 highlights the matched prefix only.
        request.applymarker(
            pytest.mark.xfail(
                reason="Typesense marks the typed prefix: <mark>Sanct</mark>ions", strict=True
            )
        )
    page = search(service, q="sanct*")
    assert {h.id for h in page.hits} == {"alaska", "kremlin", "undated"}
    for hit in page.hits:
        assert re.findall(r"<mark>([^<]*)</mark>(\w?)", hit.snippet) in (
            [("sanctions", "")],
            [("Sanctions", "")],
        ), hit.snippet


# -- value lists, similar articles ------------------------------------------------------


@pytest.mark.parametrize(
    ("facet", "prefix", "limit", "expected"),
    [
        ("actor", "v", 50, [("Vladimir Putin", 3)]),  # one value for both spellings
        ("actor", "putin", 50, [("Vladimir Putin", 3)]),  # a word of the value starts with it
        ("actor", "PUT", 50, [("Vladimir Putin", 3)]),
        ("actor", "utin", 50, []),  # not the middle of a word
        ("actor", "D", 1, [("Donald Trump", 2)]),
        ("actor", "", 3, [("Vladimir Putin", 3), ("Donald Trump", 2), ("Abbas Araghchi", 1)]),
        ("country", "", 3, [("RU", 8), ("US", 3), ("CN", 2)]),
        ("source", "the", 50, [("The Guardian", 2)]),
        ("source", "", 50, [("Reuters", 5), ("AP", 3), ("The Guardian", 2), ("Blog", 1)]),
        ("source", "zzz", 50, []),
    ],
)
def test_facet_values(
    service: SearchService, facet: str, prefix: str, limit: int, expected: list[tuple[str, int]]
) -> None:
    """Whole-archive values of a facet with a word starting with ``prefix`` (any case),
    most frequent first, ties by value, at most ``limit``."""
    assert service.facet_values(facet, prefix, limit) == expected


def test_a_value_is_shown_in_its_most_held_spelling(engine: Engine) -> None:
    """Whatever the order the articles were written in: the archive-wide alias pass reads
    these names, so both engines must show the same one (most documents, ties by value)."""
    svc = engine.service()
    spellings = ["dupont", "DuPont", "DuPont", "Acme", "ACME"]
    write(
        svc,
        tuple(
            news_doc(
                f"s{n}",
                "Chemicals",
                "A chemicals firm.",
                source="AP",
                published=(2024, 1, 1 + n),
                actors=(name,),
            )
            for n, name in enumerate(spellings)
        ),
        full=True,
    )
    assert svc.facet_values("actor", "", 10) == [("DuPont", 3), ("ACME", 2)]
    page = search(svc, q="chemicals")
    assert {(v.value, v.count) for v in page.facets["actor"].values} == {
        ("DuPont", 3),
        ("ACME", 2),
    }


def test_more_like(service: SearchService) -> None:
    """Similar articles: a few, never the article itself; none for an unknown id."""
    similar = service.backend.more_like("alaska", limit=3)
    assert 0 < len(similar) <= 3
    assert "alaska" not in {d.id for d in similar}
    assert all(isinstance(d, IndexDocument) for d in similar)
    assert service.backend.more_like("missing") == []


# -- copies and stories -----------------------------------------------------------------


@pytest.fixture(scope="module")
def stories(engine: Engine) -> SearchService:
    """A service over STORY_DOCS: copy groups and stories set as the stories engine would."""
    svc = engine.service()
    write(svc, STORY_DOCS, full=True)
    return svc


def rows(service: SearchService, **kwargs: object) -> list[tuple[str, int]]:
    """``(id, copies)`` of every row of the result (one page holds it)."""
    page = search(service, per_page=100, **kwargs)
    assert page.total == len(page.hits)
    return [(h.id, h.copies) for h in page.hits]


def test_articles_alone_in_their_groups_are_not_collapsed(service: SearchService) -> None:
    """An archive without copies or stories answers every grouping as one row per article,
    each hit its own copy group and a story of one."""
    for group in ("copy", "story", "none"):
        page = search(service, per_page=100, group=group)
        assert [h.id for h in page.hits] == list(NEWEST)
        assert page.total == page.articles == len(DOCS)
    hit = search(service, q="anchorage").hits[0]
    assert (hit.copy_group, hit.copies, hit.story) == ("alaska", 0, StoryRef("alaska", 1))


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # The newest copy of the wire story stands for its two other copies.
        (
            {},
            [("rehab-out", 0), ("quake-toll", 0), ("quake-ap", 2), ("rehab-in", 0)]
            + [("quake-japan", 0)],
        ),
        (
            {"sort": "oldest"},
            [("quake-japan", 0), ("rehab-in", 0), ("quake-wire", 2), ("quake-toll", 0)]
            + [("rehab-out", 0)],
        ),
        (
            {"group": "none", "sort": "oldest", "countries": ("CL",)},
            [("quake-wire", 0), ("quake-afp", 0), ("quake-ap", 0), ("quake-toll", 0)],
        ),
        # One row per story: its newest article, the others of the story counted in it.
        ({"group": "story"}, [("rehab-out", 1), ("quake-toll", 3), ("quake-japan", 0)]),
        ({"group": "story", "sources": ("AP",)}, [("quake-ap", 0), ("rehab-in", 0)]),
        # Filters: a story (an article without one is a story of its own), a copy group.
        (
            {"stories": ("story-quake",), "group": "none", "sort": "oldest"},
            [("quake-wire", 0), ("quake-afp", 0), ("quake-ap", 0), ("quake-toll", 0)],
        ),
        ({"stories": ("quake-japan",)}, [("quake-japan", 0)]),
        ({"stories": ("story-quake", "story-rehab")}, []),  # repeated values narrow
        ({"stories": ("no-such-story",)}, []),
        (
            {"copy_groups": ("quake-wire",), "group": "none", "sort": "oldest"},
            [("quake-wire", 0), ("quake-afp", 0), ("quake-ap", 0)],
        ),
        ({"copy_groups": ("quake-wire",)}, [("quake-ap", 2)]),
    ],
)
def test_grouped_rows(
    stories: SearchService, kwargs: dict[str, object], expected: list[tuple[str, int]]
) -> None:
    """Collapsing keeps the first article of each group in the result's order and counts
    the others of the result in it."""
    assert rows(stories, **kwargs) == expected


def test_grouped_totals_and_article_counts(stories: SearchService) -> None:
    """``total`` counts rows of the grouping, ``articles`` the matching articles."""
    for group, total in (("copy", 5), ("story", 3), ("none", 7)):
        page = search(stories, group=group)
        assert (page.total, page.articles) == (total, 7)
    page = search(stories, q="earthquake")
    assert (page.total, page.articles) == (3, 5)
    by_group = {h.copy_group: h.copies for h in page.hits}
    assert by_group == {"quake-wire": 2, "quake-toll": 0, "quake-japan": 0}
    assert {h.id for h in page.hits} & {"quake-wire", "quake-ap", "quake-afp"}


@pytest.mark.parametrize("group", ["copy", "story", "none"])
@pytest.mark.parametrize("sort", ["newest", "oldest", "relevance"])
def test_grouped_paging_covers_every_row_once(
    stories: SearchService, group: str, sort: str
) -> None:
    """Pages of one row each, in order, are the rows of the whole result."""
    q = "earthquake" if sort == "relevance" else ""
    whole = search(stories, q=q, sort=sort, group=group, per_page=100)
    paged = [
        search(stories, q=q, sort=sort, group=group, per_page=1, page=n).hits[0].copy_group
        for n in range(1, whole.total + 1)
    ]
    assert paged == [h.copy_group for h in whole.hits]
    assert search(stories, q=q, sort=sort, group=group, page=whole.total + 1).hits == ()


def test_every_hit_carries_its_story_in_the_whole_index(stories: SearchService) -> None:
    """A hit's story size counts the whole index, whatever the search filtered; rows of
    a search by story also carry the story's span and sources."""
    (hit,) = search(stories, q="earthquake", sources=("AP",)).hits
    assert (hit.id, hit.copy_group, hit.story) == (
        "quake-ap",
        "quake-wire",
        StoryRef("story-quake", 4),
    )
    refs = {h.id: h.story for h in search(stories, group="story").hits}
    assert refs == {
        "rehab-out": StoryRef("story-rehab", 2, date(2025, 2, 20), date(2025, 3, 22), 2),
        "quake-toll": StoryRef("story-quake", 4, date(2025, 3, 1), date(2025, 3, 3), 3),
        "quake-japan": StoryRef("quake-japan", 1, date(2024, 6, 11), date(2024, 6, 11), 1),
    }


def test_facets_count_stories(stories: SearchService) -> None:
    """``count=stories``: a facet value counts the distinct stories of its articles."""

    def counts(**kwargs: object) -> dict[str, dict[str, int]]:
        page = search(stories, facet_size=20, **kwargs)
        return {n: {v.value: v.count for v in f.values} for n, f in page.facets.items()}

    articles, by_story = counts(), counts(count="stories")
    assert articles["source"] == {"Reuters": 3, "AP": 2, "AFP": 1, "People": 1}
    assert by_story["source"] == {"Reuters": 2, "AP": 2, "AFP": 1, "People": 1}
    assert articles["country"] == {"CL": 4, "US": 2, "JP": 1}
    assert by_story["country"] == {"CL": 1, "US": 1, "JP": 1}
    # Grouping the rows does not change what facets count.
    assert counts(group="none") == counts(group="story") == articles
    assert counts(q="earthquake", count="stories")["source"] == {"Reuters": 2, "AP": 1, "AFP": 1}


def test_story(stories: SearchService) -> None:
    """A story: headline, size, span, sources, entities, coverage and articles oldest first."""
    story = stories.story("story-quake")
    assert (story.id, story.title, story.size) == (
        "story-quake",
        "Earthquake strikes Chile coast",
        4,
    )
    assert (story.first, story.last) == (date(2025, 3, 1), date(2025, 3, 3))
    assert [a.id for a in story.articles] == ["quake-wire", "quake-afp", "quake-ap", "quake-toll"]
    assert story.sources == (
        FacetValue("Reuters", 2),
        FacetValue("AFP", 1),
        FacetValue("AP", 1),
    )
    assert story.countries == (FacetValue("CL", 4),)
    assert story.dates.buckets == (
        DateBucket("2025-03-01", 3),
        DateBucket("2025-03-02", 0),
        DateBucket("2025-03-03", 1),
    )
    alone = stories.story("quake-japan")
    assert (alone.size, alone.title, alone.first) == (
        1,
        "Earthquake shakes northern Japan",
        date(2024, 6, 11),
    )


@pytest.mark.parametrize("story_id", ["no-such-story", "", "x" * 500, "a\x00b"])
def test_unknown_story_is_story_error(stories: SearchService, story_id: str) -> None:
    """An id no article has is a 404, whatever it looks like."""
    with pytest.raises(StoryError) as err:
        stories.story(story_id)
    assert err.value.status == 404


def test_stories_lists_one_row_per_story(stories: SearchService) -> None:
    """``SearchService.stories`` is a search by story, whatever ``group`` was asked."""
    page = stories.stories({"q": "earthquake", "group": "none"})
    assert {h.story.id for h in page.hits if h.story} == {"story-quake", "quake-japan"}
    assert (page.total, page.articles) == (2, 5)


@pytest.mark.parametrize(
    "params",
    [{"group": "article"}, {"count": "words"}, {"group": ["copy", "story"]}, {"story": "x" * 201}],
)
def test_bad_grouping_parameters_are_query_errors(
    stories: SearchService, params: dict[str, object]
) -> None:
    """A grouping parameter out of its values is a 400 naming it."""
    with pytest.raises(QueryError) as err:
        stories.search_params(params)  # type: ignore[arg-type]
    assert next(iter(params)) in str(err.value)
