"""Reindex speed on Reuters-21578: cold full build, warm full rebuild, no-op incremental.

Usage: python -m benchmarks.bench_reindex [--workers N] [--corpus DIR] [--keep DIR] [--cold-only]
Prints articles/s, words/s, peak RSS and the time per phase (clean, NER, index writing).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from search.models import ReindexReport
from search.service import SearchService
from search.settings import Settings, corpora_dir


def peak_rss_mb() -> float:
    """Peak resident memory of this process and its finished children, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def corpus_words(service: SearchService) -> int:
    """Words in the indexed title and body text (the unit of words/s)."""
    return sum(len(d.title.split()) + len(d.body.split()) for d in service.backend.iter_documents())


def describe(label: str, report: ReindexReport, words: int) -> str:
    """One benchmark line with the phase split."""
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(report.timings.items()))
    return (
        f"{label}: {report.seconds:.1f} s, read {report.read}, indexed {report.indexed}, "
        f"unchanged {report.unchanged}; {report.read / report.seconds:.0f} articles/s, "
        f"{words / report.seconds:.0f} words/s; phases: {phases}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the three reindex measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=corpora_dir() / "reuters21578")
    parser.add_argument("--workers", type=int, default=2, help="NER processes")
    parser.add_argument("--keep", type=Path, help="index folder to build (default: a temp dir)")
    parser.add_argument("--cold-only", action="store_true", help="stop after the cold build")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus} (set DATELINE_CORPORA)", file=sys.stderr)
        return 2
    index_dir = args.keep or Path(tempfile.mkdtemp(prefix="dateline-bench-"))
    if index_dir.exists():
        shutil.rmtree(index_dir)
    service = SearchService(Settings(index_dir=index_dir, extract_workers=args.workers))
    only = " --cold-only" if args.cold_only else ""
    print(f"command: python -m benchmarks.bench_reindex --workers {args.workers}{only}")
    cold = service.reindex([args.corpus], full=True)
    words = corpus_words(service)
    print(describe("cold full reindex", cold, words))
    if args.cold_only:
        if not args.keep:
            shutil.rmtree(index_dir, ignore_errors=True)
        return 0
    warm = service.reindex([args.corpus], full=True)
    print(describe("warm full rebuild (extraction cache)", warm, words))
    started = time.perf_counter()
    noop = service.reindex([args.corpus])
    print(describe("no-op incremental reindex", noop, words))
    print(f"no-op wall time {time.perf_counter() - started:.1f} s")
    size = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) / 2**20
    print(
        f"documents {noop.total_documents}, words {words}, index on disk {size:.0f} MB, "
        f"peak RSS {peak_rss_mb():.0f} MB"
    )
    if not args.keep:
        shutil.rmtree(index_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
