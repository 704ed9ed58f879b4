"""What only the Whoosh backend does, on a real index in tmp_path: its query language,
numpy docsets and BM25 scoring against Whoosh's own, snippet fragments, suggestions,
generations and merged segments, the lock's holder dying, crash safety (real subprocesses
killed with SIGKILL) and broken or read-only index folders.

The behaviour every engine shares (writes, filters, sorts, paging, facets, the histogram,
snippets, value lists, the three errors) is tests/test_backend_contract.py, run here too.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from search.backends.whoosh import docsets
from search.backends.whoosh.backend import WhooshBackend
from search.backends.whoosh.docsets import matching_docs
from search.backends.whoosh.schema import PAIRS_FIELD
from search.backends.whoosh.searching import _numpy_ranked_page, _score_docs, to_whoosh
from search.backends.whoosh.snippets import snippet
from search.backends.whoosh.writer import INLINE_POSTINGS
from search.errors import BackendError, IndexBusyError, IndexMissingError
from search.models import IndexDocument, SearchRequest
from search.query import parse_query
from search.settings import Settings
from tests.backend_docs import BY_ID, DOCS, NEWEST, news_doc


def build(index_dir: Path, docs: tuple[IndexDocument, ...] = DOCS, full: bool = True) -> None:
    """Index ``docs`` into ``index_dir`` with one writer."""
    backend = WhooshBackend(Settings(index_dir=index_dir))
    writer = backend.writer(full=full)
    for doc in docs:
        writer.add(doc)
    writer.commit()


def two_segments(
    index_dir: Path, docs: tuple[IndexDocument, ...], split: int, deleted: list[str]
) -> WhooshBackend:
    """An index of two segments: ``docs[:split]`` built, then the rest added and the
    ``deleted`` ids (of the first segment) removed in one incremental commit."""
    build(index_dir, docs[:split])
    backend = WhooshBackend(Settings(index_dir=index_dir))
    writer = backend.writer()
    for doc in docs[split:]:
        writer.add(doc)
    for doc_id in deleted:
        writer.delete(doc_id)
    writer.commit()
    return backend


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> WhooshBackend:
    index_dir = tmp_path_factory.mktemp("whoosh") / "index"
    build(index_dir)
    return WhooshBackend(Settings(index_dir=index_dir))


def ids(backend: WhooshBackend, **kwargs: object) -> list[str]:
    page = backend.search(SearchRequest(per_page=100, **kwargs))  # type: ignore[arg-type]
    assert page.total == len(page.hits)
    return [h.id for h in page.hits]


# -- broken index ----------------------------------------------------------------------


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
    # Enough documents naming Putin for his posting list to be written to the postings
    # file: a shorter one is kept in its term's entry (INLINE_POSTINGS).
    more = tuple(
        dataclasses.replace(DOCS[0], id=f"putin-{n}", key=f"putin-{n}.txt")
        for n in range(INLINE_POSTINGS)
    )
    build(index_dir, DOCS[:3] + more)
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
        'title:"putin trump"',  # adjacent once the stop word between them is gone
        'title:"trump putin"',  # the wrong order
        'title:"putin meet"',  # both in the title, apart
        'title:"kremlin defends oil"',
        'title:"nuclear talks" OR title:"output cut"',
        'actor:"vladimir putin" NOT oil',
        "oil ANDNOT gas",
        "oil ANDMAYBE gas",
    ],
)
@pytest.mark.parametrize("dense_share", [0, 10**9], ids=["sorted sets", "masks"])
def test_numpy_docsets_equal_whoosh(
    backend: WhooshBackend, q: str, dense_share: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Set operations take a mask of the index for large sets and sorted arrays for small
    # ones: both ways must give Whoosh's answer.
    monkeypatch.setattr(docsets, "DENSE_SHARE", dense_share)

    def both(snap: Any) -> tuple[list[int], list[int]]:
        parsed = to_whoosh(parse_query(q), snap.searcher.schema)
        ours = matching_docs(snap.searcher, parsed).tolist()
        reference = parsed.accept(_body_phrase_as_pairs)
        return ours, sorted(set(snap.searcher.docs_for_query(reference)))

    ours, whoosh = backend._read(both)
    assert ours == whoosh


def _body_phrase_as_pairs(node: Any) -> Any:
    """A body phrase as Whoosh can answer it: the body keeps no positions, a phrase
    there is every adjacent pair of its words (``schema.PAIRS_FIELD``)."""
    from whoosh import query

    if not isinstance(node, query.Phrase) or node.fieldname != "body":
        return node
    if len(node.words) == 1:
        return query.Term("body", node.words[0])
    pairs = zip(node.words, node.words[1:], strict=False)
    return query.And([query.Term(PAIRS_FIELD, f"{a} {b}") for a, b in pairs])


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ('title:"putin trump"', {"alaska"}),  # "and" between them is a stop word
        ('title:"trump putin"', set()),
        ('title:"putin meet"', set()),
        ('title:"kremlin defends oil"', {"kremlin"}),
        ('title:"defends kremlin"', set()),
    ],
)
def test_a_title_phrase_is_its_words_at_consecutive_positions(
    backend: WhooshBackend, q: str, expected: set[str]
) -> None:
    assert set(ids(backend, q=q)) == expected


def test_postings_and_title_phrases_over_blocks_and_deletions_equal_whoosh(tmp_path: Path) -> None:
    """Title phrases over postings long enough for blocks of 128 (not kept inline), in two
    segments, some documents deleted: the positions read block by block (blocks without a
    candidate passed over) give Whoosh's answer."""
    from search.backends.whoosh.writer import INLINE_POSTINGS

    patterns = (
        "Stock exchange opens {n}",  # the phrase
        "Exchange of stock {n}",  # both words, the wrong order, apart
        "Stock prices on the exchange {n}",  # both words apart
        "Stock market {n} exchange stock exchange",  # the phrase after a false start
    )
    docs = tuple(
        news_doc(f"d{n}", patterns[n % 4].format(n=n), "Body.", source=None, published=None)
        for n in range(700)
    )
    assert len(docs) // 4 > INLINE_POSTINGS * 16  # many blocks of 128 per word
    deleted = [f"d{n}" for n in range(0, 500, 7)]  # documents of the first segment
    backend = two_segments(tmp_path / "index", docs, 500, deleted)

    def read(snap: Any) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        searcher = snap.searcher
        ids, weights = docsets.postings(searcher, "title", "stock")
        matcher = searcher.postings("title", b"stock")
        whoosh = []
        while matcher.is_active():  # Whoosh's matcher skips deleted documents
            whoosh.append((matcher.id(), matcher.weight()))
            matcher.next()
        live = {d for d, _ in whoosh}
        ours = [(d, w) for d, w in zip(ids.tolist(), weights.tolist(), strict=True) if d in live]
        return ours, whoosh

    ours_postings, whoosh_postings = backend._read(read)
    assert ours_postings == whoosh_postings and len(whoosh_postings) > 500
    for q in ('title:"stock exchange"', 'title:"exchange stock"', 'title:"stock exchange opens"'):

        def both(snap: Any, q: str = q) -> tuple[list[int], list[int]]:
            parsed = to_whoosh(parse_query(q), snap.searcher.schema)
            live = set(snap.searcher.docs_for_query(parsed))
            ours = [d for d in matching_docs(snap.searcher, parsed).tolist() if d in live]
            return ours, sorted(live)

        ours, whoosh = backend._read(both)
        assert ours == whoosh and whoosh, q
    expected = [n for n in range(700) if n % 4 in (0, 3) and (n % 7 or n >= 500)]
    page = backend.search(SearchRequest(q='title:"stock exchange"', per_page=1))
    assert page.articles == len(expected)


