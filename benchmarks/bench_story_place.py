"""Placing articles into an existing Reuters stories file, without placing the archive again.

    .venv/bin/python -m benchmarks.bench_story_place --build BASE   # once: ~2 min CPU
    .venv/bin/python -m benchmarks.bench_story_place BASE [--rounds N]

The split of ``eval_stories cost``: NER'd Reuters less 200 + 256 held-out articles is
placed cold into ``BASE`` (``--build``); then each round copies ``BASE`` and assigns the
200 one per call and the 256 in calls of 64 (CPU milliseconds). Rounds of two codes run in
turn (``PYTHONPATH=<other checkout> python benchmarks/bench_story_place.py BASE``) meet the
same file and the same load, which running ``eval_stories cost`` twice at once does not.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.story_corpora import reuters_documents
from search.models import IndexDocument
from search.stories import StoryIndex


def split(docs: Sequence[IndexDocument], probes: int = 200, batched: int = 256) -> tuple:
    """``(archive, lone, batched)`` as ``eval_stories.evaluate_cost`` draws them."""
    held = random.Random(13).sample(range(len(docs)), probes + batched)
    lone_set, batched_set = set(held[:probes]), set(held[probes:])
    archive = [d for n, d in enumerate(docs) if n not in lone_set and n not in batched_set]
    return (
        archive,
        [d for n, d in enumerate(docs) if n in lone_set],
        [d for n, d in enumerate(docs) if n in batched_set],
    )


def one_round(base: Path, lone: list[IndexDocument], batched: list[IndexDocument]) -> dict:
    """Lone and batched placements on a fresh copy of ``base`` (CPU ms)."""
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{base}{suffix}").exists():
                shutil.copy(f"{base}{suffix}", Path(tmp) / f"stories.sqlite{suffix}")
        with StoryIndex(Path(tmp) / "stories.sqlite") as index:
            times = []
            for doc in lone:
                started = time.process_time()
                index.assign_batch([doc])
                times.append(1000 * (time.process_time() - started))
            started = time.process_time()
            for i in range(0, len(batched), 64):
                index.assign_batch(batched[i : i + 64])
            per_batched = 1000 * (time.process_time() - started) / len(batched)
    p50, p95 = np.percentile(times, [50, 95])
    return {"p50": float(p50), "p95": float(p95), "batches of 64": per_batched}


def main(argv: Sequence[str] | None = None) -> None:
    """Build the base file, or run rounds on copies of it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("--build", action="store_true", help="place the archive into BASE")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    archive, lone, batched = split(reuters_documents(entities=True))
    if args.build:
        with StoryIndex(args.base) as index:
            index.assign_batch(archive)
        return
    for n in range(args.rounds):
        result = one_round(args.base, lone, batched)
        load = Path("/proc/loadavg").read_text().split()[0]
        print(
            f"round {n}: one alone CPU ms p50 {result['p50']:.2f} p95 {result['p95']:.2f}, "
            f"calls of 64 {result['batches of 64']:.2f} ms/article (load {load})",
            flush=True,
        )


if __name__ == "__main__":
    main()
