"""Issue 7 item 4, short version: the production server under load during full reindexes.

200 requests from 8 client threads against ``dateline serve`` over a small index, while
``dateline reindex --full`` runs in a loop: zero errors, and every reindex succeeds. Wall
time is reported, never asserted (the figures for Reuters are in docs/reliability.md,
from ``python -m benchmarks.bench_load``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.bench_load import (
    ReindexLoop,
    describe,
    discover,
    peak_rss_mb,
    plan_requests,
    run_load,
    serving,
)
from tests.reliability_helpers import run_dateline, write_corpus

REQUESTS = 200
CLIENTS = 8
TIME_LIMIT_S = 180


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(corpus, index) of 60 generated articles."""
    root = tmp_path_factory.mktemp("load")
    write_corpus(root / "corpus", 60, seed=11)
    run = run_dateline("reindex", root / "corpus", "--quiet", index_dir=root / "index")
    assert run.returncode == 0, run.describe()
    return root / "corpus", root / "index"


def test_no_errors_under_load_while_reindexing(
    small_index: tuple[Path, Path], tmp_path: Path
) -> None:
    """Mixed searches and drill-downs during repeated full rebuilds: all answered, all 200."""
    corpus, index = small_index
    with serving(index, threads=4, log=tmp_path / "serve.log") as (hostport, pid):
        found = discover(hostport)
        assert found["ids"] and found["actor"] and found["country"], found
        plan = plan_requests(found, REQUESTS, seed=3)
        loop = ReindexLoop(index, corpus, tmp_path / "reindex.log").start()
        try:
            result = run_load(hostport, plan, CLIENTS, TIME_LIMIT_S)
        finally:
            loop.stop(wait_s=120)
        rss = peak_rss_mb(pid)
    print("\n" + describe(result, CLIENTS, loop, rss))
    log = (tmp_path / "serve.log").read_text(errors="replace")
    assert result.errors == []
    assert len(result.latencies_ms) == REQUESTS
    assert loop.exit_codes and set(loop.exit_codes) == {0}, (tmp_path / "reindex.log").read_text()
    assert "Traceback" not in log, log[-3000:]
