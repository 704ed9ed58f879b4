"""Document vectors: TF-IDF per field, each field normalised, keys prefixed by their field.

A vector is a ``{"w:quake": 0.31, "a:Tara Reid": 0.7, ...}`` dict; each field's part has
unit length, so a story's similarity is a weighted sum of one cosine per field
(:mod:`search.stories.scoring`). IDF comes from the running document frequencies of the
stories file (a batch counts its own documents first, so a full rebuild weighs every
article with the IDF of the whole archive). Words keep the 64 heaviest terms and numbers
the 16 heaviest: what an article is about is in them, and stories stay small.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from operator import itemgetter

from search.stories.features import FIELDS, DocFeatures

# Field weights in a story's similarity (see docs/benchmarks.md, "Stories and copies"):
# the words decide; actors and numbers tell two events of one kind apart; countries and
# years only nudge, because one country or year holds many events.
FIELD_WEIGHTS = {"w": 1.0, "n": 0.25, "a": 0.25, "c": 0.1, "y": 0.1}
# Counts saturate (1 + log tf) for words and numbers; presence is what counts for the rest.
_LOG_TF = frozenset({"w", "n"})
MAX_KEYS = {"w": 64, "n": 16, "a": 32, "c": 16, "y": 16}


def feature_keys(features: DocFeatures) -> list[str]:
    """Every vector key the document has (what its document frequencies count)."""
    return [f"{field}:{key}" for field in FIELDS for key in features.counts[field]]


def idf(df: int, n_docs: int) -> float:
    """Inverse document frequency; positive for any key held by fewer than all documents."""
    return math.log((n_docs + 1) / (df + 0.5))


def vector(features: DocFeatures, df: Mapping[str, int], n_docs: int) -> dict[str, float]:
    """The normalised, prefixed TF-IDF vector of a document (see the module docstring)."""
    out: dict[str, float] = {}
    docs = n_docs + 1
    for field in FIELDS:
        counts = features.counts[field]
        if not counts:
            continue
        prefix = f"{field}:"
        log_tf = field in _LOG_TF
        weights = {}
        for key, count in counts.items():
            name = prefix + key
            # idf() inlined (the same arithmetic): it ran for each of ~80 keys an article.
            w = math.log(docs / (df.get(name, 1) + 0.5))
            weights[name] = (1.0 + math.log(count)) * w if log_tf and count != 1 else w
        top = heaviest_first(weights.items())[: MAX_KEYS[field]]
        total = 0.0
        for _, w in top:
            total += w * w
        norm = math.sqrt(total)
        if norm > 0:
            # Rounded once, here: the stored vector is what is added to and later taken
            # from its story, so the same numbers cancel exactly; four decimals halve its
            # JSON and change no cosine by more than 1e-4 per key.
            out.update((k, round(w / norm, 4)) for k, w in top)
    return out


def field_of(key: str) -> str:
    """The field a prefixed key belongs to."""
    return key.split(":", 1)[0]


def by_field(vec: Mapping[str, float]) -> dict[str, dict[str, float]]:
    """A prefixed vector split into its fields: ``{"w": {"w:quake": 0.31, ...}, ...}``."""
    parts: dict[str, dict[str, float]] = {}
    for key, w in vec.items():
        parts.setdefault(field_of(key), {})[key] = w
    return parts


def split_fields(vec: Mapping[str, float]) -> dict[str, float]:
    """Squared length of each field's part of a vector (1.0 for a field it has, else absent)."""
    sq: dict[str, float] = {}
    for key, w in vec.items():
        field = field_of(key)
        sq[field] = sq.get(field, 0.0) + w * w
    return sq


def retrieval_keys(
    vec: Mapping[str, float],
    parts: Mapping[str, Mapping[str, float]] | None = None,
    words: int = 10,
    actors: int = 8,
) -> list[str]:
    """The keys candidate stories are looked up by: the heaviest words, then actors
    (ties by key). ``parts``: ``by_field(vec)`` if the caller has it (only those two
    fields are sorted then)."""
    if parts is None:
        parts = by_field(vec)
    out = [k for k, _ in heaviest_first(parts.get("w", {}).items())[:words]]
    out += [k for k, _ in heaviest_first(parts.get("a", {}).items())[:actors]]
    return out


def heaviest_first(items: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    """``(key, weight)`` pairs by weight, the heaviest first, ties by key.

    Two sorts in C, by key then (stable) by weight: a Python key function ``(-weight,
    key)`` ran once per pair, ~130 times an article.
    """
    return sorted(sorted(items), key=itemgetter(1), reverse=True)
