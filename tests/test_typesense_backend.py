"""The Typesense backend against a real single-node server on 127.0.0.1.

Parity with the Whoosh backend (the reference) on seeds/ and on the first 500 Reuters
articles: the same documents in both give the same totals, facet counts and histograms
for filter-only queries and the same hits for unambiguous term queries. Then what only
this backend does: writes in several import batches, replaced collections dropped, a wrong
API key or a dead node reported clearly, queries it cannot express refused. The contract
every engine keeps (writes, search, filters, facets, errors) is tests/test_backend_contract.py.
"""

from __future__ import annotations

import re
import signal
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from search.backends.typesense.server import Cluster
from search.errors import BackendError, IndexMissingError, IndexVersionError, QueryError
from search.models import SearchRequest
from search.service import SearchService
from search.settings import PROJECT_ROOT, Settings
from tests.typesense_helpers import (
    page_summary,
    reuters_subset,
    start_cluster,
    synthetic_docs,
    ts_settings,
)

pytestmark = pytest.mark.slow
SEEDS = PROJECT_ROOT / "seeds"
REUTERS_ARTICLES = 500


@pytest.fixture(scope="module")
def node() -> Cluster:
    cluster = start_cluster(1)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def seed_pair(node: Cluster, tmp_path_factory: pytest.TempPathFactory):
    """Whoosh and Typesense services, each reindexed from seeds/ through the pipeline."""
    root = tmp_path_factory.mktemp("ts-seeds")
    whoosh = SearchService(Settings(index_dir=root / "whoosh"))
    whoosh.reindex([SEEDS])
    typesense = SearchService(ts_settings(node, root / "ts", "seeds"))
    report = typesense.reindex([SEEDS])
    assert report.indexed == report.total_documents > 0
    return whoosh, typesense


@pytest.fixture(scope="module")
def reuters_pair(node: Cluster, tmp_path_factory: pytest.TempPathFactory, corpora: Path):
    """The first 500 Reuters articles through the pipeline into Whoosh, then the very same
    documents into Typesense (so any difference is the backend's)."""
    corpus = corpora / "reuters21578"
    if not (corpus / "reut2-000.sgm").is_file():
        pytest.skip(f"Reuters-21578 not found in {corpus}")
    root = tmp_path_factory.mktemp("ts-reuters")
    subset = reuters_subset(corpus, root / "src", REUTERS_ARTICLES)
    # The extraction cache lives beside the index: keep it in tests/artifacts (ignored by
    # git) so NER runs once per machine, not once per test session.
    cache_dir = PROJECT_ROOT / "tests" / "artifacts" / "typesense-parity-whoosh"
    whoosh = SearchService(Settings(index_dir=cache_dir))
    whoosh.reindex([subset], full=True)
    typesense = SearchService(ts_settings(node, root / "ts", "reuters"))
    writer = typesense.backend.writer(full=True)
    for doc in whoosh.backend.iter_documents():
        writer.add(doc)
    writer.commit()
    return whoosh, typesense


def _docs_by_id(service: SearchService) -> dict[str, object]:
    return {d.id: replace(d, indexed_at=None) for d in service.backend.iter_documents()}


def _assert_same_filtered(whoosh: SearchService, typesense: SearchService, **kw: object) -> None:
    request = SearchRequest(**kw)  # type: ignore[arg-type]
    assert page_summary(typesense.search(request)) == page_summary(whoosh.search(request)), kw


# -- parity -------------------------------------------------------------------------------


def test_seed_documents_round_trip(seed_pair) -> None:
    whoosh, typesense = seed_pair
    assert _docs_by_id(typesense) == _docs_by_id(whoosh)
    assert typesense.backend.fingerprints() == whoosh.backend.fingerprints()


def test_seed_filter_only_parity(seed_pair) -> None:
    whoosh, typesense = seed_pair
    _assert_same_filtered(whoosh, typesense)
    doc = next(iter(whoosh.backend.iter_documents()))
    for actor in doc.actors:
        _assert_same_filtered(whoosh, typesense, actors=(actor,))
    for country in doc.countries:
        _assert_same_filtered(whoosh, typesense, countries=(country,))
    _assert_same_filtered(whoosh, typesense, actors=doc.actors[:2], countries=doc.countries[:1])


def test_seed_term_queries_find_the_same_article(seed_pair) -> None:
    whoosh, typesense = seed_pair
    for q in ("putin", "Kremlin", '"unprovoked"', 'actor:"Vladimir Putin"', "nonexistentword"):
        w, t = whoosh.search(SearchRequest(q=q)), typesense.search(SearchRequest(q=q))
        assert [h.id for h in t.hits] == [h.id for h in w.hits], q
        assert t.total == w.total, q


