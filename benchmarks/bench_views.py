"""Latency of the views on a real index: actor and country pages (the whole HTML page
and the JSON twin), and ``/api/network`` for broad and narrow searches.

Usage:
    python -m benchmarks.bench_views --index DIR [--repeat R] [--subjects N]

``--index`` is a Dateline index folder with entities (a ``dateline reindex`` of
Reuters-21578, e.g. ``DATELINE_INDEX=/tmp/reuters-idx dateline reindex --full
../shared/corpora/reuters21578``). Requests go through the Flask test client (routing,
templates and JSON included; no network). Subjects: the ``N`` most frequent actors and
countries of the archive plus ``N`` of each from the middle of the ranking (rarer
subjects have short pages). Each request is made once to warm up (per-generation caches),
then ``R`` times; p50 and p95 are over every timed request of a kind.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import quote

from benchmarks.bench_query import percentile
from search.settings import Settings
from web import create_app

NETWORK_QUERIES = ("", "q=oil", "q=trade", "country=JP", "q=bank&from=1987-03", "source=Reuters")


Timing = tuple[float, float]  # (wall ms, CPU ms) of one request


def timed(client: object, url: str, repeat: int) -> list[Timing]:
    """Wall and CPU milliseconds of ``repeat`` GETs of ``url`` (after one warm-up), each
    checked 200. CPU is this process's time: what the request cost, whatever else
    shares the cores (wall times on a loaded machine are upper bounds)."""
    get = client.get  # type: ignore[attr-defined]
    assert get(url).status_code == 200, url
    out = []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        response = get(url)
        out.append(((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000))
        assert response.status_code == 200, url
    return out


def row(label: str, timings: list[Timing]) -> str:
    """One line of the table: wall p50/p95/max, then CPU p50/p95."""
    wall = [w for w, _ in timings]
    cpu = [c for _, c in timings]
    return (
        f"{label:<34}{len(wall):>6}{percentile(wall, 50):>9.1f}{percentile(wall, 95):>9.1f}"
        f"{max(wall):>9.1f}{percentile(cpu, 50):>9.1f}{percentile(cpu, 95):>9.1f}"
    )


def main(argv: list[str] | None = None) -> None:
    """Time the pages and print p50/p95/max per kind."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--subjects", type=int, default=10)
    args = parser.parse_args(argv)
    app = create_app({"SETTINGS": Settings(index_dir=args.index), "TESTING": True})
    service = app.extensions["dateline"]
    client = app.test_client()
    started = time.perf_counter()
    documents = service.backend.count()
    opened = (time.perf_counter() - started) * 1000
    print(f"index: {args.index} ({documents:,} documents), open: {opened:.0f} ms")
    n = args.subjects
    subjects: dict[str, list[str]] = {}
    for facet in ("actor", "country"):
        ranked = service.facet_values(facet, "", 500)
        middle = len(ranked) // 2
        subjects[facet] = [v for v, _ in ranked[:n]] + [v for v, _ in ranked[middle : middle + n]]
    print(f"{'request':<34}{'n':>6}{'p50':>9}{'p95':>9}{'max':>9}{'cpu p50':>9}{'cpu p95':>9}")
    for facet, path in (("actor", "actors"), ("country", "countries")):
        pages: list[Timing] = []
        apis: list[Timing] = []
        for value in subjects[facet]:
            pages += timed(client, f"/{path}/{quote(value)}", args.repeat)
            apis += timed(client, f"/api/{path}/{quote(value)}", args.repeat)
        print(row(f"/{path}/<{facet}> (HTML page)", pages))
        print(row(f"/api/{path}/<{facet}>", apis))
    broad: list[Timing] = []
    narrow: list[Timing] = []
    for query in NETWORK_QUERIES:
        times = timed(client, f"/api/network?{query}", args.repeat * 3)
        (broad if not query else narrow).extend(times)
    print(row("/api/network (q empty)", broad))
    print(row("/api/network (other searches)", narrow))
    search_page = timed(client, "/?q=oil", args.repeat)
    print(row("/?q=oil (search page, with graph)", search_page))
    compare = timed(client, "/compare?q=oil&q=gold&actor=Ronald+Reagan", args.repeat)
    print(row("/compare (3 series)", compare))
    print("command: python -m benchmarks.bench_views " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
