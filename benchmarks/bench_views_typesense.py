"""The views on Typesense: the network and profiles through ``SearchService`` on a
one-node Typesense server holding the documents of a Whoosh index, timed, and checked
equal to the Whoosh backend's answers over the same documents.

Usage:
    python -m benchmarks.bench_views_typesense --index DIR [--repeat R] [--subjects N]

Starts its own server on 127.0.0.1 (the binary from scripts/install-typesense.sh) and
imports every document of ``--index`` (~20 s for Reuters), then times, per request kind,
``repeat`` calls after one warm-up (service level: no Flask, no templates).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from benchmarks.bench_query import percentile
from benchmarks.bench_typesense import import_into, load_documents
from search.backends.typesense.server import Cluster
from search.models import SearchRequest
from search.params import parse_search_params
from search.service import SearchService
from search.settings import Settings

NETWORK_QUERIES = ("", "q=oil", "q=trade", "country=JP", "source=Reuters")


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of ``repeat`` calls after one warm-up."""
    fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def line(label: str, values: list[float]) -> str:
    """One row: count, p50, p95, max."""
    return (
        f"{label:<36}{len(values):>5}{percentile(values, 50):>9.1f}"
        f"{percentile(values, 95):>9.1f}{max(values):>9.1f}"
    )


def main(argv: list[str] | None = None) -> None:
    """Import, check parity, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--subjects", type=int, default=5)
    args = parser.parse_args(argv)
    whoosh = SearchService(Settings(index_dir=args.index))
    docs = [replace(d, indexed_at=None) for d in load_documents(args.index)]
    work = Path(tempfile.mkdtemp(prefix="bench-views-ts-"))
    try:
        with Cluster(1, root=work / "cluster") as cluster:
            settings = Settings(
                index_dir=work / "ts",
                backend="typesense",
                typesense_nodes=cluster.addresses,
                typesense_api_key=cluster.api_key,
            )
            typesense = SearchService(settings)
            print(f"import: {import_into(typesense, docs):.1f} s for {len(docs):,} documents")
            requests = [parse_search_params(_pairs(q)) for q in NETWORK_QUERIES]
            same = sum(whoosh.network(r) == typesense.network(r) for r in requests)
            print(f"networks equal to Whoosh's: {same} of {len(requests)}")
            print(f"{'request (Typesense)':<36}{'n':>5}{'p50':>9}{'p95':>9}{'max':>9}")
            broad = timed(lambda: typesense.network(SearchRequest()), args.repeat)
            print(line("network, q empty", broad))
            narrow: list[float] = []
            for request in requests[1:]:
                narrow += timed(lambda r=request: typesense.network(r), args.repeat)  # type: ignore[misc]
            print(line("network, other searches", narrow))
            for kind in ("actor", "country"):
                ranked = whoosh.facet_values(kind, "", 500)
                middle = len(ranked) // 2
                subjects = [v for v, _ in ranked[: args.subjects]]
                subjects += [v for v, _ in ranked[middle : middle + args.subjects]]
                times: list[float] = []
                for value in subjects:
                    times += timed(
                        lambda k=kind, v=value: typesense.profile(k, v),  # type: ignore[misc]
                        args.repeat,
                    )
                print(line(f"{kind} profile", times))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("command: python -m benchmarks.bench_views_typesense " + " ".join(sys.argv[1:]))


def _pairs(query: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in filter(None, query.split("&")):
        key, _, value = part.partition("=")
        out.setdefault(key, []).append(value)
    return out


if __name__ == "__main__":
    main()