def test_reuters_filter_only_parity(reuters_pair) -> None:
    whoosh, typesense = reuters_pair
    assert typesense.backend.count() == whoosh.backend.count()
    _assert_same_filtered(whoosh, typesense)
    _assert_same_filtered(whoosh, typesense, facet_size=50)
    browse = whoosh.search(SearchRequest(facet_size=8))
    for fv in browse.facets["actor"].values:
        _assert_same_filtered(whoosh, typesense, actors=(fv.value,))
    for fv in browse.facets["country"].values:
        _assert_same_filtered(whoosh, typesense, countries=(fv.value,))
    top = [fv.value for fv in browse.facets["country"].values[:2]]
    _assert_same_filtered(whoosh, typesense, countries=tuple(top))
    sources = tuple(fv.value for fv in browse.facets["source"].values[:2])
    if sources:
        _assert_same_filtered(whoosh, typesense, sources=sources)
    buckets = browse.dates.buckets
    if buckets:
        day = date.fromisoformat(buckets[len(buckets) // 2].key[:10].ljust(10, "-")[:7] + "-01")
        _assert_same_filtered(whoosh, typesense, date_from=day)
        _assert_same_filtered(whoosh, typesense, date_to=day)
        _assert_same_filtered(whoosh, typesense, date_from=day, date_to=day.replace(day=10))


def test_reuters_facet_values_agree(reuters_pair) -> None:
    whoosh, typesense = reuters_pair
    for facet, prefix in (("actor", ""), ("actor", "a"), ("country", "u"), ("source", "")):
        w = whoosh.facet_values(facet, prefix, 15)
        t = typesense.facet_values(facet, prefix, 15)
        # Counts agree; values tied at the last count may be any of the run (see
        # typesense.facets.TIE_FACET_VALUES), and case variants may show another spelling.
        assert [c for _, c in t] == [c for _, c in w], (facet, prefix)
        last = w[-1][1] if w else 0
        above = sorted((v.casefold(), c) for v, c in w if c > last)
        assert sorted((v.casefold(), c) for v, c in t if c > last) == above, (facet, prefix)


def test_reuters_date_sorts_agree(reuters_pair) -> None:
    whoosh, typesense = reuters_pair
    for sort in ("newest", "oldest"):
        request = SearchRequest(sort=sort, per_page=30)  # type: ignore[arg-type]
        w, t = whoosh.search(request), typesense.search(request)
        # Articles filed in the same second may come in either order: compare the times.
        assert [h.published for h in t.hits] == [h.published for h in w.hits], sort


def _unambiguous_terms(whoosh: SearchService, limit: int) -> list[str]:
    """Title words in 1-3 articles that no other word of the corpus shares a stem with
    (Whoosh stems, Typesense 0.24 cannot: "appointment" also finds "appointed")."""
    from whoosh.lang.porter import stem  # tests may use Whoosh directly

    counts: Counter[str] = Counter()
    stems: dict[str, set[str]] = {}
    for doc in whoosh.backend.iter_documents():
        counts.update({w.lower() for w in re.findall(r"\b[A-Za-z]{5,12}\b", doc.title)})
        for word in {w.lower() for w in re.findall(r"[A-Za-z]+", f"{doc.title} {doc.body}")}:
            stems.setdefault(stem(word), set()).add(word)
    terms = sorted(t for t, n in counts.items() if 1 <= n <= 3 and stems[stem(t)] == {t})
    return terms[:limit]


def test_reuters_unambiguous_term_queries_find_the_same_hits(reuters_pair) -> None:
    whoosh, typesense = reuters_pair
    terms = _unambiguous_terms(whoosh, 40)
    assert len(terms) >= 20
    differ = []
    # Rows are copy groups (the default): each engine shows its best-ranked copy, which
    # BM25 variants may pick differently, so the groups are compared, not the copy shown.
    for term in terms:
        w, t = whoosh.search(SearchRequest(q=term)), typesense.search(SearchRequest(q=term))
        if w.total <= 5 and {h.copy_group for h in t.hits} != {h.copy_group for h in w.hits}:
            differ.append((term, w.total, t.total))
        elif w.total > 5 and t.hits[0].copy_group not in {h.copy_group for h in w.hits[:5]}:
            differ.append((term, w.total, t.total))
    assert differ == []


def test_reuters_snippets_are_html_with_only_mark(reuters_pair) -> None:
    _, typesense = reuters_pair
    page = typesense.search(SearchRequest(q="oil prices", per_page=50))
    assert page.total > 0
    for hit in page.hits:
        tags = set(re.findall(r"</?[a-zA-Z][^>]*>", hit.snippet))
        assert tags <= {"<mark>", "</mark>"}, hit.snippet
        assert "<mark>" in hit.snippet or "oil" not in hit.snippet.lower()


# -- the backend's own guarantees ---------------------------------------------------------


def test_wrong_key_is_a_clear_error_without_the_key(
    node: Cluster, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    settings = replace(ts_settings(node, tmp_path, "seeds"), typesense_api_key="wrong-key-123")
    service = SearchService(settings)
    with pytest.raises(BackendError) as err:
        service.search(SearchRequest(q="oil"))
    assert "wrong-key-123" not in str(err.value)
    assert node.api_key not in str(err.value)
    assert service.health()["ok"] is False
    assert "wrong-key-123" not in caplog.text and node.api_key not in caplog.text


def test_untranslatable_query_is_a_400(seed_pair) -> None:
    _, typesense = seed_pair
    with pytest.raises(QueryError, match="OR is not supported"):
        typesense.search(SearchRequest(q="putin OR trump"))


def test_full_rebuild_in_several_imports_drops_old_collections(
    node: Cluster, tmp_path: Path
) -> None:
    """A rebuild larger than one import batch stays invisible until the alias swap; the
    collection it replaced and an aborted one are dropped from the server."""
    service = SearchService(ts_settings(node, tmp_path, "swap"))
    backend = service.backend
    first = backend.writer(full=True)
    for doc in synthetic_docs(300):
        first.add(doc)
    first.commit()
    rebuild = backend.writer(full=True)
    for doc in synthetic_docs(1500, tag="v2"):
        rebuild.add(doc)
    # 1,500 documents imported into the new collection: searches still see the old one.
    assert service.search(SearchRequest(q="v2")).total == 0
    rebuild.commit()
    assert service.search(SearchRequest(q="v2")).total == backend.count() == 1500
    aborted = backend.writer(full=True)
    for doc in synthetic_docs(10, tag="v3"):
        aborted.add(doc)
    aborted.abort()
    names = {c["name"] for c in backend.write_client.get("/collections")}
    assert len([n for n in names if n.startswith("swap_")]) == 1  # old and aborted dropped


def test_incremental_batch_larger_than_one_import(node: Cluster, tmp_path: Path) -> None:
    """An incremental batch is applied in several imports, in order: every document lands,
    and a later batch's updates and deletes apply on top."""
    backend = SearchService(ts_settings(node, tmp_path, "incr")).backend
    writer = backend.writer()
    for doc in synthetic_docs(2500):  # more than one import batch
        writer.add(doc)
    writer.commit()
    assert backend.count() == 2500
    writer = backend.writer()
    for doc in synthetic_docs(5, tag="v2"):
        writer.add(doc)
    writer.delete(f"{7:016x}")
    writer.commit()
    assert backend.count() == 2499
    assert backend.get(f"{2:016x}").content_hash == "v2-2"
    assert backend.get(f"{7:016x}") is None


def test_single_node_down_is_a_clear_error_then_recovers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    cluster = start_cluster(1)
    try:
        service = SearchService(ts_settings(cluster, tmp_path, "solo"))
        writer = service.backend.writer(full=True)
        for doc in synthetic_docs(200):
            writer.add(doc)
        writer.commit()
        cluster.nodes[0].kill(signal.SIGKILL)
        with pytest.raises(BackendError, match="Typesense cluster") as err:
            service.search(SearchRequest(q="oil"))
        assert cluster.api_key not in str(err.value)
        assert cluster.api_key not in caplog.text
        cluster.nodes[0].start()
        cluster.wait_healthy(60)
        assert SearchService(service.settings).search(SearchRequest()).total == 200
    finally:
        cluster.stop()


def test_web_api_on_typesense(seed_pair) -> None:
    from web import create_app

    _, typesense = seed_pair
    client = create_app({"TESTING": True, "SETTINGS": typesense.settings}).test_client()
    answer = client.get("/api/search?q=putin&country=RU")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["ok"] is True and body["total"] == 1
    assert "<mark>Putin</mark>" in body["hits"][0]["snippet"]
    assert body["facets"]["country"]["values"][0]["count"] == 1
    refused = client.get("/api/search?q=putin%20OR%20trump")
    assert refused.status_code == 400
    assert "OR is not supported" in refused.get_json()["error"]


def test_collection_without_copies_and_stories(node: Cluster, tmp_path: Path) -> None:
    """A collection built before copy groups and stories: searching it is a clear 503,
    an incremental writer refuses it (the reindex becomes a full one), and the full
    rebuild it advises works."""
    from search.backends.typesense.schema import schema
    from search.backends.typesense.writer import import_batch, to_typesense

    service = SearchService(ts_settings(node, tmp_path, "before_stories"))
    client = service.backend.write_client
    old = schema("before_stories_old")
    new_fields = {"copy_key", "story_key", "copy_group", "story"}
    old["fields"] = [f for f in old["fields"] if f["name"] not in new_fields]
    client.post("/collections", old)
    docs = synthetic_docs(3)
    rows = [{k: v for k, v in to_typesense(d).items() if k not in new_fields} for d in docs]
    import_batch(client, "before_stories_old", rows)
    client.put("/aliases/before_stories", {"collection_name": "before_stories_old"})
    with pytest.raises(IndexMissingError, match="another version .* --full"):
        service.search(SearchRequest())
    with pytest.raises(IndexVersionError, match="another version .* --full"):
        service.backend.writer()
    writer = service.backend.writer(full=True)
    for doc in docs:
        writer.add(doc)
    writer.commit()
    page = service.search(SearchRequest())
    assert (page.total, page.articles) == (3, 3)
