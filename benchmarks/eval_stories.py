"""Stories and copies (issue 13): ECB+ dev story quality, Reuters copies, assignment cost.

    .venv/bin/python -m benchmarks.eval_stories [ecb] [orders] [copies] [cost] [scale]
        [reindex] [--batch N] [--orders N] [--entities] [--scale K] [--probes N]

No measure named runs them all. See docs/benchmarks.md, "Stories and copies".

- ``ecb``: the 772 ECB+ dev articles (``$DATELINE_CORPORA/ecbplus-dev``) read with the
  project's reader and cleaning, entities extracted in this process, corpus aliases
  applied, placed by ``StoryIndex.assign_batch`` into a new stories file: in one batch
  (a full rebuild) and in batches of ``--batch`` (default 64) articles. B-cubed
  precision/recall/F1 against ``stories.json``; an article the reindex skips (one has an
  empty body) counts as a story of its own. Anchors computed here: every article alone,
  one story per topic, and TF-IDF cosine + average link at its best threshold.
- ``orders``: the same articles in one batch, ``--orders`` times (default 8), each in
  another order of the articles of one day (all of ECB+ dev is undated: one "day"). That
  order is the canonical one (``search.stories.copies.sort_key``: content hash, then id),
  and placement depends on it. Order ``k`` gives every article the id a reindex of the
  corpus in folder ``/tmp/dateline-order-k/ecbplus-dev/`` would (``search.models.article_id``
  of the key ``<that path>/articles.jsonl#<record id>``: ids hash the path) and salts its
  content hash with ``k`` (a corpus of other articles has other hashes, in another
  order). Before content hashes came first in the order, the id alone set it, so the
  folder the corpus lay in moved the score. Prints B-cubed P/R/F1 of each order and the
  mean, min and max F1: the spread a held-out corpus can land anywhere in.
- ``reindex``: the same articles through a real full reindex into a temporary index (NER in
  worker processes, placement as the pipeline does it), scored from the stories file: the
  figure the issue's held-out target is measured with. Two records share a URL with
  another (live-updated pages): the reindex keeps one article per URL, the others count
  as stories of their own.
- ``copies``: Reuters-21578 (``reut2-*.sgm``, no NER): every pair of articles whose
  five-word shingle sets have Jaccard >= ``COPY_JACCARD``, found exhaustively (a sparse
  product of the article x shingle matrix with itself: every pair sharing a shingle is
  scored), against the pairs inside the copy groups the stories file assigns. Recall and
  precision of pairs; groups are complete-link, so precision is 1 by construction.
- ``cost``: Reuters placed in one cold batch (all but ``--probes`` + 256 articles held
  out), then ``--probes`` held-out articles assigned alone (each its own transaction, as an
  incremental reindex of one new article: CPU and wall milliseconds, p50/p95), then 256 in
  four batches of 64 (milliseconds per article); then those 256 removed in one call and
  half the lone ones removed one per call.
  ``--entities`` uses NER'd Reuters (extracted once in this process, ~30 min, then
  cached); ``--scale K`` repeats ``cost`` on the archive made K times larger by
  ``benchmarks.synth`` (K varied copies of every article). ``scale`` runs that larger
  measure alone (``scale --entities --scale 3``): its cold placement alone costs K times
  Reuters' (~6 ms CPU an article: 22 minutes of CPU at 10x).

ECB+ topics 36-45 are a held-out evaluation set: they are not in the corpus folder and
nothing here fetches them.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import re
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.story_corpora import (
    ecb_documents,
    ecb_gold,
    ecb_root,
    record_id,
    reuters_documents,
)
from search.models import IndexDocument, article_id
from search.stories import StoryIndex
from search.stories.copies import COPY_JACCARD
from search.stories.text import shingles, words

# ---------------------------------------------------------------- scores


def bcubed(predicted: Mapping[str, str], gold: Mapping[str, str]) -> dict[str, float]:
    """B-cubed precision, recall and F1 of ``predicted`` clusters against ``gold``.

    Every gold item counts; one missing from ``predicted`` is a cluster of its own.
    """
    pred_members: dict[str, set[str]] = defaultdict(set)
    gold_members: dict[str, set[str]] = defaultdict(set)
    for item, label in gold.items():
        pred_members[predicted.get(item, f"alone:{item}")].add(item)
        gold_members[label].add(item)
    p = r = 0.0
    for item, label in gold.items():
        mine = pred_members[predicted.get(item, f"alone:{item}")]
        theirs = gold_members[label]
        shared = len(mine & theirs)
        p += shared / len(mine)
        r += shared / len(theirs)
    p, r = p / len(gold), r / len(gold)
    return {"P": p, "R": r, "F1": 2 * p * r / (p + r) if p + r else 0.0}


# ---------------------------------------------------------------- ECB+


def assign(docs: Sequence[IndexDocument], batch: int | None = None) -> tuple[dict[str, str], float]:
    """Stories of ``docs`` placed in a new stories file (one batch, or batches of ``batch``)."""
    with tempfile.TemporaryDirectory() as tmp, StoryIndex(Path(tmp) / "stories.sqlite") as index:
        started = time.process_time()
        size = batch or len(docs)
        for i in range(0, len(docs), size):
            index.assign_batch(docs[i : i + size])
        seconds = time.process_time() - started
        return index.assignments(), seconds


def tfidf_anchor(docs: Sequence[IndexDocument], gold: Mapping[str, str]) -> dict[str, float]:
    """TF-IDF cosine + average-link clustering at its best distance threshold (the anchor)."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    term = re.compile(r"[^\W\d_][\w'-]*|\d{4}")
    counts = [
        Counter(t for t in term.findall(f"{d.title}\n{d.body}".casefold()) if len(t) > 1)
        for d in docs
    ]
    df = Counter(t for c in counts for t in c)
    vocab = {t: i for i, t in enumerate(df)}
    matrix = np.zeros((len(docs), len(vocab)))
    for i, c in enumerate(counts):
        for t, n in c.items():
            matrix[i, vocab[t]] = (1 + math.log(n)) * math.log((len(docs) + 1) / (df[t] + 0.5))
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    distance = np.clip(1.0 - matrix @ matrix.T, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), "average")
    ids = [record_id(d.key) for d in docs]
    best = {"F1": -1.0}
    for threshold in np.arange(0.50, 1.0, 0.01):
        labels = fcluster(tree, threshold, "distance")
        score = bcubed({i: str(c) for i, c in zip(ids, labels, strict=True)}, gold)
        if score["F1"] > best["F1"]:
            best = {**score, "threshold": float(threshold)}
    return best