@pytest.mark.parametrize("body", ["", "...", "The of and it."])
def test_an_article_whose_body_has_no_word_is_indexed(tmp_path: Path, body: str) -> None:
    """Whoosh's word-pair filter failed on a text with no word left; such an article is
    still found by its title."""
    build(tmp_path / "index", (news_doc("x", "Wheat harvest", body, source=None, published=None),))
    backend = WhooshBackend(Settings(index_dir=tmp_path / "index"))
    assert ids(backend, q="wheat") == ["x"]
    assert ids(backend, q='"wheat harvest"') == ["x"]


def test_field_lengths_equal_whoosh(tmp_path: Path) -> None:
    """The lengths the ranking uses, read a segment's length bytes at once, equal
    Whoosh's reader document by document: two segments, deletions, an empty title."""
    from search.backends.whoosh.scoring import field_lengths

    docs = tuple(
        news_doc(f"d{n}", "" if n == 3 else "word " * n, "text " * (n * 37 % 500), source=None,
                 published=None)
        for n in range(60)
    )  # fmt: skip
    backend = two_segments(tmp_path / "index", docs, 40, ["d5"])

    def both(snap: Any) -> None:
        reader = snap.searcher.reader()
        assert len(list(reader.leaf_readers())) == 2
        for fieldname in ("title", "body"):
            ours = field_lengths(reader, fieldname).tolist()
            whoosh = [
                float(reader.doc_field_length(d, fieldname, 1) or 1)
                for d in range(reader.doc_count_all())
            ]
            assert ours == whoosh, fieldname

    backend._read(both)


