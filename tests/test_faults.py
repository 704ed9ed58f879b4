"""Issue 7 item 5: faults. Killed reindexes, broken index files, a full disk, a read-only index.

Each fault is made real: SIGKILL of a ``dateline reindex`` subprocess, bytes overwritten or
files deleted in the index folder, a 3 MB tmpfs that fills up, a read-only bind mount.
After each one the index must still answer with everything it held, the failure must be
one clear message (CLI exit 1, HTTP 503 JSON), and the next reindex must succeed.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from search.service import SearchService
from search.settings import Settings
from tests.reliability_helpers import (
    Run,
    indexed_documents,
    run_dateline,
    start_dateline,
    stop,
    write_corpus,
)
from web import create_app

KILLS = 20
SEED = 20261127
# Words of the generated corpus: every article has one of these topics.
TOPIC_QUERY = "oil OR wheat OR coffee OR gold OR shipping OR banking OR steel OR cotton"


def search_total(index_dir: Path, q: str = TOPIC_QUERY) -> int:
    """Hits for ``q`` through a fresh service (as a new web worker would see them)."""
    return SearchService(Settings(index_dir=index_dir)).search_params({"q": q}).total


def assert_clean_failure(run: Run, *words: str) -> None:
    """Exit 1, one readable message naming the problem, no traceback."""
    assert not run.timed_out, run.describe()
    assert run.returncode == 1, run.describe()
    assert "Traceback" not in run.stderr + run.stdout, run.describe()
    message = run.stderr.lower()
    assert "error" in message, run.describe()
    assert any(w in message for w in words), (words, run.describe())


# --- SIGKILL at random points -----------------------------------------------------------


@pytest.mark.slow
def test_sigkill_at_random_points_loses_nothing(tmp_path: Path) -> None:
    """20 reindexes killed at seeded random moments: all committed articles stay searchable."""
    rng = random.Random(SEED)
    base, extra = tmp_path / "base", tmp_path / "extra"
    write_corpus(base, 40, seed=1)
    extra.mkdir()
    index = tmp_path / "index"
    first = run_dateline("reindex", base, "--quiet", index_dir=index, timeout=180)
    assert first.returncode == 0, first.describe()
    committed = set(indexed_documents(index))
    assert len(committed) == 40
    # Kill within 1.2x of what a run of the same mode last took to finish. Runs after the
    # first are often faster (warm file cache), so delays scaled by the first run's time
    # alone let too many rounds finish before the kill.
    expected = {"--full": first.seconds, "incremental": first.seconds}
    outcomes = []
    for n in range(KILLS):
        write_corpus(extra, 3, seed=100 + n)  # new articles each round
        mode = rng.choice(["--full", "incremental"])
        delay = rng.uniform(0.05, expected[mode] * 1.2)
        args = ["reindex", base, extra, "--quiet"] + (["--full"] if mode == "--full" else [])
        started = time.monotonic()
        proc = start_dateline(*args, index_dir=index, log=tmp_path / f"kill-{n}.log")
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            pass
        finished = proc.poll() is not None
        if finished:
            expected[mode] = time.monotonic() - started
        stop(proc, signal.SIGKILL)
        outcomes.append((mode, round(delay, 2), "finished" if finished else "killed"))
        now = set(indexed_documents(index))
        lost = committed - now
        assert not lost, f"round {n} ({mode}, killed at {delay:.2f} s) lost {len(lost)} articles"
        assert search_total(index) == len(now), f"round {n}: search disagrees with the index"
        committed = now
    print(f"\nSIGKILL rounds (mode, delay s, outcome): {outcomes}")
    assert sum(o[2] == "killed" for o in outcomes) >= KILLS // 2, outcomes
    final = run_dateline("reindex", base, extra, "--json", index_dir=index, timeout=180)
    assert final.returncode == 0, final.describe()
    expected = 40 + 3 * KILLS
    assert final.json()["documents"] == expected
    assert len(indexed_documents(index)) == expected
    assert search_total(index) == expected


# --- corrupted or missing index files ---------------------------------------------------


def _live_generation(index: Path) -> Path:
    return index / (index / "CURRENT").read_text(encoding="ascii").strip()


def _largest(folder: Path, pattern: str) -> Path:
    return max(folder.glob(pattern), key=lambda p: p.stat().st_size)


def _garbage(path: Path) -> None:
    path.write_bytes(random.Random(5).randbytes(max(64, path.stat().st_size)))


def _truncate_half(path: Path) -> None:
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size // 2)


CORRUPTIONS: dict[str, Callable[[Path], None]] = {
    "CURRENT missing": lambda ix: (ix / "CURRENT").unlink(),
    "CURRENT names no generation": lambda ix: (ix / "CURRENT").write_text("gen-999999\n"),
    "CURRENT is binary garbage": lambda ix: _garbage(ix / "CURRENT"),
    "live generation deleted": lambda ix: shutil.rmtree(_live_generation(ix)),
    "table of contents missing": lambda ix: _largest(_live_generation(ix), "*.toc").unlink(),
    "table of contents garbage": lambda ix: _garbage(_largest(_live_generation(ix), "*.toc")),
    "term table truncated": lambda ix: _truncate_half(_largest(_live_generation(ix), "*.trm")),
    "term table garbage": lambda ix: _garbage(_largest(_live_generation(ix), "*.trm")),
    # Damaged postings (*.pst) are only noticed by the queries that read them: a clear
    # error then (tests/test_whoosh_backend.py), but health and other queries stay green.
    "whole index folder deleted": lambda ix: shutil.rmtree(ix),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A corpus and its index, built once and copied for each corruption."""
    root = tmp_path_factory.mktemp("pristine")
    write_corpus(root / "corpus", 12, seed=3)
    run = run_dateline("reindex", root / "corpus", "--quiet", index_dir=root / "index")
    assert run.returncode == 0, run.describe()
    return {
        "corpus": root / "corpus",
        "index": root / "index",
        "ids": indexed_documents(root / "index"),
    }


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_broken_index_gives_a_clear_error_and_full_reindex_recovers(
    pristine: dict[str, Any], tmp_path: Path, case: str
) -> None:
    """CLI: exit 1 with a message; HTTP: 503 in the JSON shape; ``reindex --full`` fixes it."""
    index = tmp_path / "index"
    shutil.copytree(pristine["index"], index)
    CORRUPTIONS[case](index)

    run = run_dateline("search", "oil", "--json", index_dir=index, timeout=60)
    assert_clean_failure(run, "reindex")

    app = create_app({"SETTINGS": Settings(index_dir=index)})
    client = app.test_client()
    app.logger.disabled = True  # the failure is logged on purpose; keep test output clean
    some_id = next(iter(pristine["ids"]))
    paths = ("/api/search?q=oil", f"/api/articles/{some_id}", "/?q=oil")
    seen = {path: _outcome(client.get(path)) for path in paths}
    expected = dict.fromkeys(paths, (503, False, 503, "says: run reindex"))
    expected["/?q=oil"] = (503, "page", "page", "no traceback")
    assert seen == expected

    fix = run_dateline("reindex", "--full", pristine["corpus"], "--json", index_dir=index)
    assert fix.returncode == 0, fix.describe()
    assert set(indexed_documents(index)) == set(pristine["ids"])
    assert search_total(index) == len(pristine["ids"])
    assert client.get("/api/search?q=oil").status_code == 200  # the running app recovers too


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_health_reports_a_broken_index(pristine: dict[str, Any], tmp_path: Path, case: str) -> None:
    """/api/health is what a load balancer watches: 503 while searches cannot work."""
    index = tmp_path / "index"
    shutil.copytree(pristine["index"], index)
    CORRUPTIONS[case](index)
    app = create_app({"SETTINGS": Settings(index_dir=index)})
    app.logger.disabled = True
    response = app.test_client().get("/api/health")
    data = response.get_json()
    if case == "whole index folder deleted":
        # Indistinguishable from a fresh install, where nothing was ever indexed: healthy
        # and empty (the backend's documented choice), while searches say to reindex.
        assert (response.status_code, data) == (
            200,
            {"ok": True, "backend": "whoosh", "documents": 0},
        )
        return
    assert (response.status_code, data["ok"], data.get("status")) == (503, False, 503), data
    assert "reindex" in data["error"], data


