"""Node failures in a real 3-node Typesense Raft cluster on 127.0.0.1.

Through Dateline's service: no search fails while a node (the leader too) is SIGKILLed
and restarted; a rebuild interrupted by a leader kill completes, or fails with a clear
error that leaves the live index as it was; a node that was down while articles were
written serves them once restarted.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.backends.typesense.server import Cluster, Node
from search.errors import BackendError, DatelineError
from search.models import SearchRequest
from search.service import SearchService
from tests.typesense_helpers import start_cluster, synthetic_docs, ts_settings

pytestmark = pytest.mark.slow
BASE_DOCS = 3000


@pytest.fixture(scope="module")
def trio() -> Iterator[Cluster]:
    cluster = start_cluster(3)
    yield cluster
    cluster.stop()


@pytest.fixture
def service(trio: Cluster, tmp_path: Path, request: pytest.FixtureRequest) -> SearchService:
    """A service over an alias of its own, loaded with ``BASE_DOCS`` articles."""
    svc = SearchService(ts_settings(trio, tmp_path, request.node.name[:40].lower()))
    writer = svc.backend.writer(full=True)
    for doc in synthetic_docs(BASE_DOCS):
        writer.add(doc)
    writer.commit()
    _wait_replicated(trio, svc, lambda b: b.count(), BASE_DOCS)
    return svc


def _wait_replicated(
    cluster: Cluster, service: SearchService, measure, expected: object, timeout: float = 30.0
) -> None:
    """Until every running node, asked alone, gives ``expected`` (reads are served by
    whichever node the client picks, and followers apply writes a moment later)."""
    for node in cluster.nodes:
        if not node.running:
            continue
        settings = ts_settings(
            cluster, service.settings.index_dir, service.settings.typesense_collection, node.address
        )
        backend = SearchService(settings).backend
        deadline = time.monotonic() + timeout
        while (got := measure(backend)) != expected:
            assert time.monotonic() < deadline, f"node {node.address}: {got} != {expected}"
            time.sleep(0.1)


def _restore(cluster: Cluster) -> None:
    """Every node running and healthy again (a test must leave the cluster whole)."""
    for node in cluster.nodes:
        node.start()
    cluster.wait_healthy(90)


def _leader(cluster: Cluster, timeout: float = 30.0) -> Node:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        node = cluster.leader()
        if node is not None:
            return node
        time.sleep(0.2)
    raise AssertionError("no Raft leader elected")


class Searcher(threading.Thread):
    """Searches through the service until stopped; records every failure."""

    REQUESTS = (
        (SearchRequest(), BASE_DOCS),
        (SearchRequest(q="marker7"), 1),
        (SearchRequest(actors=("OPEC",)), BASE_DOCS // 5),
        (SearchRequest(q="oil", sources=("Agency",), sort="newest"), None),
    )

    def __init__(self, service: SearchService) -> None:
        super().__init__(daemon=True)
        self.service = service
        self.stop = threading.Event()
        self.done = 0
        self.failures: list[str] = []

    def run(self) -> None:
        while not self.stop.is_set():
            request, expected = self.REQUESTS[self.done % len(self.REQUESTS)]
            try:
                page = self.service.search(request)
                if expected is not None and page.total != expected:
                    self.failures.append(f"{request.q!r}: {page.total} != {expected}")
            except DatelineError as e:
                self.failures.append(f"{type(e).__name__}: {e}")
            self.done += 1
            time.sleep(0.01)


def test_searches_survive_killing_the_leader_then_a_follower(
    trio: Cluster, service: SearchService
) -> None:
    searcher = Searcher(service)
    searcher.start()
    try:
        time.sleep(0.5)
        leader = _leader(trio)
        leader.kill(signal.SIGKILL)
        new_leader = _leader(trio)  # the survivors elect one
        assert new_leader is not leader
        time.sleep(1.0)
        leader.start()
        trio.wait_healthy(90, [leader])
        follower = next(n for n in trio.nodes if n is not _leader(trio))
        follower.kill(signal.SIGKILL)
        time.sleep(2.0)
        follower.start()
        trio.wait_healthy(90, [follower])
        time.sleep(0.5)
    finally:
        searcher.stop.set()
        searcher.join(30)
        _restore(trio)
    assert searcher.failures == []
    assert searcher.done > 50


def test_rebuild_interrupted_by_a_leader_kill(trio: Cluster, service: SearchService) -> None:
    backend = service.backend
    new_docs = synthetic_docs(5000, tag="v2")
    try:
        writer = backend.writer(full=True)
        outcome = "completed"
        try:
            for i, doc in enumerate(new_docs):
                writer.add(doc)
                if i == 2500:  # two batches are in the new collection
                    _leader(trio).kill(signal.SIGKILL)
            writer.commit()
        except BackendError as e:
            writer.abort()
            outcome = str(e)
        if outcome == "completed":
            _wait_replicated(trio, service, lambda b: b.count(), len(new_docs))
            assert service.search(SearchRequest(q="v2")).total == len(new_docs)
        else:  # a clear error, and the live index exactly as it was
            assert "Typesense" in outcome
            assert backend.count() == BASE_DOCS
            assert service.search(SearchRequest(q="v1")).total == BASE_DOCS
        assert outcome == "completed", outcome  # measured: the client fails over
    finally:
        _restore(trio)


def test_incremental_writes_during_a_leader_kill_are_not_lost(
    trio: Cluster, service: SearchService
) -> None:
    backend = service.backend
    try:
        writer = backend.writer()
        for doc in synthetic_docs(2500, start=BASE_DOCS, tag="v3"):
            writer.add(doc)
        writer.delete(f"{0:016x}")
        _leader(trio).kill(signal.SIGKILL)
        writer.commit()  # the writes land on the new leader
        _wait_replicated(trio, service, lambda b: b.count(), BASE_DOCS + 2500 - 1)
        assert service.search(SearchRequest(q="v1")).total == BASE_DOCS - 1
    finally:
        _restore(trio)


def test_restarted_node_serves_what_was_written_while_it_was_down(
    trio: Cluster, service: SearchService, tmp_path: Path
) -> None:
    leader = _leader(trio)
    down = next(n for n in trio.nodes if n is not leader)
    down.kill(signal.SIGKILL)
    try:
        writer = service.backend.writer()
        for doc in synthetic_docs(700, start=BASE_DOCS, tag="late"):
            writer.add(doc)
        writer.delete(f"{1:016x}")
        writer.commit()
        down.start()
        trio.wait_healthy(90, [down])
        # Ask that node alone: what it serves is its own replica.
        only = SearchService(
            ts_settings(trio, tmp_path, service.settings.typesense_collection, down.address)
        )
        _wait_replicated(trio, service, lambda b: b.count(), BASE_DOCS + 700 - 1)
        assert only.backend.count() == BASE_DOCS + 700 - 1
        assert only.search(SearchRequest(q="late")).total == 700
        assert only.backend.get(f"{BASE_DOCS + 5:016x}") is not None
        assert only.backend.get(f"{1:016x}") is None
    finally:
        _restore(trio)


def test_pipeline_reindex_right_after_a_leader_kill(
    trio: Cluster, service: SearchService, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(5):
        (src / f"{i}.txt").write_text(
            f"Copper report {i}\n\nCopper output at mine number {i} rose in Chile.",
            encoding="utf-8",
        )
    try:
        _leader(trio).kill(signal.SIGKILL)
        # The reindex reads fingerprints and writes while the survivors elect a leader.
        report = service.reindex([src])
        assert report.indexed == 5
        _wait_replicated(trio, service, lambda b: b.count(), BASE_DOCS + 5)
        assert service.search(SearchRequest(q="copper")).total == 5
    finally:
        _restore(trio)
