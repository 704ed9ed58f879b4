"""Archive-sized builds (issue 16): 100k, 300k and 1M news-like articles into Whoosh and
Typesense, without NER, and the committed query set through ``SearchService``.

The articles are grown from an existing Reuters-21578 index by ``benchmarks.synth``
(every document copied with its date shifted by k years and its paragraphs rotated, so
actors, countries and sources keep Reuters' real distributions; the entities are the
stored ones, extraction is not re-run). Build that index once, e.g.::

    dateline --index /tmp/reuters-idx reindex ../shared/corpora/reuters21578

Then, from the project root::

    .venv/bin/python -m benchmarks.bench_scale --source /tmp/reuters-idx \\
        --sizes 100000,300000,1000000 --engines whoosh,typesense --workdir /tmp/bench-scale

Each Whoosh build, query run and increment runs in a child process of its own, so its
peak RSS is its own: the builder's, then a fresh serving process's (the figure a web
worker would show). Typesense runs on 1 node (``--nodes 3``: a cluster on this machine);
its nodes' RSS is read from /proc. ``--clients 1,4,8`` also runs the query set with 4 and
8 users searching at once through one service, as a web server's threads do (p50, p95,
searches/s). Every figure is printed with the command. Tests never
run this; it takes hours at 1M on two cores.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks.bench_query import BenchQuery, load_queries, percentile
from benchmarks.synth import scaled_documents
from search.errors import QueryError
from search.malloc import limit_arenas
from search.models import IndexDocument
from search.service import SearchService
from search.settings import Settings

INCREMENT = 1000  # articles added to a built index (the increment measured)


def source_documents(source: Path) -> Iterator[IndexDocument]:
    """The documents of the source index, streamed (none of them kept)."""
    backend = SearchService(Settings(index_dir=source)).backend
    for doc in backend.iter_documents():
        yield replace(doc, indexed_at=None)


def generated(source: Path, size: int, offset: int = 0) -> Iterator[IndexDocument]:
    """``size`` articles grown from ``source`` (skipping the first ``offset``).

    Every source document is copied ``factor`` times in turn, so the stream never holds
    more than one source document and its copies.
    """
    count = SearchService(Settings(index_dir=source)).backend.count()
    factor = -(-(size + offset) // max(count, 1))
    docs = scaled_documents(source_documents(source), factor)
    return itertools.islice(docs, offset, offset + size)


def increment(source: Path, size: int) -> Iterator[IndexDocument]:
    """``INCREMENT`` articles not in the first ``size``: copies the build never made."""
    for doc in itertools.islice(source_documents(source), INCREMENT):
        key = f"{doc.key}@added"
        yield replace(doc, id=f"added-{doc.id}", key=key)


def peak_rss_mb() -> float:
    """This process's peak RSS, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """This process's current RSS, MB (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def dir_mb(path: Path) -> float:
    """Bytes under ``path``, MB."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def build(service: SearchService, docs: Iterator[IndexDocument]) -> dict[str, float]:
    """A full build of ``docs`` through the backend's writer (batched by the writer)."""
    started = time.perf_counter()
    writer = service.backend.writer(full=True)
    n = 0
    for doc in docs:
        writer.add(doc)
        n += 1
    writer.commit()
    seconds = time.perf_counter() - started
    return {"documents": n, "seconds": seconds, "per_second": n / seconds}


def query_latencies(
    service: SearchService, repeat: int, clients: Sequence[int] = ()
) -> dict[str, Any]:
    """p50/p95 (ms) per query kind and overall, after one warm-up pass; then, for each
    number in ``clients`` above 1, the same passes with that many users at once."""
    queries: list[BenchQuery] = load_queries()
    first = time.perf_counter()
    service.search(queries[0].request())
    open_ms = (time.perf_counter() - first) * 1000
    refused = []
    for bq in list(queries):
        try:
            service.search(bq.request())
        except QueryError:  # Typesense cannot express OR: left out, and said
            refused.append(bq.q)
            queries.remove(bq)
    by_kind: dict[str, list[float]] = {"all": []}
    for _ in range(repeat):
        for bq in queries:
            t0 = time.perf_counter()
            service.search(bq.request())
            ms = (time.perf_counter() - t0) * 1000
            by_kind["all"].append(ms)
            by_kind.setdefault(bq.kind, []).append(ms)
    return {
        "refused": refused,
        "first_search_ms": open_ms,
        "latency": {k: [statistics.median(v), percentile(v, 95)] for k, v in by_kind.items()},
        "concurrent": {
            str(n): concurrent_latencies(service, queries, repeat, n) for n in clients if n > 1
        },
    }


def concurrent_latencies(
    service: SearchService, queries: list[BenchQuery], repeat: int, clients: int
) -> dict[str, float]:
    """p50/p95 (ms) and searches/s of ``repeat`` passes over ``queries`` with ``clients``
    threads searching at once through one service, as a web server's threads do (each
    takes the next query of the list when it is done with its own)."""
    work = iter([bq for _ in range(repeat) for bq in queries])
    lock = threading.Lock()
    times: list[float] = []

    def user() -> None:
        while True:
            with lock:
                bq = next(work, None)
            if bq is None:
                return
            t0 = time.perf_counter()
            service.search(bq.request())
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                times.append(ms)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients, thread_name_prefix="user") as pool:
        for future in [pool.submit(user) for _ in range(clients)]:
            future.result()
    seconds = time.perf_counter() - started
    return {
        "p50": statistics.median(times),
        "p95": percentile(times, 95),
        "per_second": len(times) / seconds,
    }


