"""Adding one Reuters file (1,000 new articles) to an index of the rest of Reuters-21578.

    python -m benchmarks.bench_increment --build BASE [--cache EXTRACTIONS.sqlite]
    python -m benchmarks.bench_increment BASE [--rounds N] [--cached] [--workers N]

``--build`` copies every ``reut2-*.sgm`` but ``reut2-020.sgm`` into ``BASE/corpus`` (outside
the project) and builds ``BASE/index`` from it with a full reindex; ``--cache`` seeds the
extraction cache (an index's ``extractions.sqlite``), so the build does little NER. Each
round then copies ``BASE``'s index, puts ``reut2-020.sgm`` into the corpus (for the round),
drops those articles from the copy's extraction cache (unless ``--cached``: then no NER
runs) and times ``dateline --index ... reindex CORPUS`` as a user runs it: wall seconds,
the command's CPU (its NER workers included) and the report's phases. Issue 16's target:
<= 20 s wall with NER.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from search.settings import Settings, corpora_dir

DATELINE = Path(sys.executable).with_name("dateline")

ADDED = "reut2-020.sgm"


def build(base: Path, cache: Path | None) -> None:
    """The corpus less ``ADDED`` and a full index of it under ``base``."""
    from search.service import SearchService

    corpus, index = base / "corpus", base / "index"
    corpus.mkdir(parents=True)
    for path in sorted((corpora_dir() / "reuters21578").glob("reut2-*.sgm")):
        if path.name != ADDED:
            shutil.copy2(path, corpus / path.name)
    index.mkdir()
    if cache is not None:
        shutil.copy(cache, index / "extractions.sqlite")
    started = time.perf_counter()
    report = SearchService(Settings(index_dir=index)).reindex([corpus], full=True)
    print(f"built {report.indexed} articles in {time.perf_counter() - started:.0f} s")


def forget_extractions(index: Path, source: Path) -> int:
    """Drop the cached entities of ``source``'s articles, so adding them runs NER."""
    from benchmarks.story_corpora import read_clean

    hashes = [a.content_hash for a in read_clean([source])]
    with sqlite3.connect(index / "extractions.sqlite") as db:
        db.executemany("DELETE FROM extraction WHERE content_hash = ?", [(h,) for h in hashes])
    return len(hashes)


def one_round(base: Path, cached: bool, workers: int) -> dict:
    """Copy ``base``'s index, add ``ADDED`` to its corpus and time the reindex command.

    The corpus stays where the base was built (an article's id comes from its file's
    path): ``ADDED`` is put into it for the round and taken out after.
    """
    corpus = base / "corpus"
    added = corpus / ADDED
    with tempfile.TemporaryDirectory(prefix="dateline-increment-") as tmp:
        index = Path(tmp) / "index"
        shutil.copytree(base / "index", index)
        source = corpora_dir() / "reuters21578" / ADDED
        if not cached:
            forget_extractions(index, source)
        command = [str(DATELINE), "--index", str(index), "reindex", "--json", str(corpus)]
        env = {**os.environ, "DATELINE_EXTRACT_WORKERS": str(workers)}
        shutil.copy2(source, added)
        try:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        finally:
            added.unlink()
    if done.returncode != 0:
        raise SystemExit(f"reindex failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "report": report}


def main(argv: list[str] | None = None) -> None:
    """Build the base, or time rounds of the increment."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("--build", action="store_true", help="build BASE (corpus and index)")
    parser.add_argument("--cache", type=Path, help="extractions.sqlite to seed the build with")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--cached", action="store_true", help="the added articles' NER cached")
    parser.add_argument("--workers", type=int, default=2, help="NER processes")
    args = parser.parse_args(argv)
    if args.build:
        build(args.base, args.cache)
        return
    for n in range(args.rounds):
        result = one_round(args.base, args.cached, args.workers)
        report = result["report"]
        phases = ", ".join(f"{k} {v:.1f}" for k, v in sorted(report["timings"].items()))
        load = Path("/proc/loadavg").read_text().split()[0]
        print(
            f"round {n}: {result['wall']:.1f} s wall, {result['cpu']:.1f} s CPU; indexed "
            f"{report['indexed']}, renamed {report['renamed']}; phases (s): {phases} "
            f"(load {load})",
            flush=True,
        )


if __name__ == "__main__":
    main()
