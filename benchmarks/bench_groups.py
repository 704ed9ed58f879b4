"""Query latency of the Whoosh backend by grouping: copies collapsed (the default),
one row per story, and every article.

Usage:
    python -m benchmarks.bench_groups [--corpus DIR] [--factor N] [--repeat R] [--workdir DIR]

Documents: Reuters-21578 as ``benchmarks.bench_query`` reads them (corpus tags as
entities, no NER). Until the stories engine fills them at index time, copy groups and
stories are stand-ins of a realistic shape: articles with the same body (after
whitespace) are one copy group (Reuters holds 341 exact copies), and articles sharing
their first country and publication week are one story (big stories: a harder case for
collapsing than real ones). Each query of ``benchmarks/queries.txt`` asks for the first
page of 20 with facets and histogram, as in ``bench_query``.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.bench_query import (
    build_whoosh,
    load_queries,
    measure,
    percentile,
    reuters_documents,
)
from search.backends.whoosh.backend import WhooshBackend
from search.models import IndexDocument
from search.settings import Settings, corpora_dir

GROUPINGS = ("none", "copy", "story")


def with_groups(docs: list[IndexDocument]) -> list[IndexDocument]:
    """``docs`` with stand-in copy groups (same body) and stories (country and week)."""
    first_of: dict[str, str] = {}
    stories: dict[str, str] = {}
    out = []
    for doc in docs:
        body = hashlib.sha1(" ".join(doc.body.split()).encode()).hexdigest()
        first = first_of.setdefault(body, doc.id)
        week = doc.published.isocalendar()[:2] if doc.published else None
        story = ""
        if doc.countries and week:
            label = f"{doc.countries[0]}-{week[0]}-{week[1]}"
            story = stories.setdefault(label, f"story-{len(stories)}")
        out.append(replace(doc, copy_group=first if first != doc.id else "", story=story))
    # The first article of a group with copies names the group too.
    grouped = {d.copy_group for d in out if d.copy_group}
    return [replace(d, copy_group=d.id) if d.id in grouped else d for d in out]


def main(argv: list[str] | None = None) -> None:
    """Build (or reuse) the index, run the query set per grouping, print p50/p95."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=corpora_dir() / "reuters21578")
    parser.add_argument("--factor", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-groups-") as tmp:
        work = args.workdir or Path(tmp)
        index_dir = work / "index"
        if (index_dir / "CURRENT").exists():
            backend = WhooshBackend(Settings(index_dir=index_dir))
        else:
            docs = list(reuters_documents(args.corpus))
            if args.factor > 1:
                from benchmarks.synth import scaled_documents

                docs = list(scaled_documents(docs, args.factor))
            docs = with_groups(docs)
            copies = sum(1 for d in docs if d.copy_group and d.copy_group != d.id)
            print(f"documents: {len(docs)}, of which copies of another: {copies}")
            backend = build_whoosh(docs, index_dir)
        queries = load_queries()
        t0 = time.perf_counter()
        backend.count()
        print(f"open + columns: {(time.perf_counter() - t0) * 1000:.0f} ms")
        print(f"{'group':<8}{'wall p50':>10}{'p95':>8}{'cpu p50':>10}{'p95':>8}")
        for group in GROUPINGS:
            wall, cpu = measure(
                lambda bq, g=group: backend.search(replace(bq.request(), group=g)),  # type: ignore[misc]
                queries,
                args.repeat,
            )
            print(
                f"{group:<8}{percentile(wall['ALL'], 50):>10.1f}{percentile(wall['ALL'], 95):>8.1f}"
                f"{percentile(cpu['ALL'], 50):>10.1f}{percentile(cpu['ALL'], 95):>8.1f}"
            )
    print("command: python -m benchmarks.bench_groups " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
