"""Issue 7 item 4, short version: the production server under load during full reindexes.

At least 400 requests from 8 client threads against ``dateline serve`` over a small index
(in rounds of 200, until a full rebuild went live mid-load), while ``dateline reindex
--full`` runs in a loop: zero errors, and every reindex succeeds. Wall time is reported,
never asserted (the figures for Reuters are in docs/reliability.md,
from ``python -m benchmarks.bench_load``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.bench_load import (
    LoadResult,
    ReindexLoop,
    describe,
    discover,
    peak_rss_mb,
    plan_requests,
    run_load,
    serving,
    swaps_during,
)
from tests.reliability_helpers import run_dateline, write_corpus

MIN_REQUESTS = 400
MAX_REQUESTS = 2000
ROUND = 200
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


def merged(a: LoadResult, b: LoadResult) -> LoadResult:
    """Two consecutive load rounds as one."""
    return LoadResult(
        requests=a.requests + b.requests,
        latencies_ms=a.latencies_ms + b.latencies_ms,
        errors=a.errors + b.errors,
        seconds=a.seconds + b.seconds,
        started_at=a.started_at or b.started_at,
        ended_at=b.ended_at,
        not_run=a.not_run + b.not_run,
        by_kind={k: a.by_kind.get(k, 0) + b.by_kind.get(k, 0) for k in {*a.by_kind, *b.by_kind}},
    )


def test_no_errors_under_load_while_reindexing(
    small_index: tuple[Path, Path], tmp_path: Path
) -> None:
    """Mixed searches and drill-downs during repeated full rebuilds: all answered, all 200."""
    corpus, index = small_index
    with serving(index, threads=4, log=tmp_path / "serve.log") as (hostport, pid):
        found = discover(hostport)
        assert found["ids"] and found["actor"] and found["country"], found
        plan = plan_requests(found, MAX_REQUESTS, seed=3)
        loop = ReindexLoop(index, corpus, tmp_path / "reindex.log").start()
        try:
            # Rounds back to back until a new generation went live mid-load (and at least
            # MIN_REQUESTS were sent): the swap is what this test is about.
            result = LoadResult()
            for start in range(0, MAX_REQUESTS, ROUND):
                part = run_load(hostport, plan[start : start + ROUND], CLIENTS, TIME_LIMIT_S)
                result = merged(result, part)
                if result.requests >= MIN_REQUESTS and swaps_during(loop, result) >= 1:
                    break
        finally:
            loop.stop(wait_s=120)
        rss = peak_rss_mb(pid)
    print("\n" + describe(result, CLIENTS, loop, rss))
    log = (tmp_path / "serve.log").read_text(errors="replace")
    assert result.errors == []
    assert len(result.latencies_ms) == result.requests >= MIN_REQUESTS
    assert loop.exit_codes and set(loop.exit_codes) == {0}, (tmp_path / "reindex.log").read_text()
    # At least one new generation went live mid-load, or the test proved nothing about swaps.
    assert swaps_during(loop, result) >= 1, describe(result, CLIENTS, loop, rss)
    assert "Traceback" not in log, log[-3000:]