def evaluate_ecb(batch: int = 64) -> dict[str, Any]:
    """B-cubed of the stories assigned to ECB+ dev, with the anchors (see the docstring)."""
    docs = ecb_documents()
    gold = ecb_gold()
    ids = {d.id: record_id(d.key) for d in docs}
    out: dict[str, Any] = {"articles": len(gold), "indexed": len(docs)}
    for name, size in (("one batch", None), (f"batches of {batch}", batch)):
        stories, seconds = assign(docs, size)
        predicted = {ids[a]: s for a, s in stories.items()}
        out[name] = {
            **bcubed(predicted, gold),
            "stories": len(set(stories.values())),
            "cpu_ms_per_article": 1000 * seconds / len(docs),
        }
    out["anchor: every article alone"] = bcubed({}, gold)
    out["anchor: one story per topic"] = bcubed({k: v[:-1] for k, v in gold.items()}, gold)
    out["anchor: TF-IDF average link, best threshold"] = tfidf_anchor(docs, gold)
    out["gold stories"] = len(set(gold.values()))
    return out


ORDER_ROOT = "/tmp/dateline-order-{}/ecbplus-dev/articles.jsonl"


def relocated(docs: Sequence[IndexDocument], n: int) -> list[IndexDocument]:
    """``docs`` in order ``n`` (see the docstring): read from folder ``n`` of ``ORDER_ROOT``
    (new keys, so new ids), content hashes salted with ``n``."""
    out = []
    for d in docs:
        key = f"{ORDER_ROOT.format(n)}#{record_id(d.key)}"
        salted = hashlib.sha256(f"{n}\x1f{d.content_hash}".encode()).hexdigest()
        out.append(replace(d, key=key, id=article_id(key, d.url), content_hash=salted))
    return out


def evaluate_orders(orders: int = 8) -> dict[str, Any]:
    """B-cubed of ECB+ dev in one batch under ``orders`` corpus folders (see the docstring)."""
    docs = ecb_documents()
    gold = ecb_gold()
    out: dict[str, Any] = {}
    f1s, ps, rs = [], [], []
    for n in range(orders):
        moved = relocated(docs, n)
        ids = {d.id: record_id(d.key) for d in moved}
        stories, seconds = assign(moved)
        score = bcubed({ids[a]: s for a, s in stories.items()}, gold)
        out[f"order {n}"] = {
            **score,
            "stories": len(set(stories.values())),
            "cpu_ms_per_article": 1000 * seconds / len(moved),
        }
        f1s.append(score["F1"])
        ps.append(score["P"])
        rs.append(score["R"])
    out["F1 mean"] = statistics.mean(f1s)
    out["F1 min"] = min(f1s)
    out["F1 max"] = max(f1s)
    out["P mean"] = statistics.mean(ps)
    out["R mean"] = statistics.mean(rs)
    return out


