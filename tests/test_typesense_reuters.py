"""A real reindex of the whole Reuters archive into a real local Typesense node (issue 16's
archive-sized check: 21 files, then the 22nd's first articles added incrementally; NER
for ~21,000 articles, ~5.5 min on a quiet 2-core machine), and into Whoosh, in the slow
tier; ``DATELINE_TEST_REUTERS=one`` runs it on one file (1,000 articles) for a quick look.
On the whole archive the two engines hold the same ~24,300 actor values, spellings and
counts included (docs/benchmarks.md, "A million articles").

Issue 16: ``dateline reindex --full`` on Typesense ended in ``httpx.InvalidURL: URL
component 'query' too long`` because the corpus-alias pass lists every actor
(``facet_values("actor", "", limit=10_000_000)``) and the spelling lookup put every name
into one GET. Here the whole path runs as a user runs it (``SearchService.reindex``:
sources, cleaning, NER, import, alias pass), every request's query string is recorded and
must stay short, and the value lists must equal the Whoosh backend's for the same file.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from benchmarks.bench_query import load_queries
from search.backends.typesense.client import Api
from search.backends.typesense.listing import EXPORT_DOCS, shard_ranges
from search.backends.typesense.schema import SHARDS
from search.backends.typesense.server import Cluster
from search.errors import QueryError
from search.models import IndexDocument, SearchRequest
from search.service import SearchService
from search.settings import PROJECT_ROOT, Settings, corpora_dir
from tests.typesense_helpers import start_cluster, ts_settings

pytestmark = pytest.mark.slow

# Longest query string any request may carry: a search's parameters, never a list that
# grows with the archive (servers and proxies refuse URLs of a few KB).
MAX_QUERY_CHARS = 4096
NEW_ARTICLES = 20
WHOLE_ARCHIVE = os.environ.get("DATELINE_TEST_REUTERS", "") != "one"


class RequestLog:
    """Every request the Typesense clients send: (method, path, query string length,
    lines of a text answer: the documents of an export)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int, int]] = []

    def longest_query(self) -> int:
        """Length of the longest query string sent."""
        return max((n for _, _, n, _ in self.calls), default=0)

    def largest_export(self) -> int:
        """Most documents one export answer held."""
        return max((lines for m, _, _, lines in self.calls if m == "get_text"), default=0)

    def clear(self) -> None:
        """Forget the requests seen so far."""
        self.calls.clear()


@pytest.fixture(scope="module")
def requests_seen() -> Iterator[RequestLog]:
    """Record the query-string length of every GET and POST of ``Api``."""
    seen = RequestLog()

    def wrap(method: str) -> Any:
        original = getattr(Api, method)

        def recorded(self: Api, path: str, *args: Any, **kw: Any) -> Any:
            params = kw.get("params")
            if params is None and method.startswith("get") and args:
                params = args[0]
            if params is None and method.startswith("post") and len(args) > 1:
                params = args[1]
            answer = original(self, path, *args, **kw)
            lines = answer.count("\n") + 1 if isinstance(answer, str) and answer else 0
            seen.calls.append((method, path, len(urlencode(params or {})), lines))
            return answer

        return recorded

    with pytest.MonkeyPatch.context() as mp:
        for method in ("get", "get_text", "post", "post_text"):
            mp.setattr(Api, method, wrap(method))
        yield seen


@pytest.fixture(scope="module")
def reuters_files() -> tuple[list[Path], Path]:
    """The files indexed (all but the last; reut2-000.sgm with DATELINE_TEST_REUTERS=one)
    and the file whose first articles are added later; or skip."""
    files = sorted((corpora_dir() / "reuters21578").glob("reut2-*.sgm"))
    if len(files) < 2:
        pytest.skip(f"Reuters-21578 not found under {corpora_dir()} (set DATELINE_CORPORA)")
    return (files[:-1], files[-1]) if WHOLE_ARCHIVE else (files[:1], files[1])


@pytest.fixture(scope="module")
def node() -> Iterator[Cluster]:
    """One local Typesense node (skips when the binary is not installed)."""
    cluster = start_cluster(1)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def index_dirs() -> tuple[Path, Path]:
    """The Typesense and Whoosh folders (extraction cache, alias state, the Whoosh index),
    kept in tests/artifacts (ignored by git) so NER runs once per machine, not once per
    session. Separate: the alias pass keeps per-index state there."""
    name = "typesense-reuters-all" if WHOLE_ARCHIVE else "typesense-reuters-1000"
    root = PROJECT_ROOT / "tests" / "artifacts" / name
    folders = (root / "typesense", root / "whoosh")
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    return folders