def _outcome(response: Any) -> tuple[Any, ...]:
    """(HTTP status, ok, status field, whether the message says how to recover)."""
    if response.mimetype != "application/json":
        clean = "Traceback" not in response.get_data(as_text=True)
        return (response.status_code, "page", "page", "no traceback" if clean else "TRACEBACK")
    data = response.get_json()
    hint = "says: run reindex" if "reindex" in str(data.get("error")) else repr(data)
    return (response.status_code, data.get("ok"), data.get("status"), hint)


# --- a full disk ------------------------------------------------------------------------


def _mount(*args: str) -> str | None:
    """Run mount/umount; the error text when not permitted, else None."""
    try:
        result = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError) as e:
        return str(e)
    return (
        None if result.returncode == 0 else (result.stderr.strip() or f"exit {result.returncode}")
    )


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs mounted at a temp folder (skip when this machine will not mount)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if error := _mount("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)):
        pytest.skip(f"cannot mount a size-limited tmpfs here: {error}")
    try:
        yield disk
    finally:
        if _mount("umount", str(disk)):
            _mount("umount", "-l", str(disk))


def _fill(disk: Path, leave_bytes: int) -> Path:
    """Fill ``disk`` with one file so only about ``leave_bytes`` stay free."""
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    filler = disk / "filler.bin"
    with filler.open("wb") as fh:
        fh.write(b"\0" * max(0, free - leave_bytes))
    return filler


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["--full", "incremental"])
def test_full_disk_fails_cleanly_and_the_old_index_serves(
    small_disk: Path, tmp_path: Path, mode: str
) -> None:
    """ENOSPC mid-reindex: exit 1 saying the disk is full; old index intact; retry works."""
    corpus, more = tmp_path / "corpus", tmp_path / "more"
    write_corpus(corpus, 10, seed=4)
    write_corpus(more, 20, seed=5, words=300)
    index = small_disk / "index"
    ok = run_dateline("reindex", corpus, "--quiet", index_dir=index)
    assert ok.returncode == 0, ok.describe()
    before = set(indexed_documents(index))

    filler = _fill(small_disk, leave_bytes=24 * 1024)
    args = ["reindex", corpus, more] + (["--full"] if mode == "--full" else [])
    run = run_dateline(*args, index_dir=index, timeout=180)
    assert_clean_failure(run, "full", "no space")

    assert set(indexed_documents(index)) == before
    assert search_total(index) == len(before)
    client = create_app({"SETTINGS": Settings(index_dir=index)}).test_client()
    assert client.get("/api/search?q=oil").status_code == 200
    served = run_dateline("search", "oil", "--json", index_dir=index, timeout=60)
    assert served.returncode == 0, served.describe()

    filler.unlink()  # space again: the next reindex must not trip over the failed one
    retry = run_dateline(*args, "--json", index_dir=index, timeout=180)
    assert retry.returncode == 0, retry.describe()
    assert retry.json()["documents"] == 30


