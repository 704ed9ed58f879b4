"""Actor values the rules give on a fixed sample of Reuters-21578 TRAIN articles, tallied.

NER runs once (its spans are kept in ``--spans``, default a file in the temp folder); each
run then applies the checked-out actor rules to those spans and writes ``value<TAB>articles``
lines, most frequent first. Two runs on two versions of the rules, compared, show what a
rule change does to the actor facet without re-running NER on the archive::

    .venv/bin/python -m benchmarks.actor_tally /tmp/after.tsv --compare /tmp/before.tsv
"""

from __future__ import annotations

import argparse
import pickle
import tempfile
from collections import Counter
from pathlib import Path

SAMPLE = 4000


def ner_spans(path: Path, size: int) -> tuple[list, list]:
    """(articles, their NER spans) of the sample, computed once and kept at ``path``."""
    if path.exists():
        articles, spans = pickle.loads(path.read_bytes())
        if len(articles) <= size:
            return articles, spans
    from benchmarks.eval_entities import _reuters_raw_sample
    from search.cleaning import clean
    from search.entities import ner_text, nlp

    articles = []
    for raw, _gold in _reuters_raw_sample(size):
        try:
            articles.append(clean(raw))
        except ValueError:  # an article with no text
            continue
    spans = list(nlp.ner_many(ner_text(a.text) for a in articles))
    path.write_bytes(pickle.dumps((articles, spans)))
    return articles, spans


def tally(articles: list, spans: list) -> Counter[str]:
    """Articles per actor value, by the rules of this checkout (no archive-wide pass)."""
    from search.entities import _build

    counts: Counter[str] = Counter()
    for article, found in zip(articles, spans, strict=True):
        counts.update({a.name for a in _build(article, article.text, found).actors})
    return counts


def main() -> None:
    """Tally, write, and compare with an earlier tally when asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--compare", type=Path, help="an earlier tally to compare with")
    parser.add_argument("--size", type=int, default=SAMPLE)
    default = Path(tempfile.gettempdir()) / "dateline-reuters-train-spans.pkl"
    parser.add_argument("--spans", type=Path, default=default)
    args = parser.parse_args()
    articles, spans = ner_spans(args.spans, args.size)
    counts = tally(articles, spans)
    args.out.write_text("".join(f"{n}\t{c}\n" for n, c in counts.most_common()))
    print(f"{len(articles)} articles, {len(counts)} actor values, {sum(counts.values())} pairs")
    if args.compare:
        before = Counter(
            {
                n: int(c)
                for n, c in (line.split("\t") for line in args.compare.read_text().splitlines())
            }
        )
        print(f"before: {len(before)} actor values, {sum(before.values())} pairs")
        lost = before - counts
        gained = counts - before
        print("fewer:", "; ".join(f"{n} -{c}" for n, c in lost.most_common(60)))
        print("more:", "; ".join(f"{n} +{c}" for n, c in gained.most_common(60)))


if __name__ == "__main__":
    main()