def test_a_body_phrase_is_its_words_in_order(backend: WhooshBackend) -> None:
    """The body keeps no positions: a two-word phrase matches where the words stand
    side by side, not where both occur apart."""
    for q in ('"Vladimir Putin"', '"putin met"'):
        words = q.strip('"').lower().split()
        found = set(ids(backend, q=q))
        assert found, q
        for doc in DOCS:
            text = " ".join((doc.title + " " + doc.body).lower().split())
            assert (doc.id in found) == (" ".join(words) in text), (q, doc.id)


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


# -- paging below the request parameters ----------------------------------------------


@pytest.mark.parametrize(
    ("page", "per_page", "expected"),
    [(0, 5, NEWEST[:5]), (-3, 2, NEWEST[:2]), (1, 0, ()), (99, 10, ()), (1, 1000, NEWEST)],
)
def test_odd_paging_values_do_not_crash(
    backend: WhooshBackend, page: int, per_page: int, expected: tuple[str, ...]
) -> None:
    """Values parse_search_params refuses still page sensibly when a caller skips it (the
    Typesense server refuses some of them: the contract is what the parameters allow)."""
    for q in ("", "NOT nonexistentword"):
        result = backend.search(SearchRequest(q=q, page=page, per_page=per_page, sort="newest"))
        assert (tuple(h.id for h in result.hits), result.total) == (expected, len(DOCS))


# -- snippets, suggestions -------------------------------------------------------------


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


def test_snippet_marks_every_query_word_it_shows() -> None:
    """A match in a fragment's context is marked, and fragments that would overlap are one:
    Reuters showed "... in the Gulf... Will not allow" unmarked and a line twice."""
    text = (
        "Velayati warned that Iran would combat any superpower intervention in the Gulf.\n"
        '"Iran, which is the most powerful (country) in the Gulf... Will not allow it."'
    )
    shown = snippet(text, {"iran", "gulf"})
    assert shown.count("<mark>Gulf</mark>") == 2 and shown.count("<mark>Iran</mark>") == 2
    assert shown.replace("<mark>", "").replace("</mark>", "") == text


@pytest.mark.parametrize(
    ("q", "suggestion"),
    [("sanctoins", "sanctions"), ("wheet prices", "wheat prices"), ("putin", None)],
)
def test_did_you_mean(backend: WhooshBackend, q: str, suggestion: str | None) -> None:
    page = backend.search(SearchRequest(q=q))
    assert page.suggestion == suggestion
    assert page.took_ms > 0


# -- writing: other versions, aborts, segments, generations ----------------------------


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


def test_abort_leaves_no_generation_behind(tmp_path: Path) -> None:
    """An aborted full build removes its half-built generation folder."""
    index_dir = tmp_path / "index"
    build(index_dir, DOCS[:4])
    backend = WhooshBackend(Settings(index_dir=index_dir))
    for full in (False, True):
        writer = backend.writer(full=full)
        writer.add(BY_ID["merkel"])
        writer.abort()
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
    for doc in (*DOCS, DOCS[0]):  # a repeated id in a later segment replaces the first
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


