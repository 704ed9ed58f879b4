"""Cleaning quality gate: word 4-gram shingle F1 of ``clean()`` on news-html-dev.

Usage: ``python benchmarks/eval_cleaning.py [CORPUS_DIR]`` (default: the shared corpora's
``news-html-dev``). Scoring follows the benchmark's authors (scrapinghub
article-extraction-benchmark): ``\\w+`` tokens, multisets of word 4-gram shingles,
precision and recall per page averaged over pages, F1 of those averages.
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from search.cleaning import EmptyArticle, clean
from search.models import RawArticle
from search.settings import corpora_dir

_WORD = re.compile(r"\w+")
_URL_DATE = re.compile(r"/(20\d\d)/(\d\d)/(\d\d)/")


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of word n-grams over ``\\w+`` tokens (case kept, as the benchmark does)."""
    tokens = _WORD.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens)


def page_scores(expected: str, got: str) -> tuple[float | None, float | None]:
    """(precision, recall) of one page; None where undefined (nothing predicted/expected)."""
    truth, pred = shingles(expected), shingles(got)
    tp = sum((truth & pred).values())
    fp = sum(pred.values()) - tp
    fn = sum(truth.values()) - tp
    if fp == fn == 0:
        return 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return precision, recall


def evaluate(corpus_dir: Path | str) -> dict[str, Any]:
    """Precision and recall averaged over pages, their F1, and throughput of ``clean()``.

    Like the benchmark's own evaluate.py, F1 is the harmonic mean of the averaged precision
    and recall; ``mean_page_f1`` (the average of per-page F1) is reported beside it.
    """
    corpus = Path(corpus_dir)
    truth = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    precisions: list[float] = []
    recalls: list[float] = []
    per_page: dict[str, float] = {}
    seconds = 0.0
    dates_checked = dates_correct = 0
    for page_id in sorted(truth):
        html = gzip.decompress((corpus / "html" / f"{page_id}.html.gz").read_bytes())
        raw = RawArticle(
            key=page_id, format="html", html=html.decode("utf-8"), url=truth[page_id]["url"]
        )
        start = time.perf_counter()
        try:
            article = clean(raw)
            body, published = article.body, article.published
        except EmptyArticle:
            body, published = "", None
        seconds += time.perf_counter() - start
        # Pages whose URL carries the date (/2019/11/18/) check the publication date too.
        url_date = _URL_DATE.search(truth[page_id]["url"])
        if url_date:
            dates_checked += 1
            expected_day = "-".join(url_date.groups())
            dates_correct += bool(published and published.date().isoformat() == expected_day)
        precision, recall = page_scores(truth[page_id]["articleBody"], body)
        if precision is not None:
            precisions.append(precision)
        if recall is not None:
            recalls.append(recall)
        p, r = precision or 0.0, recall or 0.0
        per_page[page_id] = 2 * p * r / (p + r) if p + r else 0.0
    precision = statistics.mean(precisions) if precisions else 0.0
    recall = statistics.mean(recalls) if recalls else 0.0
    return {
        "pages": len(per_page),
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "mean_page_f1": statistics.mean(per_page.values()) if per_page else 0.0,
        "pages_per_second": len(per_page) / seconds if seconds else 0.0,
        "dates_checked": dates_checked,
        "dates_correct": dates_correct,
        "per_page_f1": per_page,
    }


def main(argv: list[str]) -> int:
    """Print the scores for the corpus named in ``argv`` (or the shared dev corpus)."""
    corpus = Path(argv[1]) if len(argv) > 1 else corpora_dir() / "news-html-dev"
    result = evaluate(corpus)
    worst = sorted(result["per_page_f1"].items(), key=lambda kv: kv[1])[:5]
    print(f"pages      {result['pages']}")
    print(f"precision  {result['precision']:.4f}")
    print(f"recall     {result['recall']:.4f}")
    print(f"F1         {result['f1']:.4f}  (mean per-page F1 {result['mean_page_f1']:.4f})")
    print(f"dates      {result['dates_correct']}/{result['dates_checked']} exact (URL-dated pages)")
    print(f"throughput {result['pages_per_second']:.1f} pages/s")
    print("worst:", ", ".join(f"{pid[:12]} {f1:.3f}" for pid, f1 in worst))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