def whoosh_segments(index_dir: Path) -> list[tuple[str, int]]:
    """(segment id, documents) of the live Whoosh generation."""
    from whoosh import index

    live = index_dir / (index_dir / "CURRENT").read_text().strip()
    return [(s.segid, s.doc_count_all()) for s in index.open_dir(str(live))._segments()]


# -- child processes (one measurement each) ------------------------------------------------


def child_build_whoosh(args: argparse.Namespace) -> dict[str, Any]:
    """Build a Whoosh index of ``args.size`` articles."""
    index_dir = Path(args.index)
    shutil.rmtree(index_dir, ignore_errors=True)
    service = SearchService(Settings(index_dir=index_dir))
    out = build(service, generated(Path(args.source), args.size))
    out["peak_rss_mb"] = peak_rss_mb()
    out["disk_mb"] = dir_mb(index_dir)
    out["segments"] = len(whoosh_segments(index_dir))
    return out


def child_serve(args: argparse.Namespace) -> dict[str, Any]:
    """Query latencies and RSS of a fresh serving process (malloc arenas capped as
    ``dateline serve`` caps them)."""
    limit_arenas()
    settings = Settings(index_dir=Path(args.index))
    if args.typesense:
        settings = Settings(
            index_dir=Path(args.index),
            backend="typesense",
            typesense_nodes=args.typesense,
            typesense_api_key=os.environ.get("DATELINE_TYPESENSE_API_KEY", ""),
        )
    service = SearchService(settings)
    out = query_latencies(service, args.repeat, _clients(args.clients))
    out["rss_mb"] = rss_mb()
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def child_add_whoosh(args: argparse.Namespace) -> dict[str, Any]:
    """Add INCREMENT articles to a built Whoosh index in one incremental commit."""
    index_dir = Path(args.index)
    before = whoosh_segments(index_dir)
    service = SearchService(Settings(index_dir=index_dir))
    started = time.perf_counter()
    writer = service.backend.writer()
    for doc in increment(Path(args.source), args.size):
        writer.add(doc)
    writer.commit()
    seconds = time.perf_counter() - started
    after = whoosh_segments(index_dir)
    kept = {s for s, _ in before} & {s for s, _ in after}
    biggest = max(before, key=lambda s: s[1])
    return {
        "seconds": seconds,
        "segments_before": len(before),
        "segments_after": len(after),
        "documents_in_kept_segments": sum(n for s, n in before if s in kept),
        "largest_segment_kept": biggest[0] in kept,
        "peak_rss_mb": peak_rss_mb(),
    }


def _clients(spec: str) -> list[int]:
    """``--clients`` as numbers ("1,4,8" -> [1, 4, 8])."""
    return [int(n) for n in spec.split(",") if n.strip()]


CHILDREN = {
    "build-whoosh": child_build_whoosh,
    "serve": child_serve,
    "add-whoosh": child_add_whoosh,
}


def run_child(step: str, **options: Any) -> dict[str, Any]:
    """Run one measurement in a child process; its JSON answer."""
    argv = [sys.executable, "-m", "benchmarks.bench_scale", "--child", step]
    for key, value in options.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    done = subprocess.run(argv, check=True, capture_output=True, text=True)
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


# -- the driver ----------------------------------------------------------------------------


def run_whoosh(args: argparse.Namespace, size: int) -> dict[str, Any]:
    """Build, serve and add to a Whoosh index of ``size`` articles."""
    index_dir = args.workdir / f"whoosh-{size}"
    common = {"source": args.source, "index": index_dir, "size": size}
    result: dict[str, Any] = {"build": run_child("build-whoosh", **common)}
    result["serve"] = run_child("serve", index=index_dir, repeat=args.repeat, clients=args.clients)
    result["add"] = run_child("add-whoosh", **common)
    if not args.keep:
        shutil.rmtree(index_dir, ignore_errors=True)
    return result