# --- a read-only index folder -----------------------------------------------------------


@pytest.fixture
def read_only_index(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """An index folder made read-only by a bind mount (skip when mounting is not allowed)."""
    corpus, folder = tmp_path / "corpus", tmp_path / "ro"
    write_corpus(corpus, 8, seed=6)
    index = folder / "index"
    run = run_dateline("reindex", corpus, "--quiet", index_dir=index)
    assert run.returncode == 0, run.describe()
    ids = set(indexed_documents(index))
    if error := _mount("mount", "--bind", str(folder), str(folder)):
        pytest.skip(f"cannot bind-mount here: {error}")
    try:
        if error := _mount("mount", "-o", "remount,bind,ro", str(folder)):
            pytest.skip(f"cannot remount read-only here: {error}")
        yield {"corpus": corpus, "index": index, "ids": ids}
    finally:
        if _mount("umount", str(folder)):
            _mount("umount", "-l", str(folder))


@pytest.mark.slow
def test_read_only_index_serves_and_reindex_says_why_not(read_only_index: dict[str, Any]) -> None:
    """Searches work from a read-only folder; a reindex fails with the reason."""
    index, ids = read_only_index["index"], read_only_index["ids"]
    with pytest.raises(OSError):
        (index / "probe").write_text("x")  # the mount really is read-only

    assert set(indexed_documents(index)) == ids
    assert search_total(index) == len(ids)
    search = run_dateline("search", "oil", "--json", index_dir=index, timeout=60)
    assert search.returncode == 0, search.describe()
    client = create_app({"SETTINGS": Settings(index_dir=index)}).test_client()
    assert client.get("/api/search?q=oil").get_json()["ok"] is True
    assert client.get("/api/health").get_json() == {
        "ok": True,
        "backend": "whoosh",
        "documents": len(ids),
    }

    for extra in ([], ["--full"]):
        run = run_dateline("reindex", *extra, read_only_index["corpus"], index_dir=index)
        assert_clean_failure(run, "read-only", "write access")
    assert set(indexed_documents(index)) == ids


@pytest.mark.slow
def test_second_reindex_while_one_runs_is_told_busy(tmp_path: Path) -> None:
    """Two reindexes at once: the second exits 1 with a "busy" message, the first succeeds."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 60, seed=8, words=300)
    index = tmp_path / "index"
    first = start_dateline("reindex", corpus, "--quiet", index_dir=index, log=tmp_path / "1.log")
    try:
        deadline = time.monotonic() + 60
        while not (index / "reindex.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # past start-up: the lock is held while articles are extracted
        second = run_dateline("reindex", corpus, "--quiet", index_dir=index, timeout=60)
        if second.returncode == 0:
            # Only acceptable when the first had already finished: never two at once.
            assert first.poll() is not None, second.describe()
        else:
            assert_clean_failure(second, "busy", "another reindex", "running")
        first.wait(timeout=180)
    finally:
        stop(first)
    assert first.returncode == 0, (tmp_path / "1.log").read_text()