def evaluate_ecb_reindex() -> dict[str, Any]:
    """B-cubed of the stories a real ``dateline reindex --full`` of ``articles.jsonl`` holds.

    The path the issue scores: reader, cleaning, NER in worker processes, placement in the
    reindex pipeline, the alias pass, all into a new index in a temporary folder.
    """
    from search.backends import make_backend
    from search.indexing import reindex
    from search.settings import Settings

    gold = ecb_gold()
    with tempfile.TemporaryDirectory(prefix="dateline-ecb-") as tmp:
        settings = Settings.from_env(index_dir=Path(tmp))
        backend = make_backend(settings)
        started = time.perf_counter()
        report = reindex(backend, settings, [ecb_root() / "articles.jsonl"], full=True)
        seconds = time.perf_counter() - started
        keys = {doc_id: key for doc_id, (key, _) in backend.fingerprints().items()}
        with StoryIndex(Path(tmp) / "stories.sqlite") as stories:
            assigned = stories.assignments()
    predicted = {record_id(keys[d]): s for d, s in assigned.items() if d in keys}
    return {
        **bcubed(predicted, gold),
        "articles": len(gold),
        "indexed": report.indexed,
        "skipped": len(report.skipped),
        "stories": len(set(predicted.values())),
        "reindex_seconds": seconds,
    }


# ---------------------------------------------------------------- copies


def exhaustive_pairs(grams: Sequence[np.ndarray], threshold: float) -> set[tuple[int, int]]:
    """Every pair ``(i, j)``, ``i < j``, whose shingle sets have Jaccard >= ``threshold``.

    Exhaustive: the article x shingle incidence matrix times its transpose gives the
    intersection of every pair sharing at least one shingle (the others have Jaccard 0).
    """
    import scipy.sparse as sp

    sizes = np.array([len(g) for g in grams])
    values = np.concatenate([g for g in grams if len(g)])
    _, column = np.unique(values, return_inverse=True)
    row = np.repeat(np.arange(len(grams)), sizes)
    incidence = sp.csr_matrix(
        (np.ones(len(values), dtype=np.float32), (row, column)),
        shape=(len(grams), int(column.max()) + 1),
    )
    transposed = incidence.T.tocsr()
    pairs: set[tuple[int, int]] = set()
    step = 2000
    for start in range(0, len(grams), step):
        block = (incidence[start : start + step] @ transposed).tocoo()
        i, j, shared = block.row + start, block.col, block.data
        upper = i < j
        i, j, shared = i[upper], j[upper], shared[upper]
        jac = shared / (sizes[i] + sizes[j] - shared)
        keep = jac >= threshold - 1e-12
        pairs.update(zip(i[keep].tolist(), j[keep].tolist(), strict=True))
    return pairs


def evaluate_copies(docs: Sequence[IndexDocument], groups: Mapping[str, str]) -> dict[str, Any]:
    """Recall and precision of the copy pairs of ``groups`` against the exhaustive pairs."""
    started = time.process_time()
    grams = [shingles(words(d.body)) for d in docs]
    shingling = time.process_time() - started
    truth = exhaustive_pairs(grams, COPY_JACCARD)
    index = {d.id: n for n, d in enumerate(docs)}
    members: dict[str, list[int]] = defaultdict(list)
    for doc_id, group in groups.items():
        members[group].append(index[doc_id])
    predicted = {
        (a, b)
        for m in members.values()
        for x, a in enumerate(sorted(m))
        for b in sorted(m)[x + 1 :]
    }
    found = len(truth & predicted)
    exact = Counter(" ".join(words(d.body)) for d in docs)
    return {
        "articles": len(docs),
        "threshold": COPY_JACCARD,
        "true pairs": len(truth),
        "grouped pairs": len(predicted),
        "recall": found / len(truth) if truth else 1.0,
        "precision": found / len(predicted) if predicted else 1.0,
        "groups of 2+": sum(1 for m in members.values() if len(m) > 1),
        "exact copies of another body": sum(n - 1 for n in exact.values()),
        "shingling ms/article": 1000 * shingling / len(docs),
    }


# ---------------------------------------------------------------- cost


