"""The Whoosh backend on a real index in tmp_path: search, filters, facets, snippets,
generations, locking and crash safety (real subprocesses killed with SIGKILL)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.backends.whoosh.backend import WhooshBackend
from search.backends.whoosh.docsets import matching_docs
from search.backends.whoosh.searching import _numpy_ranked_page, _score_docs, to_whoosh
from search.backends.whoosh.snippets import snippet
from search.errors import (
    BackendError,
    DatelineError,
    IndexBusyError,
    IndexMissingError,
    QueryError,
)
from search.models import (
    DateBucket,
    DateHistogram,
    Facet,
    FacetValue,
    IndexDocument,
    MarkedSpan,
    SearchRequest,
)
from search.query import parse_query
from search.settings import Settings


def _doc(
    doc_id: str,
    title: str,
    body: str,
    *,
    source: str | None,
    published: tuple[int, int, int] | None,
    actors: tuple[str, ...] = (),
    countries: tuple[str, ...] = (),
    mentioned: tuple[str, ...] = (),
) -> IndexDocument:
    return IndexDocument(
        id=doc_id,
        key=f"seeds/{doc_id}.txt",
        title=title,
        body=body,
        content_hash=f"hash-{doc_id}",
        url=f"https://news.example/{doc_id}",
        source=source,
        published=datetime(*published, 12, 0, tzinfo=UTC) if published else None,
        actors=actors,
        actor_kinds=tuple("org" if a == "OPEC" else "person" for a in actors),
        countries=countries,
        dates_mentioned=mentioned,
        spans=tuple(MarkedSpan(0, 3, "country", c) for c in countries[:1]),
        indexed_at=datetime(2025, 9, 1, 8, 30, tzinfo=UTC),
    )


DOCS = (
    _doc(
        "alaska",
        "Putin and Trump meet in Alaska",
        "Vladimir Putin met Donald Trump in Anchorage, Alaska, to talk about Ukraine "
        "and sanctions.",
        source="Reuters",
        published=(2025, 8, 15),
        actors=("Vladimir Putin", "Donald Trump"),
        countries=("RU", "US", "UA"),
    ),
    _doc(
        "kremlin",
        "Kremlin defends oil exports",
        "The Kremlin said Russian oil exports would continue despite sanctions. "
        "Dmitry Peskov spoke to reporters.",
        source="Reuters",
        published=(2025, 6, 23),
        actors=("Dmitry Peskov",),
        countries=("RU",),
    ),
    _doc(
        "opec",
        "OPEC agrees output cut",
        "OPEC and Russia agreed to cut oil output, lifting prices.",
        source="AP",
        published=(2024, 11, 30),
        actors=("OPEC",),
        countries=("RU", "SA"),
    ),
    _doc(
        "iran",
        "Iran nuclear talks resume",
        "Abbas Araghchi said Iran was ready to resume nuclear talks with the United States.",
        source="AP",
        published=(2025, 6, 20),
        actors=("Abbas Araghchi",),
        countries=("IR", "US"),
        mentioned=("2025-06-19",),
    ),
    _doc(
        "syria",
        "Strikes hit Syria",
        "Israeli strikes hit targets in Syria, officials said. Russia condemned the strikes.",
        source="The Guardian",
        published=(2025, 6, 22),
        countries=("IL", "SY", "RU"),
    ),
    _doc(
        "xss",
        "<script>alert(1)</script> oil report",
        "Oil report <script>alert(1)</script> with markup & ampersands.",
        source="Blog",
        published=(2023, 3, 1),
    ),
    _doc(
        "undated",
        "Note on sanctions",
        "Sanctions against Russia were widened, the note says.",
        source=None,
        published=None,
        countries=("RU",),
    ),
    _doc(
        "tariffs",
        "Trump announces tariffs",
        "Donald Trump announced tariffs on steel imports from China.",
        source="Reuters",
        published=(2019, 5, 10),
        actors=("Donald Trump",),
        countries=("US", "CN"),
    ),
    _doc(
        "xi",
        "Putin hosts Xi",
        "Vladimir Putin hosted Xi Jinping in Moscow; they discussed oil and gas.",
        source="Reuters",
        published=(2023, 3, 21),
        actors=("Vladimir Putin", "Xi Jinping"),
        countries=("RU", "CN"),
    ),
    _doc(
        "wheat",
        "Wheat prices climb",
        "Wheat prices climbed on drought in Ukraine and Russia.",
        source="AP",
        published=(2025, 7, 1),
        countries=("UA", "RU"),
    ),
    _doc(
        "interview",
        "Putin interview",
        "In an interview, putin spoke about the economy.",
        source="Reuters",
        published=(2025, 6, 25),
        actors=("vladimir putin",),  # another spelling of the same canonical name
        countries=("RU",),
    ),
    _doc(
        "merkel",
        "Merkel visits Paris",
        "Angela Merkel visited Paris for talks with Emmanuel Macron.",
        source="The Guardian",
        published=(2015, 2, 1),
        actors=("Angela Merkel", "Emmanuel Macron"),
        countries=("DE", "FR"),
    ),
)
BY_ID = {d.id: d for d in DOCS}


def build(index_dir: Path, docs: tuple[IndexDocument, ...] = DOCS, full: bool = True) -> None:
    """Index ``docs`` into ``index_dir`` with one writer."""
    backend = WhooshBackend(Settings(index_dir=index_dir))
    writer = backend.writer(full=full)
    for doc in docs:
        writer.add(doc)
    writer.commit()


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> WhooshBackend:
    index_dir = tmp_path_factory.mktemp("whoosh") / "index"
    build(index_dir)
    return WhooshBackend(Settings(index_dir=index_dir))


def ids(backend: WhooshBackend, **kwargs: object) -> list[str]:
    page = backend.search(SearchRequest(per_page=100, **kwargs))  # type: ignore[arg-type]
    assert page.total == len(page.hits)
    return [h.id for h in page.hits]


# -- no index, broken index ------------------------------------------------------------


def test_no_index_yet(tmp_path: Path) -> None:
    backend = WhooshBackend(Settings(index_dir=tmp_path / "index"))
    with pytest.raises(IndexMissingError) as info:
        backend.search(SearchRequest(q="putin"))
    assert str(info.value) == f"no index at {tmp_path / 'index'}: run `dateline reindex`"
    assert (backend.count(), backend.fingerprints(), list(backend.iter_documents())) == (0, {}, [])
    with pytest.raises(IndexMissingError):
        backend.get("alaska")


def _garble(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * (1 + path.stat().st_size // 256))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize(
    ("pattern", "damage", "error", "message"),
    [
        ("*.toc", _garble, IndexMissingError, "cannot be opened"),
        ("*.trm", _garble, IndexMissingError, "cannot be opened"),
        ("*.trm", _truncate, IndexMissingError, "cannot be opened"),
        # Postings are read when a query needs them, not when the index opens.
        ("*.pst", _garble, BackendError, "failed to answer"),
    ],
)
def test_corrupted_index_gives_a_clear_error(
    tmp_path: Path,
    pattern: str,
    damage: Callable[[Path], None],
    error: type[Exception],
    message: str,
) -> None:
    index_dir = tmp_path / "index"
    build(index_dir, DOCS[:3])
    live = index_dir / (index_dir / "CURRENT").read_text().strip()
    for path in live.glob(pattern):
        damage(path)
    with pytest.raises(error, match=rf"{message} .*dateline reindex --full"):
        WhooshBackend(Settings(index_dir=index_dir)).search(SearchRequest(q="putin"))
    build(index_dir, DOCS[:3])  # a full rebuild recovers
    assert WhooshBackend(Settings(index_dir=index_dir)).count() == 3


def test_dangling_pointer_gives_a_clear_error(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build(index_dir, DOCS[:2])
    (index_dir / "CURRENT").write_text("gen-999999\n")
    backend = WhooshBackend(Settings(index_dir=index_dir))
    with pytest.raises(IndexMissingError, match="CURRENT names no generation"):
        backend.search(SearchRequest(q="putin"))
    with pytest.raises(IndexMissingError, match="CURRENT names no generation"):
        backend.count()  # a broken index is not an empty one (health checks rely on it)
    (index_dir / "CURRENT").unlink()
    with pytest.raises(IndexMissingError) as info:
        backend.count()
    assert str(info.value) == (
        f"no index at {index_dir} (CURRENT is missing): run `dateline reindex --full`"
    )


# -- full-text queries -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("putin", {"alaska", "xi", "interview"}),
        ('"Vladimir Putin"', {"alaska", "xi"}),
        ('"putin met"', {"alaska"}),
        ("oil russia", {"opec"}),
        ("oil AND russia", {"opec"}),
        ("sanctions OR wheat", {"alaska", "kremlin", "undated", "wheat"}),
        ("sanctions NOT russia", {"alaska", "kremlin"}),
        ("(wheat OR tariffs) NOT china", {"wheat"}),
        ("strike", {"syria"}),  # stemming
        ("sanct*", {"alaska", "kremlin", "undated"}),
        ('actor:"vladimir putin"', {"alaska", "xi", "interview"}),
        ('actor:"VLADIMIR PUTIN" oil', {"xi"}),
        ("country:SY", {"syria"}),
        ("country:sy", {"syria"}),
        ("country:Syria", {"syria"}),
        ('source:"the guardian"', {"syria", "merkel"}),
        ("title:oil", {"kremlin", "xss"}),
        ("body:interview", {"interview"}),
        ("mentioned:2025-06-19", {"iran"}),
        ("US", set()),  # "us" is searchable (not a stop word) but no text says it
        ("nonexistentword", set()),
    ],
)
def test_query_syntax(backend: WhooshBackend, q: str, expected: set[str]) -> None:
    assert set(ids(backend, q=q)) == expected


@pytest.mark.parametrize(
    "q",
    [
        "putin",
        "oil russia",
        "sanctions OR wheat",
        "sanctions NOT russia",
        "NOT russia",
        "(wheat OR tariffs) NOT china",
        "sanct*",
        '"Vladimir Putin"',
        '"putin met" OR gas',
        'actor:"vladimir putin" NOT oil',
        "oil ANDNOT gas",
        "oil ANDMAYBE gas",
    ],
)
def test_numpy_docsets_equal_whoosh(backend: WhooshBackend, q: str) -> None:
    def both(snap: Any) -> tuple[list[int], list[int]]:
        parsed = to_whoosh(parse_query(q), snap.searcher.schema)
        ours = matching_docs(snap.searcher, parsed).tolist()
        return ours, sorted(set(snap.searcher.docs_for_query(parsed)))

    ours, whoosh = backend._read(both)
    assert ours == whoosh


@pytest.mark.parametrize(
    ("q", "filters"),
    [
        ("russia OR oil OR putin", {"countries": ("RU",)}),
        ("russia OR oil OR putin", {"sources": ("AP",)}),
        ('"vladimir putin" OR oil', {"date_from": date(2025, 1, 1)}),
        ("sanctions OR strikes OR wheat", {"countries": ("UA",)}),
    ],
)
def test_filtered_ranking_keeps_unfiltered_order_and_scores(
    backend: WhooshBackend, q: str, filters: dict[str, object]
) -> None:
    whole = backend.search(SearchRequest(q=q, per_page=100)).hits
    kept = set(ids(backend, q=q, **filters))
    expected = [(h.id, h.score) for h in whole if h.id in kept]
    for per_page in (1, 2, 100):
        got = backend.search(SearchRequest(q=q, per_page=per_page, **filters)).hits  # type: ignore[arg-type]
        assert [(h.id, h.score) for h in got] == expected[:per_page]


@pytest.mark.parametrize(
    "q",
    [
        "putin",
        "oil russia",
        "sanctions OR wheat",
        "sanctions NOT russia",
        "(wheat OR tariffs) NOT china",
        'actor:"vladimir putin" oil',
        "oil ANDNOT gas",
        "oil ANDMAYBE gas",
        "title:oil^3 russia",
        "country:RU oil^0.5",
        "NOT russia",
    ],
)
def test_numpy_bm25_equals_whoosh(backend: WhooshBackend, q: str) -> None:
    def both(snap: Any) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        parsed = to_whoosh(parse_query(q), snap.searcher.schema)
        docs = matching_docs(snap.searcher, parsed)
        ours = _numpy_ranked_page(snap.searcher, parsed, docs, 0, 100, {})
        hits = snap.searcher.search(parsed, limit=None)
        return (
            [(d, round(s, 6)) for d, s in ours],
            [(h.docnum, round(h.score, 6)) for h in hits],
        )

    ours, whoosh = backend._read(both)
    assert ours == whoosh


def test_direct_scoring_equals_whoosh_filtered_search(backend: WhooshBackend) -> None:
    def both(snap: Any) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        parsed = to_whoosh(parse_query("russia OR oil OR putin"), snap.searcher.schema)
        docs = matching_docs(snap.searcher, parsed)[::2]
        ours = [(d, round(s, 6)) for d, s in _score_docs(snap.searcher, parsed, docs)]
        hits = snap.searcher.search(parsed, limit=None, filter=set(docs.tolist()))
        return ours, [(h.docnum, round(h.score, 6)) for h in hits]

    ours, whoosh = backend._read(both)
    assert ours == whoosh


def test_title_matches_rank_first(backend: WhooshBackend) -> None:
    ranked = ids(backend, q="oil")
    assert set(ranked[:2]) == {"kremlin", "xss"}  # title^2: oil in title and body
    assert set(ranked) == {"kremlin", "xss", "opec", "xi"}
    scores = [h.score for h in backend.search(SearchRequest(q="oil")).hits]
    assert scores == sorted(scores, reverse=True)  # type: ignore[type-var]


def test_invalid_query_is_a_query_error(backend: WhooshBackend) -> None:
    with pytest.raises(QueryError, match="AND needs a word on each side"):
        backend.search(SearchRequest(q="putin AND"))


# -- filters, sorting, paging ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"actors": ("Vladimir Putin",)}, {"alaska", "xi", "interview"}),
        ({"actors": ("vladimir PUTIN",)}, {"alaska", "xi", "interview"}),
        ({"actors": ("Vladimir Putin", "Donald Trump")}, {"alaska"}),
        ({"actors": ("Nobody",)}, set()),
        ({"countries": ("RU", "UA")}, {"alaska", "wheat"}),
        ({"countries": ("SY",)}, {"syria"}),
        ({"sources": ("AP", "The Guardian")}, {"opec", "iran", "syria", "wheat", "merkel"}),
        (
            {"date_from": date(2025, 6, 20), "date_to": date(2025, 6, 23)},
            {"iran", "syria", "kremlin"},
        ),
        ({"date_from": date(2025, 7, 1)}, {"alaska", "wheat"}),
        ({"date_to": date(2016, 1, 1)}, {"merkel"}),
        ({"q": "oil", "countries": ("RU",)}, {"kremlin", "opec", "xi"}),
        (
            {"q": "putin", "date_from": date(2025, 1, 1), "sources": ("Reuters",)},
            {"alaska", "interview"},
        ),
    ],
)
def test_filters(backend: WhooshBackend, kwargs: dict[str, object], expected: set[str]) -> None:
    assert set(ids(backend, **kwargs)) == expected


NEWEST = [
    "alaska",
    "wheat",
    "interview",
    "kremlin",
    "syria",
    "iran",
    "opec",
    "xi",
    "xss",
    "tariffs",
    "merkel",
    "undated",
]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, NEWEST),  # browse: newest first
        ({"sort": "newest"}, NEWEST),
        ({"sort": "oldest"}, [*reversed(NEWEST[:-1]), "undated"]),
        ({"q": "sanctions", "sort": "newest"}, ["alaska", "kremlin", "undated"]),
        ({"q": "sanctions", "sort": "oldest"}, ["kremlin", "alaska", "undated"]),
    ],
)
def test_sort_orders(
    backend: WhooshBackend, kwargs: dict[str, object], expected: list[str]
) -> None:
    assert ids(backend, **kwargs) == expected


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_paging_covers_the_whole_result_once(backend: WhooshBackend, sort: str) -> None:
    q = "russia OR putin OR oil"
    whole = ids(backend, q=q, sort=sort)
    pages = []
    for page_no in range(1, 5):
        page = backend.search(SearchRequest(q=q, sort=sort, page=page_no, per_page=3))  # type: ignore[arg-type]
        assert page.total == len(whole)
        pages.extend(h.id for h in page.hits)
    assert pages == whole


@pytest.mark.parametrize(
    ("page", "per_page", "expected"),
    [(0, 5, NEWEST[:5]), (-3, 2, NEWEST[:2]), (1, 0, []), (99, 10, []), (1, 1000, NEWEST)],
)
def test_odd_paging_values_do_not_crash(
    backend: WhooshBackend, page: int, per_page: int, expected: list[str]
) -> None:
    for q in ("", "NOT nonexistentword"):
        result = backend.search(SearchRequest(q=q, page=page, per_page=per_page, sort="newest"))
        assert ([h.id for h in result.hits], result.total) == (expected, len(DOCS))


# -- facets and histogram --------------------------------------------------------------


def _brute_force(hit_ids: list[str], attr: str) -> Counter[str]:
    canonical: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for doc in DOCS:  # first spelling seen (index order) is the canonical one
        values = getattr(doc, attr) if attr != "source" else ((doc.source,) if doc.source else ())
        for v in values:
            canonical.setdefault(v.casefold(), v)
    for i in hit_ids:
        doc = BY_ID[i]
        values = getattr(doc, attr) if attr != "source" else ((doc.source,) if doc.source else ())
        for v in {canonical[v.casefold()] for v in values}:
            counts[v] += 1
    return counts


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"q": "russia OR oil"},
        {"q": "putin"},
        {"countries": ("RU",)},
        {"q": "sanctions OR strikes", "sources": ("Reuters", "The Guardian")},
        {"date_from": date(2025, 1, 1)},
    ],
)
def test_facet_counts_cover_the_whole_result(
    backend: WhooshBackend, kwargs: dict[str, object]
) -> None:
    hit_ids = ids(backend, **kwargs)
    page = backend.search(SearchRequest(per_page=1, facet_size=100, **kwargs))  # type: ignore[arg-type]
    for facet, attr in (
        (page.actor_facet, "actors"),
        (page.country_facet, "countries"),
        (page.source_facet, "source"),
    ):
        expected = _brute_force(hit_ids, attr)
        assert {v.value: v.count for v in facet.values} == dict(expected)
        assert [v.count for v in facet.values] == sorted(
            (v.count for v in facet.values), reverse=True
        )


def test_facet_top_values_truncation_and_selection(backend: WhooshBackend) -> None:
    page = backend.search(SearchRequest(facet_size=2, actors=("Angela Merkel",)))
    assert page.actor_facet == Facet(
        values=(
            FacetValue("Angela Merkel", 1, True),
            FacetValue("Emmanuel Macron", 1, False),
        ),
        truncated=False,
    )
    page = backend.search(SearchRequest(facet_size=2, sources=("Blog",), countries=("RU",)))
    assert page.total == 0
    assert page.source_facet == Facet(values=(FacetValue("Blog", 0, True),), truncated=False)
    assert page.country_facet == Facet(values=(FacetValue("RU", 0, True),), truncated=False)
    page = backend.search(SearchRequest(facet_size=2))
    assert page.country_facet == Facet(
        values=(FacetValue("RU", 8, False), FacetValue("US", 3, False)), truncated=True
    )
    page = backend.search(SearchRequest(facet_size=2, countries=("DE",)))
    assert page.country_facet == Facet(
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
    ],
)
def test_date_histogram(
    backend: WhooshBackend, kwargs: dict[str, object], expected: DateHistogram
) -> None:
    assert backend.search(SearchRequest(**kwargs)).dates == expected  # type: ignore[arg-type]


# -- snippets, suggestions -------------------------------------------------------------


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
        (
            "sanct*",
            "undated",
            "<mark>Sanctions</mark> against Russia were widened, the note says.",
        ),
    ],
)
def test_snippets_escape_everything_but_mark(
    backend: WhooshBackend, q: str, doc_id: str, snippet: str
) -> None:
    hits = {h.id: h for h in backend.search(SearchRequest(q=q, per_page=100)).hits}
    assert hits[doc_id].snippet == snippet
    assert "<script>" not in hits[doc_id].snippet


_LONG = " ".join(f"filler{i}" for i in range(1500))


@pytest.mark.parametrize(
    ("text", "words", "expected"),
    [
        ("", {"oil"}, ""),
        ("No match here at all.", {"oil"}, "No match here at all."),
        ("a < b & Oil > c", {"oil"}, "a &lt; b &amp; <mark>Oil</mark> &gt; c"),
        (
            _LONG + " the Crude Oil price rose " + _LONG,
            {"crude", "oil"},
            "… filler1495 filler1496 filler1497 filler1498 filler1499 the <mark>Crude Oil</mark> "
            "price rose filler0 filler1 filler2 filler3 filler4 filler5 filler6 filler7 filler8 "
            "filler9 filler10 filler11 filler12 filler13 …",
        ),
        (
            "Oil first. " + _LONG[:600] + " then oil and gas.",
            {"oil", "gas"},
            "<mark>Oil</mark> first. filler0 filler1 filler2 filler3 filler4 filler5 filler6 "
            "filler7 filler8 filler9 filler10 filler11 filler12 filler13 filler14 filler15 "
            "filler16 filler17 filler18 filler19 filler20 filler21 … filler62 filler63 filler64 "
            "filler65 filler66 filler6 then <mark>oil</mark> and <mark>gas</mark>.",
        ),
    ],
)
def test_snippet_fragments(text: str, words: set[str], expected: str) -> None:
    assert snippet(text, words) == expected


def test_hit_fields(backend: WhooshBackend) -> None:
    (hit,) = backend.search(SearchRequest(q="title:report")).hits
    assert (hit.id, hit.title, hit.url, hit.source, hit.published, hit.actors, hit.countries) == (
        "xss",
        "<script>alert(1)</script> oil report",  # plain text: front doors escape titles
        "https://news.example/xss",
        "Blog",
        datetime(2023, 3, 1, 12, 0, tzinfo=UTC),
        (),
        (),
    )


@pytest.mark.parametrize(
    ("q", "suggestion"),
    [("sanctoins", "sanctions"), ("wheet prices", "wheat prices"), ("putin", None)],
)
def test_did_you_mean(backend: WhooshBackend, q: str, suggestion: str | None) -> None:
    page = backend.search(SearchRequest(q=q))
    assert page.suggestion == suggestion
    assert page.took_ms > 0


# -- the other read methods ------------------------------------------------------------


def test_get_and_iter_round_trip(backend: WhooshBackend) -> None:
    assert backend.get("merkel") == BY_ID["merkel"]
    assert backend.get("missing") is None
    assert sorted(backend.iter_documents(), key=lambda d: d.id) == sorted(DOCS, key=lambda d: d.id)
    assert backend.count() == len(DOCS)
    assert backend.fingerprints() == {d.id: (d.key, d.content_hash) for d in DOCS}


@pytest.mark.parametrize(
    ("facet", "prefix", "limit", "expected"),
    [
        ("actor", "v", 50, [("Vladimir Putin", 3)]),
        ("actor", "D", 1, [("Donald Trump", 2)]),
        ("country", "", 3, [("RU", 8), ("US", 3), ("CN", 2)]),
        ("source", "the", 50, [("The Guardian", 2)]),
        ("source", "zzz", 50, []),
    ],
)
def test_facet_values(
    backend: WhooshBackend, facet: str, prefix: str, limit: int, expected: list[tuple[str, int]]
) -> None:
    assert backend.facet_values(facet, prefix, limit) == expected


def test_more_like(backend: WhooshBackend) -> None:
    similar = backend.more_like("alaska", limit=3)
    assert 0 < len(similar) <= 3
    assert "alaska" not in {d.id for d in similar}
    assert backend.more_like("missing") == []


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=60))
def test_validated_queries_never_break_the_backend(backend: WhooshBackend, q: str) -> None:
    try:
        backend.search(SearchRequest(q=q, per_page=5))
    except DatelineError as e:
        assert isinstance(e, QueryError), e


# -- writing: incremental, full rebuild, readers picking it up ------------------------


def test_incremental_reindex_updates_instead_of_duplicating(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build(index_dir, full=False)
    build(index_dir, full=False)
    backend = WhooshBackend(Settings(index_dir=index_dir))
    assert backend.count() == len(DOCS)
    writer = backend.writer()
    changed = IndexDocument(
        **{**_fields(BY_ID["wheat"]), "body": "Barley now.", "content_hash": "x"}
    )
    writer.add(changed)
    writer.delete("merkel")
    writer.delete("never-indexed")
    writer.commit()
    assert backend.count() == len(DOCS) - 1
    assert ids(backend, q="barley") == ["wheat"]
    assert ids(backend, q="merkel") == []
    assert backend.fingerprints()["wheat"] == ("seeds/wheat.txt", "x")


def _fields(doc: IndexDocument) -> dict[str, object]:
    return {name: getattr(doc, name) for name in IndexDocument.__slots__}


def test_incremental_write_into_an_index_of_another_version(tmp_path: Path) -> None:
    from whoosh import fields, index  # only to fake an index written by another version

    gen = tmp_path / "index" / "gen-000001"
    gen.mkdir(parents=True)
    index.create_in(str(gen), fields.Schema(id=fields.ID(unique=True, stored=True)))
    (tmp_path / "index" / "CURRENT").write_text("gen-000001\n")
    backend = WhooshBackend(Settings(index_dir=tmp_path / "index"))
    with pytest.raises(BackendError, match=r"another version of Dateline .* --full"):
        backend.writer()
    build(tmp_path / "index", DOCS[:2], full=True)  # the advised fix works
    assert backend.count() == 2


def test_abort_leaves_the_live_index(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build(index_dir, DOCS[:4])
    backend = WhooshBackend(Settings(index_dir=index_dir))
    for full in (False, True):
        writer = backend.writer(full=full)
        writer.add(BY_ID["merkel"])
        writer.delete("alaska")
        writer.abort()
        assert (backend.count(), ids(backend, q="merkel")) == (4, [])
    assert _generations(index_dir) == ["gen-000001"]


def test_full_build_in_merged_segments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full build commits a segment every SEGMENT_DOCS documents and merges each tier's
    MERGE_FANOUT segments; nothing shows before the final commit, nothing is lost."""
    from whoosh import index

    from search.backends.whoosh import writer as whoosh_writer

    monkeypatch.setattr(whoosh_writer, "SEGMENT_DOCS", 2)
    monkeypatch.setattr(whoosh_writer, "MERGE_FANOUT", 2)
    index_dir = tmp_path / "index"
    build(index_dir, DOCS[:1])
    backend = WhooshBackend(Settings(index_dir=index_dir))
    writer = backend.writer(full=True)
    for doc in (*DOCS, DOCS[0]):  # a repeated id in a later segment is still ignored
        writer.add(doc)
    assert backend.count() == 1  # the live index until the swap
    writer.commit()
    assert backend.count() == len(DOCS)
    assert sorted(ids(backend)) == sorted(d.id for d in DOCS)
    live = index_dir / (index_dir / "CURRENT").read_text().strip()
    sizes = sorted(s.doc_count_all() for s in index.open_dir(str(live))._segments())
    # 2-document segments merge in pairs into 4s, 4s into 8s: at most one per tier.
    assert len(sizes) <= 1 + len(DOCS).bit_length(), sizes
    assert backend.search(SearchRequest(q="sanctoins")).suggestion == "sanctions"


