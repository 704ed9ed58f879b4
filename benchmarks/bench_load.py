"""Load test of the production server while a full reindex runs (issue 7 item 4).

Usage: python -m benchmarks.bench_load [--index DIR] [--corpus DIR] [--requests 2000]
       [--clients 32] [--threads 8] [--time-limit 600] [--no-reindex] [--seed 7]

Starts ``dateline serve`` (waitress) on a free 127.0.0.1 port over the index (built from
the corpus first when DIR holds none), then sends a fixed number of requests from
concurrent client threads: searches, facet drill-downs, date filters, browsing, article
pages and HTML pages, in a seeded order. Meanwhile ``dateline reindex --full`` runs in a
loop in another process, so every request may meet a generation swap. Prints errors
(must be 0), p50/p95/p99 latency, throughput, the server's peak RSS and the command.
Everything talks to 127.0.0.1 only; every request has a timeout and the run a time limit.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from search.settings import corpora_dir

# Queries a Reuters reader would type; on another corpus most still match something.
QUERIES = (
    "oil",
    "wheat",
    "coffee",
    "gold",
    "dollar",
    "interest rates",
    '"trade deficit"',
    "opec AND prices",
    "bank OR banks",
    "tokyo",
    "grain exports",
    "sugar",
    "shares",
    "earnings",
    "merger",
    "crude oil",
    "soybeans",
    "yen",
    "bundesbank",
    "steel",
    "cotton",
    "shipping",
)
REQUEST_TIMEOUT_S = 30.0
# Share of each kind of request in the plan (they add up to 1).
MIX = (
    ("search", 0.35),
    ("drill-down", 0.25),
    ("date filter", 0.10),
    ("browse", 0.10),
    ("html page", 0.12),
    ("article", 0.08),
)


@dataclass(slots=True)
class LoadResult:
    """What one load run measured."""

    requests: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    started_at: float = 0.0  # time.monotonic() when the first request was sent
    ended_at: float = 0.0
    not_run: int = 0  # requests left when the time limit struck (counted as errors)
    by_kind: dict[str, int] = field(default_factory=dict)

    def percentile(self, p: int) -> float:
        """Latency percentile ``p`` (1-99) in ms."""
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else 0.0
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[p - 1]

    @property
    def throughput(self) -> float:
        """Completed requests per second over the whole run."""
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def dateline_command() -> list[str]:
    """The ``dateline`` command of this checkout (the module behind the console script)."""
    return [sys.executable, "-m", "web.cli"]


def fetch(hostport: str, path: str, timeout: float = REQUEST_TIMEOUT_S) -> tuple[int, bytes]:
    """One GET on a fresh connection: (status, body)."""
    conn = http.client.HTTPConnection(hostport, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@contextmanager
def serving(index_dir: Path, threads: int, log: Path) -> Iterator[tuple[str, int]]:
    """``dateline serve`` on a free port until the block ends; yields (host:port, pid)."""
    port = free_port()
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [
                *dateline_command(),
                "--index",
                str(index_dir),
                "serve",
                "--port",
                str(port),
                "--threads",
                str(threads),
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    hostport = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}; see {log}")
            try:
                if fetch(hostport, "/api/health", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer within 60 s; see {log}")
            time.sleep(0.2)
        yield hostport, proc.pid
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes], grace: float = 15) -> int | None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=grace)
    return proc.returncode


def peak_rss_mb(pid: int) -> float:
    """A live process's peak resident memory (VmHWM) in MB, 0 when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class ReindexLoop:
    """``dateline reindex --full`` run again and again in a subprocess until stopped."""

    def __init__(self, index_dir: Path, corpus: Path, log: Path) -> None:
        self.index_dir, self.corpus, self.log = index_dir, corpus, log
        self.exit_codes: list[int] = []  # of the runs that ended on their own
        self.seconds: list[float] = []
        self.finished_at: list[float] = []  # time.monotonic() at the end of each run
        self.stopped = 0  # runs still going at the end, stopped by ``stop``
        self._stopping = False
        self._stop = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._run, name="reindex-loop", daemon=True)

    def start(self) -> ReindexLoop:
        """Start the first reindex now."""
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            with open(self.log, "ab") as out:
                self._proc = subprocess.Popen(
                    [
                        *dateline_command(),
                        "--index",
                        str(self.index_dir),
                        "reindex",
                        "--full",
                        "--quiet",
                        str(self.corpus),
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            code = self._proc.wait()
            if self._stopping:
                self.stopped += 1
                return
            self.exit_codes.append(code)
            self.seconds.append(time.perf_counter() - started)
            self.finished_at.append(time.monotonic())

    def stop(self, wait_s: float) -> None:
        """Let the running reindex finish (up to ``wait_s``), then stop looping."""
        self._stop.set()
        self._thread.join(timeout=wait_s)
        if self._proc is not None and self._proc.poll() is None:
            self._stopping = True
            _stop(self._proc)  # still running: stopping it is safe by design (item 5)
            self._thread.join(timeout=30)


def discover(hostport: str) -> dict[str, Any]:
    """Facet values, dates and article ids to drill into, read from the server itself."""
    found: dict[str, Any] = {"actor": [], "country": [], "source": [], "ids": [], "years": []}
    for q in QUERIES:
        status, body = fetch(hostport, "/api/search?" + urlencode({"q": q, "facet_size": 5}))
        if status != 200:
            continue
        page = json.loads(body)
        for facet in ("actor", "country", "source"):
            for value in page["facets"][facet]["values"][:3]:
                found[facet].append((q, value["value"]))
        found["ids"] += [hit["id"] for hit in page["hits"][:3]]
        found["years"] += [b["key"][:4] for b in page["facets"]["date"]["buckets"]]
    found["years"] = sorted(set(found["years"])) or ["1987"]
    return found


def plan_requests(found: dict[str, Any], count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` (kind, path) pairs in a seeded order, mixed as ``MIX`` says."""
    rng = random.Random(seed)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    plan = []
    for _ in range(count):
        kind = rng.choices(kinds, weights)[0]
        q = rng.choice(QUERIES)
        if kind == "drill-down" and any(found[f] for f in ("actor", "country", "source")):
            facet = rng.choice([f for f in ("actor", "country", "source") if found[f]])
            q, value = rng.choice(found[facet])
            params = {"q": q, facet: value}
            if rng.random() < 0.3 and found["country"]:  # a second facet narrows further
                params["country"] = rng.choice(found["country"])[1]
            path = "/api/search?" + urlencode(params)
        elif kind == "date filter":
            year = rng.choice(found["years"])
            path = "/api/search?" + urlencode({"q": q, "from": f"{year}-01", "to": f"{year}-06"})
        elif kind == "browse":
            path = "/api/search?" + urlencode({"sort": "newest", "page": rng.randint(1, 20)})
        elif kind == "html page":
            path = "/?" + urlencode({"q": q})
        elif kind == "article" and found["ids"]:
            path = f"/api/articles/{rng.choice(found['ids'])}"
        else:
            kind = "search"
            path = "/api/search?" + urlencode({"q": q, "page": rng.choice([1, 1, 1, 2])})
        plan.append((kind, path))
    return plan


def run_load(
    hostport: str, plan: list[tuple[str, str]], clients: int, time_limit: float
) -> LoadResult:
    """Send ``plan`` from ``clients`` threads; every non-200 or bad body is an error."""
    result = LoadResult(requests=len(plan))
    lock = threading.Lock()
    deadline = time.monotonic() + time_limit
    queue = iter(plan)

    def next_item() -> tuple[str, str] | None:
        with lock:
            return next(queue, None)

    def worker() -> None:
        while (item := next_item()) is not None:
            kind, path = item
            if time.monotonic() > deadline:
                with lock:
                    result.not_run += 1
                continue
            started = time.perf_counter()
            error = None
            try:
                status, body = fetch(hostport, path)
                if status != 200:
                    error = f"{status} {body[:200]!r}"
                elif not path.startswith("/?") and json.loads(body).get("ok") is not True:
                    error = f"ok is not true: {body[:200]!r}"
            except (OSError, ValueError, http.client.HTTPException) as e:
                error = f"{type(e).__name__}: {e}"
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                result.by_kind[kind] = result.by_kind.get(kind, 0) + 1
                if error:
                    result.errors.append(f"GET {path}: {error}")
                else:
                    result.latencies_ms.append(elapsed)

    started = time.perf_counter()
    result.started_at = time.monotonic()
    with ThreadPoolExecutor(clients, thread_name_prefix="client") as pool:
        for future in [pool.submit(worker) for _ in range(clients)]:
            future.result()
    result.seconds = time.perf_counter() - started
    result.ended_at = time.monotonic()
    if result.not_run:
        result.errors.append(f"{result.not_run} requests not sent: time limit {time_limit} s")
    return result


def ensure_index(index_dir: Path, corpus: Path, log: Path) -> float:
    """Build the index from ``corpus`` unless ``index_dir`` already holds one; seconds spent."""
    if (index_dir / "CURRENT").exists():
        return 0.0
    started = time.perf_counter()
    with open(log, "ab") as out:
        subprocess.run(
            [*dateline_command(), "--index", str(index_dir), "reindex", "--quiet", str(corpus)],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=1800,
        )
    return time.perf_counter() - started


def describe(result: LoadResult, clients: int, loop: ReindexLoop | None, rss: float) -> str:
    """The figures, one per line."""
    lines = [
        f"requests {result.requests}, clients {clients}, errors {len(result.errors)}",
        f"latency ms: p50 {result.percentile(50):.1f}, p95 {result.percentile(95):.1f}, "
        f"p99 {result.percentile(99):.1f}, max {max(result.latencies_ms, default=0):.1f}",
        f"throughput {result.throughput:.1f} requests/s over {result.seconds:.1f} s",
        f"mix: {json.dumps(dict(sorted(result.by_kind.items())))}",
        f"server peak RSS {rss:.0f} MB",
    ]
    if loop is not None:
        lines.append(describe_reindexes(loop))
    lines += [f"error: {e}" for e in result.errors[:20]]
    return "\n".join(lines)


def describe_reindexes(loop: ReindexLoop) -> str:
    """How the concurrent reindexes went."""
    return (
        f"concurrent full reindexes: {len(loop.exit_codes)} finished (exit codes "
        f"{loop.exit_codes}, seconds {[round(s, 1) for s in loop.seconds]}), "
        f"{loop.stopped} still running at the end and stopped"
    )


def swaps_during(loop: ReindexLoop, result: LoadResult) -> int:
    """Full rebuilds that were swapped in while the load was running."""
    return sum(result.started_at <= t <= result.ended_at for t in loop.finished_at)


def main(argv: list[str] | None = None) -> int:
    """Run the load test and print its figures; exit 1 on any error."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="index folder (built when it holds none)")
    parser.add_argument("--corpus", type=Path, default=corpora_dir() / "reuters21578")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    parser.add_argument("--time-limit", type=float, default=600, help="seconds for the load")
    parser.add_argument("--no-reindex", action="store_true", help="no concurrent reindex")
    parser.add_argument(
        "--reindex-wait", type=float, default=30, help="seconds to let the last reindex finish"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"corpus not found: {args.corpus} (set DATELINE_CORPORA)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="dateline-load-"))
    index_dir = args.index or work / "index"
    print("command: python -m benchmarks.bench_load " + " ".join(argv or sys.argv[1:]))
    built = ensure_index(index_dir, args.corpus, work / "build.log")
    if built:
        print(f"built the index in {built:.0f} s")
    with serving(index_dir, args.threads, work / "serve.log") as (hostport, pid):
        plan = plan_requests(discover(hostport), args.requests, args.seed)
        loop = None
        if not args.no_reindex:
            loop = ReindexLoop(index_dir, args.corpus, work / "reindex.log").start()
        try:
            result = run_load(hostport, plan, args.clients, args.time_limit)
            rss = peak_rss_mb(pid)
            print(describe(result, args.clients, None, rss), flush=True)
        finally:
            if loop is not None:
                print("waiting for the running reindex to finish...", flush=True)
                loop.stop(wait_s=args.reindex_wait)
    if loop is not None:
        print(describe_reindexes(loop) + f"; {swaps_during(loop, result)} swapped in under load")
    print(f"logs: {work}")
    failed = bool(result.errors) or (loop is not None and any(loop.exit_codes))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