def evaluate_cost(
    docs: Sequence[IndexDocument], probes: int = 200, keep_groups: bool = False, batch: int = 64
) -> dict[str, Any]:
    """Cold batch of the archive, then held-out articles alone and in batches (docstring)."""
    rng = random.Random(13)
    held = rng.sample(range(len(docs)), probes + 4 * batch)
    alone_set, batched_set = set(held[:probes]), set(held[probes:])
    base = [d for n, d in enumerate(docs) if n not in alone_set and n not in batched_set]
    alone = [d for n, d in enumerate(docs) if n in alone_set]
    batched = [d for n, d in enumerate(docs) if n in batched_set]
    out: dict[str, Any] = {"archive": len(base), "alone": len(alone), "batched": len(batched)}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stories.sqlite"
        with StoryIndex(path) as index:
            cpu, wall = time.process_time(), time.perf_counter()
            index.assign_batch(base)
            out["cold batch cpu ms/article"] = 1000 * (time.process_time() - cpu) / len(base)
            out["cold batch wall ms/article"] = 1000 * (time.perf_counter() - wall) / len(base)
            cpu_times, wall_times = [], []
            for doc in alone:
                cpu, wall = time.process_time(), time.perf_counter()
                index.assign_batch([doc])
                cpu_times.append(1000 * (time.process_time() - cpu))
                wall_times.append(1000 * (time.perf_counter() - wall))
            for name, times in (("cpu", cpu_times), ("wall", wall_times)):
                p50, p95 = np.percentile(times, [50, 95])
                out[f"one article alone {name} ms p50"] = float(p50)
                out[f"one article alone {name} ms p95"] = float(p95)
            cpu, wall = time.process_time(), time.perf_counter()
            for i in range(0, len(batched), batch):
                index.assign_batch(batched[i : i + batch])
            out[f"batches of {batch} cpu ms/article"] = (
                1000 * (time.process_time() - cpu) / len(batched)
            )
            out[f"batches of {batch} wall ms/article"] = (
                1000 * (time.perf_counter() - wall) / len(batched)
            )
            out["stories"] = sum(1 for _ in index.stories())
            if keep_groups:
                out["groups"] = index.copy_groups()
            # Removal: the batched articles in one call, then half the lone ones one a call.
            cpu, wall = time.process_time(), time.perf_counter()
            index.remove(d.id for d in batched)
            out["remove in one call cpu ms/article"] = (
                1000 * (time.process_time() - cpu) / len(batched)
            )
            out["remove in one call wall ms/article"] = (
                1000 * (time.perf_counter() - wall) / len(batched)
            )
            singles = alone[: max(1, len(alone) // 2)]
            cpu, wall = time.process_time(), time.perf_counter()
            for doc in singles:
                index.remove([doc.id])
            out["remove one a call cpu ms/article"] = (
                1000 * (time.process_time() - cpu) / len(singles)
            )
            out["remove one a call wall ms/article"] = (
                1000 * (time.perf_counter() - wall) / len(singles)
            )
        out["file MB"] = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 1e6
    return out


# ---------------------------------------------------------------- main


def _print(title: str, result: Mapping[str, Any]) -> None:
    print(f"== {title}")
    for key, value in result.items():
        if isinstance(value, Mapping):
            inner = ", ".join(f"{k} {_fmt(v)}" for k, v in value.items())
            print(f"   {key}: {inner}")
        else:
            print(f"   {key}: {_fmt(value)}")


def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the measures named on the command line (all by default)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "measures", nargs="*", help="ecb, orders, reindex, copies, cost, scale (default: all)"
    )
    parser.add_argument("--batch", type=int, default=64, help="ECB+ incremental batch size")
    parser.add_argument("--orders", type=int, default=8, help="corpus folders of ``orders``")
    parser.add_argument("--entities", action="store_true", help="cost on NER'd Reuters")
    parser.add_argument("--scale", type=int, default=0, help="also cost at K times Reuters")
    parser.add_argument("--probes", type=int, default=200, help="articles assigned alone")
    args = parser.parse_args(argv)
    known = {"ecb", "orders", "reindex", "copies", "cost", "scale"}
    wanted = set(args.measures) or known
    if wanted - known:
        parser.error(f"unknown measure: {', '.join(sorted(wanted - known))}")
    if "ecb" in wanted:
        _print("Stories on ECB+ dev (B-cubed)", evaluate_ecb(args.batch))
    if "orders" in wanted:
        _print(
            f"Stories on ECB+ dev in {args.orders} orders (B-cubed)", evaluate_orders(args.orders)
        )
    if "reindex" in wanted:
        _print("Stories on ECB+ dev after a full reindex (B-cubed)", evaluate_ecb_reindex())
    if wanted & {"copies", "cost", "scale"}:
        docs = reuters_documents(entities=args.entities)
        if wanted & {"copies", "cost"}:
            cost = evaluate_cost(docs, args.probes, keep_groups="copies" in wanted)
            groups = cost.pop("groups", None)
            if "cost" in wanted:
                what = "with" if args.entities else "without"
                _print(f"Assignment cost, Reuters-21578 ({what} entities)", cost)
            if groups is not None:
                _print("Copies on Reuters-21578 (pairs)", evaluate_copies(docs, groups))
        if args.scale > 1 and wanted & {"cost", "scale"}:
            from benchmarks.synth import scaled_documents

            scaled = list(scaled_documents(docs, args.scale))
            del docs
            _print(f"Assignment cost at {args.scale}x Reuters", evaluate_cost(scaled, args.probes))


if __name__ == "__main__":
    main()