def test_full_rebuild_is_seen_by_an_open_reader(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build(index_dir, DOCS[:6])
    reader = WhooshBackend(Settings(index_dir=index_dir))
    assert reader.search(SearchRequest()).total == 6
    build(index_dir, DOCS[6:], full=True)  # another backend (like another process) swaps
    assert {h.id for h in reader.search(SearchRequest(per_page=50)).hits} == {
        d.id for d in DOCS[6:]
    }
    assert reader.facet_values("actor", "angela") == [("Angela Merkel", 1)]
    build(index_dir, DOCS[:1], full=False)  # an incremental commit is seen too
    assert reader.count() == len(DOCS[6:]) + 1
    build(index_dir, DOCS, full=True)
    build(index_dir, DOCS, full=True)
    assert reader.count() == len(DOCS)
    # Only the live generation and the one before it are kept.
    assert _generations(index_dir) == ["gen-000003", "gen-000004"]


def _generations(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith("gen-"))


# -- lock, crashes, full disk -----------------------------------------------------------

_HOLD_LOCK = """
import sys, time
from search.backends.whoosh.backend import WhooshBackend
from search.backends.whoosh.docsets import matching_docs
from search.backends.whoosh.searching import _numpy_ranked_page, _score_docs, to_whoosh
from search.backends.whoosh.snippets import snippet
from search.settings import Settings
backend = WhooshBackend(Settings(index_dir=sys.argv[1]))
with backend.lock():
    print("locked", flush=True)
    time.sleep(60)
"""


def _spawn(tmp_path: Path, code: str, *args: str) -> subprocess.Popen[str]:
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(code))
    return subprocess.Popen(
        [sys.executable, str(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill(child: subprocess.Popen[str]) -> None:
    child.send_signal(signal.SIGKILL)
    child.communicate()  # reaps it and closes its pipes


def test_second_reindex_gets_busy_error(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build(index_dir, DOCS[:2])
    child = _spawn(tmp_path, _HOLD_LOCK, str(index_dir))
    try:
        assert child.stdout is not None and child.stdout.readline() == "locked\n"
        backend = WhooshBackend(Settings(index_dir=index_dir))
        message = (
            f"another reindex is running (lock: {index_dir / 'reindex.lock'}); "
            "try again when it has finished"
        )
        with pytest.raises(IndexBusyError) as info, backend.lock():
            pass
        assert str(info.value) == message
        with pytest.raises(IndexBusyError):
            backend.writer(full=True)
        assert backend.count() == 2  # searching is not blocked
    finally:
        _kill(child)
    backend = WhooshBackend(Settings(index_dir=index_dir))
    with backend.lock():  # freed when its holder died
        writer = backend.writer(full=True)  # the same process may write under its lock
        writer.add(DOCS[0])
        writer.commit()
    assert backend.count() == 1


_WRITE_UNTIL_KILLED = """
import sys, time
from datetime import UTC, datetime
from search.backends.whoosh.backend import WhooshBackend
from search.backends.whoosh.docsets import matching_docs
from search.backends.whoosh.searching import _numpy_ranked_page, _score_docs, to_whoosh
from search.backends.whoosh.snippets import snippet
from search.models import IndexDocument
from search.settings import Settings

index_dir, mode, point = sys.argv[1], sys.argv[2], sys.argv[3]
backend = WhooshBackend(Settings(index_dir=index_dir))
writer = backend.writer(full=(mode == "full"))
for i in range(6000):  # more than one segment of a full build (SEGMENT_DOCS)
    writer.add(IndexDocument(
        id=f"gen{i}", key=f"k{i}", title=f"synthetic {i}", body="filler words " * 30,
        content_hash=str(i), published=datetime(2020, 1, 1 + i % 28, tzinfo=UTC),
        actors=("Someone Else",), countries=("FR",)))
    if i == 1500 and point == "adding":
        print("ready", flush=True); time.sleep(60)
if point == "before-switch":
    writer._writer.commit()  # Whoosh files complete, CURRENT not yet switched
    print("ready", flush=True); time.sleep(60)
if point == "committing":
    print("ready", flush=True)
writer.commit()
print("done", flush=True)
time.sleep(60)
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "point"),
    [
        ("full", "adding"),
        ("full", "before-switch"),
        ("full", "committing"),
        ("incremental", "adding"),
        ("incremental", "committing"),
    ],
)
def test_sigkill_leaves_the_previous_index_serving(tmp_path: Path, mode: str, point: str) -> None:
    index_dir = tmp_path / "index"
    build(index_dir)
    reader = WhooshBackend(Settings(index_dir=index_dir))
    assert reader.count() == len(DOCS)
    child = _spawn(tmp_path, _WRITE_UNTIL_KILLED, str(index_dir), mode, point)
    assert child.stdout is not None and child.stdout.readline() == "ready\n"
    if point == "committing":
        time.sleep(0.05)  # somewhere inside the commit (or just after it)
    _kill(child)
    fresh = WhooshBackend(Settings(index_dir=index_dir))
    before = {d.id for d in DOCS}
    batch = {f"gen{i}" for i in range(6000)}
    for backend in (reader, fresh):
        # The previous index is served whole, or the killed batch landed whole if the kill
        # came after its commit; never a part of it.
        found = set(backend.fingerprints())
        assert found in ((before, batch) if mode == "full" else (before, before | batch))
        if before <= found:
            assert set(ids(backend, q="putin")) == {"alaska", "xi", "interview"}
    build(index_dir, DOCS[:3], full=True)  # the next reindex succeeds
    build(index_dir, DOCS[:4], full=False)
    assert fresh.count() == 4
    assert len(_generations(index_dir)) <= 2


_FILL_DISK = """
import resource, signal, sys
from search.backends.whoosh.backend import WhooshBackend
from search.backends.whoosh.docsets import matching_docs
from search.backends.whoosh.searching import _numpy_ranked_page, _score_docs, to_whoosh
from search.backends.whoosh.snippets import snippet
from search.errors import BackendError
from search.models import IndexDocument
from search.settings import Settings

# A file size limit stands in for a full disk: writes fail with an OSError (EFBIG).
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
backend = WhooshBackend(Settings(index_dir=sys.argv[1]))
try:
    writer = backend.writer(full=True)
    for i in range(3000):
        writer.add(IndexDocument(id=f"x{i}", key=f"k{i}", title="t", body=f"word{i} " * 50,
                                 content_hash=str(i)))
    writer.commit()
except BackendError as e:
    print("BackendError:", e)
"""


@pytest.mark.slow
def test_write_failure_keeps_the_live_index(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build(index_dir)
    child = _spawn(tmp_path, _FILL_DISK, str(index_dir))
    out, err = child.communicate(timeout=60)
    assert out.startswith(f"BackendError: cannot write the index folder {index_dir}: "), err
    backend = WhooshBackend(Settings(index_dir=index_dir))
    assert backend.count() == len(DOCS)
    assert _generations(index_dir) == ["gen-000001"]  # the half-built one is gone


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_folder_searches_but_cannot_reindex(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build(index_dir)
    for path in [index_dir, *index_dir.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        backend = WhooshBackend(Settings(index_dir=index_dir))
        assert backend.search(SearchRequest(q="putin")).total == 3
        with pytest.raises(BackendError, match="needs write access"):
            backend.writer(full=True)
    finally:
        for path in [index_dir, *index_dir.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(index_dir)
