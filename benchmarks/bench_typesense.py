"""Typesense vs Whoosh on the same documents, in the same run: import throughput, query
latency p50/p95 through ``SearchService``, and the Typesense node's memory (for sizing).

The documents come from an existing Whoosh index of Reuters-21578 (entity extraction is
the pipeline's cost, measured by the reindex benchmark, not a backend's), built once with

    dateline --index tests/artifacts/bench-whoosh reindex ../shared/corpora/reuters21578/*.sgm

Run from the project root:

    .venv/bin/python benchmarks/bench_typesense.py [--index DIR] [--nodes 1|3] [--rounds N]

It starts its own Typesense server(s) on 127.0.0.1 (scripts/install-typesense.sh puts the
binary in .tools/) and prints the figures with the command that produced them.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

from search.backends.typesense.server import Cluster
from search.models import IndexDocument, SearchRequest
from search.service import SearchService
from search.settings import PROJECT_ROOT, Settings

DEFAULT_INDEX = PROJECT_ROOT / "tests" / "artifacts" / "bench-whoosh"
TERMS = ("oil", "bank", "trade", "wheat", "dollar", "coffee", "gold", "profit", "tax", "shares")
PHRASES = ('"interest rates"', '"money supply"', '"crude oil"', '"trade deficit"')


def load_documents(index_dir: Path) -> list[IndexDocument]:
    """Every document of the Whoosh index in ``index_dir``."""
    service = SearchService(Settings(index_dir=index_dir))
    docs = list(service.backend.iter_documents())
    if not docs:
        sys.exit(
            f"no documents in {index_dir}: build it first with\n  DATELINE_INDEX_DIR={index_dir} "
            "dateline reindex ../shared/corpora/reuters21578/*.sgm"
        )
    return docs


def query_set(service: SearchService) -> list[tuple[str, SearchRequest]]:
    """The fixed mix: terms, phrases, facet filters, facet + date range, browse."""
    browse = service.search(SearchRequest(facet_size=5))
    out = [("term", SearchRequest(q=t)) for t in TERMS]
    out += [("phrase", SearchRequest(q=p)) for p in PHRASES]
    out += [("facet", SearchRequest(actors=(v.value,))) for v in browse.facets["actor"].values]
    out += [("facet", SearchRequest(countries=(v.value,))) for v in browse.facets["country"].values]
    months = [b.key for b in browse.dates.buckets if len(b.key) == 7][:3]
    for v, month in zip(browse.facets["country"].values, months, strict=False):
        first = date.fromisoformat(month + "-01")
        out.append(
            (
                "facet+date",
                SearchRequest(
                    q="oil", countries=(v.value,), date_from=first, date_to=first.replace(day=28)
                ),
            )
        )
    out += [("browse", SearchRequest(sort="newest")), ("browse", SearchRequest(page=5))]
    return out


def timed(fn: Callable[[], object]) -> float:
    """Milliseconds one call takes."""
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def import_into(service: SearchService, docs: list[IndexDocument]) -> float:
    """Seconds for a full rebuild of ``docs`` through the backend's writer."""
    started = time.perf_counter()
    writer = service.backend.writer(full=True)
    for doc in docs:
        writer.add(doc)
    writer.commit()
    return time.perf_counter() - started


def latencies(
    service: SearchService, queries: list[tuple[str, SearchRequest]], rounds: int
) -> dict[str, list[float]]:
    """Per-category latencies (ms) of ``rounds`` passes over ``queries`` after a warm-up."""
    for _, request in queries:
        service.search(request)
    out: dict[str, list[float]] = {}
    for _ in range(rounds):
        for kind, request in queries:
            out.setdefault(kind, []).append(timed(lambda r=request: service.search(r)))
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX, help="Whoosh index dir")
    parser.add_argument("--nodes", type=int, default=1, choices=(1, 3))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--no-whoosh-import",
        action="store_true",
        help="query Whoosh on the source index instead of importing it again (faster)",
    )
    args = parser.parse_args(argv)
    command = "python benchmarks/bench_typesense.py " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )

    docs = [replace(d, indexed_at=None) for d in load_documents(args.index)]
    words = sum(len(d.body.split()) + len(d.title.split()) for d in docs)
    work = Path(tempfile.mkdtemp(prefix="bench-typesense-"))
    # Whoosh answers from the index the documents came from when its import is not
    # timed; otherwise from a fresh index built (and timed) in this run.
    whoosh = SearchService(
        Settings(index_dir=args.index if args.no_whoosh_import else work / "whoosh")
    )
    whoosh_s = 0.0 if args.no_whoosh_import else import_into(whoosh, docs)

    with Cluster(args.nodes, root=work / "cluster") as cluster:
        typesense = SearchService(
            Settings(
                index_dir=work / "ts",
                backend="typesense",
                typesense_nodes=cluster.addresses,
                typesense_api_key=cluster.api_key,
            )
        )
        rss_before = sum(n.rss_bytes() for n in cluster.nodes) / args.nodes
        ts_s = import_into(typesense, docs)
        time.sleep(1.0)  # let followers apply the last batch before measuring memory
        rss_after = sum(n.rss_bytes() for n in cluster.nodes) / args.nodes
        disk = sum(f.stat().st_size for f in (work / "cluster").rglob("*") if f.is_file())
        queries = query_set(whoosh)
        per_backend = {
            "whoosh": latencies(whoosh, queries, args.rounds),
            "typesense": latencies(typesense, queries, args.rounds),
        }
        totals_agree = sum(
            whoosh.search(r).total == typesense.search(r).total
            for kind, r in queries
            if kind in ("facet", "browse")
        )
        filter_only = sum(kind in ("facet", "browse") for kind, _ in queries)

    shutil.rmtree(work, ignore_errors=True)
    print(f"command: {command}")
    print(f"documents: {len(docs):,} ({words:,} words) from {args.index}")
    print(f"typesense nodes: {args.nodes} (127.0.0.1, server 0.24.1)")
    if whoosh_s:
        print(
            f"import  whoosh    {whoosh_s:7.1f} s  {len(docs) / whoosh_s:8,.0f} docs/s   "
            "(full rebuild)"
        )
    print(f"import  typesense {ts_s:7.1f} s  {len(docs) / ts_s:8,.0f} docs/s   (batches of 1,000)")
    per_doc = (rss_after - rss_before) / len(docs)
    print(
        f"typesense RSS per node: {rss_before / 2**20:.0f} MB empty, {rss_after / 2**20:.0f} MB "
        f"loaded: {per_doc / 1024:.1f} KB/article -> {per_doc * 1e6 / 2**30:.1f} GB per "
        f"million articles like these (disk, all nodes: {disk / 2**20:.0f} MB)"
    )
    print(f"filter-only totals equal in both backends: {totals_agree}/{filter_only}")
    print(f"query latency over {args.rounds} rounds of {len(queries)} queries (ms):")
    if args.no_whoosh_import:
        print("  (whoosh queried on the source index; its import not timed)")
    print(f"  {'kind':<11}{'whoosh p50':>11}{'p95':>8}{'typesense p50':>15}{'p95':>8}")
    kinds = ["all", *dict.fromkeys(k for k, _ in queries)]
    for kind in kinds:
        row = []
        for name in ("whoosh", "typesense"):
            runs = per_backend[name]
            values = [v for vs in runs.values() for v in vs] if kind == "all" else runs[kind]
            row += [statistics.median(values), percentile(values, 0.95)]
        print(f"  {kind:<11}{row[0]:>11.1f}{row[1]:>8.1f}{row[2]:>15.1f}{row[3]:>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