def test_incremental_commits_merge_by_tiers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16: adding a few documents to a large index writes a small segment and merges
    only a full tier of small ones; the big segments of the full build stay as they are."""
    from dataclasses import replace

    from whoosh import index

    from search.backends.whoosh import writer as whoosh_writer

    monkeypatch.setattr(whoosh_writer, "SEGMENT_DOCS", 2)
    monkeypatch.setattr(whoosh_writer, "MERGE_FANOUT", 2)
    index_dir = tmp_path / "index"
    build(index_dir)
    live = index_dir / (index_dir / "CURRENT").read_text().strip()

    def segments() -> dict[str, int]:
        return {s.segid: s.doc_count_all() for s in index.open_dir(str(live))._segments()}

    big = {segid for segid, size in segments().items() if size >= 4}
    assert big
    backend = WhooshBackend(Settings(index_dir=index_dir))
    for n in range(5):
        writer = backend.writer()
        writer.add(replace(DOCS[n % len(DOCS)], title=f"revised {n}"))
        writer.commit()
        assert big <= set(segments()), n  # never merged into a new one
        small = [size for segid, size in segments().items() if segid not in big]
        assert len(small) < 2 * 2, small  # tiers of small segments are merged as they fill
    assert backend.count() == len(DOCS)


def test_increments_never_merge_the_segments_of_a_full_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16, as met on Reuters: a full build leaves fewer than MERGE_FANOUT segments of
    SEGMENT_DOCS; the small segments of later increments merge among themselves, not with
    the build's segments (those merge only when their own tier fills)."""
    from dataclasses import replace

    from whoosh import index

    from search.backends.whoosh import writer as whoosh_writer

    monkeypatch.setattr(whoosh_writer, "SEGMENT_DOCS", 4)
    monkeypatch.setattr(whoosh_writer, "MERGE_FANOUT", 4)
    index_dir = tmp_path / "index"
    build(index_dir)  # 12 documents: three segments of 4
    live = index_dir / (index_dir / "CURRENT").read_text().strip()

    def segments() -> dict[str, int]:
        return {s.segid: s.doc_count_all() for s in index.open_dir(str(live))._segments()}

    built = set(segments())
    assert sorted(segments().values()) == [4, 4, 4]
    backend = WhooshBackend(Settings(index_dir=index_dir))
    for n in range(5):
        writer = backend.writer()
        writer.add(replace(DOCS[n], id=f"added-{n}", key=f"added-{n}"))
        writer.commit()
        assert built <= set(segments()), n
    # The fifth commit merged the four small ones (with its own document): one of 5.
    assert sorted(segments().values()) == [4, 4, 4, 5]
    assert backend.count() == len(DOCS) + 5