@pytest.fixture(scope="module")
def pair(
    node: Cluster,
    index_dirs: tuple[Path, Path],
    reuters_files: tuple[list[Path], Path],
    requests_seen: RequestLog,
) -> tuple[SearchService, SearchService, float]:
    """A full Typesense reindex of the files (the bug), then Whoosh of the same files."""
    ts_dir, whoosh_dir = index_dirs
    files = reuters_files[0]
    settings = ts_settings(node, ts_dir, "reuters")
    typesense = SearchService(_workers(settings))
    requests_seen.clear()
    started = time.perf_counter()
    report = typesense.reindex(files, full=True)
    seconds = time.perf_counter() - started
    assert report.indexed == report.total_documents >= 900 * len(files), report
    # The same articles' NER, done once: the extraction cache is keyed by content.
    shutil.copyfile(ts_dir / "extractions.sqlite", whoosh_dir / "extractions.sqlite")
    whoosh = SearchService(_workers(Settings(index_dir=whoosh_dir)))
    whoosh.reindex(files, full=True)
    return whoosh, typesense, seconds


def _workers(settings: Settings) -> Settings:
    """``settings`` with NER in the reindexing process (a shared 2-core machine); the
    whole archive uses a worker per core."""
    return replace(settings, extract_workers=0 if WHOLE_ARCHIVE else 1)


def test_full_reindex_sends_no_long_url(pair, requests_seen: RequestLog) -> None:
    whoosh, typesense, seconds = pair
    print(f"typesense full reindex of {typesense.backend.count():,} articles: {seconds:.1f} s")
    assert typesense.backend.count() == whoosh.backend.count()
    assert requests_seen.longest_query() <= MAX_QUERY_CHARS


@pytest.mark.parametrize("facet", ["actor", "country", "source"])
def test_all_values_equal_whoosh(pair, facet: str, requests_seen: RequestLog) -> None:
    whoosh, typesense, _ = pair
    requests_seen.clear()
    ts_values = typesense.backend.facet_values(facet, "", limit=10**7)
    assert requests_seen.longest_query() <= MAX_QUERY_CHARS
    _assert_same_values(ts_values, whoosh.backend.facet_values(facet, "", limit=10**7))


def test_prefixed_and_cut_values_equal_whoosh(pair) -> None:
    whoosh, typesense, _ = pair
    for prefix, limit in (("a", 10**7), ("", 3000), ("", 50), ("Ja", 10), ("zzzq", 10)):
        ts_values = typesense.backend.facet_values("actor", prefix, limit)
        w_values = whoosh.backend.facet_values("actor", prefix, limit)
        _assert_same_values(ts_values, w_values, cut=limit < 10**7)


def test_committed_queries_equal_whoosh_where_the_analysers_agree(pair) -> None:
    """The committed query set (benchmarks/queries.txt): filter-only searches (no text,
    so no analyser) have Whoosh's totals; text searches differ where stemming does
    (Typesense 0.24 has none: "oil" does not find "oils"), listed, never more than Whoosh
    by more than a tenth."""
    whoosh, typesense, _ = pair
    differences = []
    for bq in load_queries():
        request = bq.request()
        try:
            ts_total = typesense.search(request).total
        except QueryError:  # OR: Typesense cannot express it, and says so
            assert " OR " in bq.q
            continue
        w_total = whoosh.search(request).total
        if not bq.q:
            assert ts_total == w_total, bq
        elif ts_total != w_total:
            differences.append(f"{bq.kind} {bq.q!r}: Typesense {ts_total}, Whoosh {w_total}")
            assert ts_total <= 1.1 * w_total, bq
    print("\n".join(differences))


def test_exports_stream_every_match(pair) -> None:
    """``format=ndjson`` and ``csv`` through the API: one line per match, in bounded pages."""
    from web import create_app

    _, typesense, _ = pair
    client = create_app({"SETTINGS": typesense.settings, "TESTING": True}).test_client()
    for query in ("q=oil", "country=JP", "q=&group=none"):
        for fmt in ("ndjson", "csv"):
            answer = client.get(f"/api/search?{query}&format={fmt}")
            assert answer.status_code == 200, answer.get_data(as_text=True)
            lines = answer.get_data(as_text=True).splitlines()
            header = 1 if fmt == "csv" else 0
            assert len(lines) - header == int(answer.headers["X-Total-Count"]), (query, fmt)


def test_incremental_reindex_after_the_full_one(
    pair, reuters_files: tuple[list[Path], Path], tmp_path: Path, requests_seen: RequestLog
) -> None:
    whoosh, typesense, _ = pair
    files, later = reuters_files
    before = typesense.backend.count()
    again = typesense.reindex(files)
    assert (again.indexed, again.removed, again.unchanged) == (0, 0, before)
    extra = _first_articles(later, tmp_path, NEW_ARTICLES)
    requests_seen.clear()
    report = typesense.reindex([*files, extra])
    assert report.indexed == NEW_ARTICLES and report.total_documents == before + NEW_ARTICLES
    assert requests_seen.longest_query() <= MAX_QUERY_CHARS
    whoosh.reindex([*files, extra])
    ts_values = typesense.backend.facet_values("actor", "", limit=10**7)
    _assert_same_values(ts_values, whoosh.backend.facet_values("actor", "", 10**7))