def run_typesense(args: argparse.Namespace, size: int) -> dict[str, Any]:
    """Import ``size`` articles into a Typesense cluster and query it."""
    from search.backends.typesense.server import Cluster

    root = args.workdir / f"typesense-{size}"
    shutil.rmtree(root, ignore_errors=True)
    with Cluster(args.nodes, root=root / "cluster") as cluster:
        settings = Settings(
            index_dir=root / "index",
            backend="typesense",
            typesense_nodes=cluster.addresses,
            typesense_api_key=cluster.api_key,
        )
        empty = [n.rss_bytes() / 2**20 for n in cluster.nodes]
        result: dict[str, Any] = {
            "build": build(SearchService(settings), generated(args.source, size))
        }
        time.sleep(2.0)  # followers apply the last batches before memory is read
        result["node_rss_mb"] = [n.rss_bytes() / 2**20 for n in cluster.nodes]
        result["node_rss_empty_mb"] = empty
        result["disk_mb"] = dir_mb(root / "cluster")
        env = dict(os.environ, DATELINE_TYPESENSE_API_KEY=cluster.api_key)
        argv = [
            sys.executable, "-m", "benchmarks.bench_scale", "--child", "serve",
            "--index", str(root / "index"), "--repeat", str(args.repeat),
            "--clients", args.clients,
            "--typesense", cluster.addresses,
        ]  # fmt: skip
        done = subprocess.run(argv, check=True, capture_output=True, text=True, env=env)
        result["serve"] = json.loads(done.stdout.strip().splitlines()[-1])
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return result


def report(engine: str, size: int, result: dict[str, Any]) -> None:
    """Print one engine's figures at one size."""
    b = result["build"]
    print(
        f"\n{engine} {size:,}: build {b['seconds']:.1f} s, {b['per_second']:,.0f} articles/s"
        + (f", builder peak RSS {b['peak_rss_mb']:.0f} MB" if "peak_rss_mb" in b else "")
        + (f", {b['segments']} segments" if "segments" in b else "")
    )
    disk = b.get("disk_mb", result.get("disk_mb", 0.0))
    s = result["serve"]
    rss = f"serving process RSS {s['rss_mb']:.0f} MB (peak {s['peak_rss_mb']:.0f} MB)"
    if "node_rss_mb" in result:
        nodes = ", ".join(f"{r:.0f}" for r in result["node_rss_mb"])
        rss += f"; Typesense node RSS {nodes} MB"
    print(f"  index on disk {disk:.0f} MB; {rss}; first search {s['first_search_ms']:.0f} ms")
    if s["refused"]:
        print(f"  left out (the engine refuses them): {', '.join(s['refused'])}")
    print(f"  {'kind':<22}{'p50 ms':>9}{'p95 ms':>9}")
    for kind, (p50, p95) in s["latency"].items():
        print(f"  {kind:<22}{p50:>9.1f}{p95:>9.1f}")
    for n, c in s.get("concurrent", {}).items():
        print(
            f"  {n} users at once: p50 {c['p50']:.1f} ms, p95 {c['p95']:.1f} ms, "
            f"{c['per_second']:.1f} searches/s"
        )
    if "add" in result:
        a = result["add"]
        print(
            f"  +{INCREMENT:,} articles (one incremental commit): {a['seconds']:.1f} s; "
            f"segments {a['segments_before']} -> {a['segments_after']}, largest kept: "
            f"{a['largest_segment_kept']}, {a['documents_in_kept_segments']:,} documents in "
            "segments left as they were"
        )


def main(argv: list[str] | None = None) -> int:
    """Parse options; run the driver or one child measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, help="a Reuters index to grow articles from")
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--engines", default="whoosh,typesense")
    parser.add_argument("--nodes", type=int, default=1, choices=(1, 3))
    parser.add_argument("--repeat", type=int, default=3, help="passes over the query set")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bench-scale"))
    parser.add_argument("--keep", action="store_true", help="keep the built indexes")
    parser.add_argument(
        "--clients", default="1", help="users searching at once, e.g. 1,4,8 (1: one at a time)"
    )
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--index", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--typesense", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(CHILDREN[args.child](args)))
        return 0
    if args.source is None or not (args.source / "CURRENT").exists():
        parser.error("--source must name a built Dateline (Whoosh) index of Reuters-21578")
    args.workdir.mkdir(parents=True, exist_ok=True)
    shown = sys.argv[1:] if argv is None else argv
    print("command: python -m benchmarks.bench_scale " + shlex.join(shown))
    for size in (int(s) for s in args.sizes.split(",")):
        for engine in args.engines.split(","):
            run = run_whoosh if engine == "whoosh" else run_typesense
            result = run(args, size)
            report(engine, size, result)
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