def test_size_tiers() -> None:
    from search.backends.whoosh.writer import MERGE_FANOUT, SEGMENT_DOCS, size_tier

    assert size_tier(1) == size_tier(1_000) == 0  # an increment, an alias pass's renames
    assert size_tier(SEGMENT_DOCS) == size_tier(SEGMENT_DOCS // 2) == 1
    merged = SEGMENT_DOCS * MERGE_FANOUT
    assert size_tier(merged) == size_tier(merged // 2) == 2  # deletions dropped by a merge


def _same_columns(a: Any, b: Any) -> None:
    """Two ``DocColumns`` hold the same arrays, values and keys."""
    import numpy as np

    for name in ("live", "day", "stamp", "month", "year"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for name, column in a.facets.items():
        other = b.facets[name]
        assert column.values == other.values, name
        assert column.lookup == other.lookup, name
        for part in ("offsets", "ids"):
            assert np.array_equal(getattr(column, part), getattr(other, part)), (name, part)
    for name in ("copies", "stories"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.keys == y.keys and x.lookup == y.lookup, name
        for part in ("codes", "sizes", "first", "last", "sources"):
            assert np.array_equal(getattr(x, part), getattr(y, part)), (name, part)


def test_columns_after_commits_reuse_old_segments_and_equal_a_fresh_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16: a reader reopened after a commit reads only the new segments' columns,
    and its columns are those of a process opening the index for the first time (deleted
    and replaced documents, values and spellings that only deleted documents held)."""
    from dataclasses import replace

    from search.backends.whoosh import writer as whoosh_writer
    from search.backends.whoosh.columns import build_columns
    from search.backends.whoosh.schema import decode_facets

    monkeypatch.setattr(whoosh_writer, "SEGMENT_DOCS", 3)
    index_dir = tmp_path / "index"
    build(index_dir)
    reader = WhooshBackend(Settings(index_dir=index_dir))
    reader.search(SearchRequest())
    changes: list[Callable[[Any], None]] = [
        lambda w: w.add(replace(DOCS[0], actors=("ANGELA MERKEL", "Zed Newcomer"))),
        lambda w: w.delete(DOCS[1].id),
        lambda w: w.add(replace(DOCS[2], id="new-1", key="new-1", story="story-x")),
        lambda w: w.add(replace(DOCS[0], actors=())),  # its new spelling and name go again
    ]
    for change in changes:
        before = dict(reader._segment_columns)
        writer = reader.writer()
        change(writer)
        writer.commit()
        reader.search(SearchRequest())
        after = reader._segment_columns
        kept = [key for key in before if key in after]
        assert kept and all(after[key] is before[key] for key in kept)  # not read again
        fresh = WhooshBackend(Settings(index_dir=index_dir))
        fresh.search(SearchRequest())
        assert reader._snap is not None and fresh._snap is not None
        _same_columns(reader._snap.columns, fresh._snap.columns)
        # ... and those of one pass over the live documents, segments ignored.
        whole = fresh._snap.searcher.reader()
        column = whole.column_reader("facets")
        records = ((d, decode_facets(column[d])) for d in whole.all_doc_ids())
        _same_columns(reader._snap.columns, build_columns(records, whole.doc_count_all()))
        assert reader.facet_values("actor", limit=100) == fresh.facet_values("actor", limit=100)


def _same_part(a: Any, b: Any) -> None:
    """Two ``SegmentColumns`` hold the same arrays, values and keys."""
    import numpy as np

    assert a.size == b.size
    for name in ("day", "stamp", "copy_codes", "story_codes"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    assert a.copy_keys == b.copy_keys and a.story_keys == b.story_keys
    assert a.facets.keys() == b.facets.keys()
    for name, facet in a.facets.items():
        other = b.facets[name]
        assert facet.spellings == other.spellings and facet.values == other.values, name
        for part in ("folded_of", "docs", "ids", "spell_docs", "spell_ids"):
            x, y = getattr(facet, part), getattr(other, part)
            assert x.dtype == y.dtype and np.array_equal(x, y), (name, part)


def test_segment_columns_are_saved_beside_their_segments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Each committed segment's columns are saved in a file Whoosh deletes with the
    segment; an index opens from them with the columns its records give, and a missing,
    damaged or older file is ignored (the records are decoded instead)."""
    from dataclasses import replace

    from whoosh import index as whoosh_index

    from search.backends.whoosh import colcache
    from search.backends.whoosh import writer as whoosh_writer

    monkeypatch.setattr(whoosh_writer, "SEGMENT_DOCS", 3)
    index_dir = tmp_path / "index"
    two_segments(index_dir, DOCS, 5, [DOCS[0].id])
    writer = WhooshBackend(Settings(index_dir=index_dir)).writer()
    writer.add(replace(DOCS[1], actors=("Zed Newcomer",)))
    writer.commit()
    gen_dir = next(p for p in index_dir.iterdir() if p.is_dir())
    with whoosh_index.open_dir(str(gen_dir)).reader() as reader:
        leaves = [(leaf, leaf.doc_count_all()) for leaf, _ in reader.leaf_readers()]
        assert len(leaves) > 1
        ids = {leaf.segment().segment_id() for leaf, _ in leaves}
        assert {p.name for p in gen_dir.glob("*" + colcache.SUFFIX)} == {
            i + colcache.SUFFIX for i in ids
        }  # one per live segment; merged ones went with their segments
        for leaf, size in leaves:
            saved = colcache.load(colcache.cache_path(gen_dir, leaf.segment().segment_id()), size)
            _same_part(saved, colcache.decode(leaf, size))

    def opened() -> WhooshBackend:
        backend = WhooshBackend(Settings(index_dir=index_dir))
        backend.search(SearchRequest())
        return backend

    from_files = opened()
    files = sorted(gen_dir.glob("*" + colcache.SUFFIX))
    for path in files:
        path.unlink()
    from_records = opened()
    assert from_files._snap is not None and from_records._snap is not None
    _same_columns(from_files._snap.columns, from_records._snap.columns)
    assert from_files.facet_values("actor", limit=100) == from_records.facet_values(
        "actor", limit=100
    )

    with whoosh_index.open_dir(str(gen_dir)).reader() as reader:
        assert colcache.save_missing(reader, gen_dir) == len(files)
    files[0].write_bytes(b"not an npz")
    monkeypatch.setattr(colcache, "FORMAT", colcache.FORMAT + 1)  # the others: older
    damaged = opened()
    assert damaged._snap is not None
    _same_columns(damaged._snap.columns, from_records._snap.columns)
    assert any("ignoring the column cache" in r.message for r in caplog.records)


def test_an_index_without_segments_answers_empty(tmp_path: Path) -> None:
    """A build that wrote no document leaves no segment: Whoosh reads it through an empty
    reader, whose one leaf has no segment (the per-segment columns skip it)."""
    build(tmp_path / "index", ())
    backend = WhooshBackend(Settings(index_dir=tmp_path / "index"))
    assert backend.search(SearchRequest()).total == 0
    assert backend.facet_values("actor") == []


def test_documents_without_an_id_are_each_a_group_of_their_own_across_segments() -> None:
    import numpy as np

    from search.backends.whoosh.columns import merge_columns, segment_columns

    part = segment_columns([(0, {}), (1, {"i": "a", "g": "g1"})], 2)
    merged = merge_columns([(part, np.ones(2, dtype=bool)), (part, np.ones(2, dtype=bool))])
    codes = merged.copies.codes.tolist()
    assert len({codes[0], codes[2]}) == 2  # the two id-less documents are not one group
    assert codes[1] == codes[3]  # the same copy group in both segments is one
    assert merged.copies.keys[codes[0]] == "#0" and merged.copies.keys[codes[2]] == "#2"


def test_facet_counts_by_mask_equal_counts_by_gather(monkeypatch: pytest.MonkeyPatch) -> None:
    """A facet's counts over many documents (a mask of the index) and over few (their
    slices gathered) agree, for every subset of a small index."""
    import itertools

    import numpy as np

    from search.backends.whoosh import columns as cols_mod

    records = [
        (0, {"a": ["Putin", "OPEC"]}),
        (1, {}),
        (2, {"a": ["opec"]}),
        (3, {"a": ["Putin", "Xi Jinping", "OPEC"]}),
        (4, {"a": ["Xi Jinping"]}),
    ]
    column = cols_mod.build_columns(records, 5).facet("actor")
    for n in range(6):
        for docs in itertools.combinations(range(5), n):
            chosen = np.array(docs, dtype=np.int64)
            monkeypatch.setattr(cols_mod, "DENSE_SHARE", 0)
            gathered = column.counts(chosen)
            monkeypatch.setattr(cols_mod, "DENSE_SHARE", 10**9)
            assert column.counts(chosen).tolist() == gathered.tolist(), docs
    assert column.counts(np.arange(5)).tolist() == [2, 3, 2]  # Putin, OPEC, Xi Jinping


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
from search.backends.whoosh.writer import INLINE_POSTINGS
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
    """The lock held by another process is busy (flock); the kernel frees it when that
    process dies, even by SIGKILL."""
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
from search.backends.whoosh.writer import INLINE_POSTINGS
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
from search.backends.whoosh.writer import INLINE_POSTINGS
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