def test_twenty_thousand_actors_listed_completely(
    node: Cluster, tmp_path: Path, requests_seen: RequestLog
) -> None:
    """An archive-sized value list (~20,000 distinct actors) without NER: all of them,
    with their counts, every request short and every answer bounded."""
    docs = [_many_actor_doc(i) for i in range(5000)]
    service = SearchService(ts_settings(node, tmp_path, "actors20k"))
    writer = service.backend.writer(full=True)
    for doc in docs:
        writer.add(doc)
    writer.commit()
    expected = Counter(a for d in docs for a in d.actors)
    assert len(expected) >= 20_000
    requests_seen.clear()
    values = service.backend.facet_values("actor", "", limit=10**7)
    assert dict(values) == dict(expected)
    assert values == sorted(values, key=lambda vc: (-vc[1], vc[0]))
    assert requests_seen.longest_query() <= MAX_QUERY_CHARS
    assert requests_seen.largest_export() <= 1.25 * EXPORT_DOCS
    assert len(requests_seen.calls) <= len(docs) / EXPORT_DOCS + 4
    assert sum(1 for _ in service.backend.iter_documents()) == len(docs)
    assert requests_seen.largest_export() <= 1.25 * EXPORT_DOCS


def test_long_actor_names_filter_and_facet_exactly(node: Cluster, tmp_path: Path) -> None:
    """Typesense cuts tokens at ~100 characters: names over 48 bytes have hashed keys,
    so two long names sharing their first 50 bytes stay apart in filters and facets."""
    stem = "Organisation for Economic Cooperation and Development"
    names = (stem, stem + " Secretariat", stem.upper() + " Secretariat", "OPEC")
    docs = [
        replace(doc, actors=(names[i % 3], "OPEC"), actor_kinds=("org", "org"))
        for i, doc in enumerate(_many_actor_doc(i) for i in range(9))
    ]
    service = SearchService(ts_settings(node, tmp_path, "longnames"))
    writer = service.backend.writer(full=True)
    for doc in docs:
        writer.add(doc)
    writer.commit()
    assert service.search(SearchRequest(actors=(stem,))).total == 3
    assert service.search(SearchRequest(actors=(stem.lower() + " secretariat",))).total == 6
    expected = [(stem + " Secretariat", 6), (stem, 3)]
    for limit in (50, 10**7):
        listed = service.backend.facet_values("actor", "", limit)
        assert listed[0] == ("OPEC", 9)
        assert [(v.casefold(), c) for v, c in listed[1:]] == [
            (v.casefold(), c) for v, c in expected
        ]
        assert not any(v.startswith("\x00") for v, _ in listed)
    page = service.search(SearchRequest(actors=(stem,)))
    assert {(v.value, v.count) for v in page.facets["actor"].values} == {("OPEC", 3), (stem, 3)}


def test_shard_ranges_cover_every_shard_once() -> None:
    for parts in (1, 2, 3, 7, 1000, SHARDS, SHARDS + 5):
        ranges = shard_ranges(parts)
        covered = [s for low, high in ranges for s in range(low, high + 1)]
        assert covered == list(range(SHARDS)), parts


def _many_actor_doc(i: int) -> IndexDocument:
    """Article ``i`` naming four actors of its own and two of small shared pools."""
    names = {f"Actor {i * 4 + k:05d} Corp" for k in range(4)}
    names |= {f"Pool {i % 97} Holdings", f"Group {i % 13} Bank"}
    return IndexDocument(
        id=f"{i:016x}",
        key=f"/synthetic/{i}.txt",
        title=f"Story {i}",
        body=f"story {i} about trade",
        content_hash=f"h{i}",
        actors=tuple(sorted(names)),
        actor_kinds=("org",) * len(names),
    )


def _first_articles(sgm: Path, out: Path, n: int) -> Path:
    """The first ``n`` articles of ``sgm`` as a new file in ``out``."""
    if not sgm.is_file():
        pytest.skip(f"{sgm} not found")
    text = sgm.read_bytes().decode("latin-1")
    articles = re.findall(r"<REUTERS\b.*?</REUTERS>", text, re.S)[:n]
    path = out / f"{sgm.stem}-first{n}.sgm"
    path.write_bytes(("\n".join(articles) + "\n").encode("latin-1"))
    return path


def _assert_same_values(
    ts_values: list[tuple[str, int]],
    w_values: list[tuple[str, int]],
    *,
    cut: bool = False,
) -> None:
    """Equal lists, spellings included (both engines show a value in its most held
    spelling); at a cut, values tied at the last count may differ (same counts)."""
    assert [c for _, c in ts_values] == [c for _, c in w_values]
    last = w_values[-1][1] if cut and w_values else -1
    ts_set = {(v, c) for v, c in ts_values if c > last}
    w_set = {(v, c) for v, c in w_values if c > last}
    assert ts_set == w_set, sorted(ts_set ^ w_set)[:20]
