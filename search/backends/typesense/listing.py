"""Whole-index value lists and exports, read in bounded parts.

A list of every actor (the corpus-alias pass asks for one after each reindex) or an
export of every document grows with the archive; one request for it would grow too.
Typesense 0.24 cannot page facet values (``facet_query`` returns at most 10) nor page
deep into a result cheaply, and returning facet values is slow (~60 us per value: one
facet request for 20,110 actors took 1.3 s of server time here, 80,110 actors of 20,000
synthetic articles 25 s in parts). So the *documents* are split: every document stores
``shard``, a 16-bit hash of its id, and each export request covers a range of shards
holding about ``EXPORT_DOCS`` documents. Value lists are counted here from an export of
the one stored field (the same 80,110 actors: 20 requests, 1.7-2.7 s). Collections built
before ``shard`` existed are exported in one request, as before (``dateline reindex
--full`` rebuilds them with it).

Pure functions: the backend does the requests.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from search.backends.typesense.schema import SHARDS

# Documents per export request (a full document is ~7 KB on Reuters: ~7 MB an answer; an
# export of one field, e.g. the actors, ~0.1 MB).
EXPORT_DOCS = 1000


@dataclass(frozen=True, slots=True)
class Collection:
    """What an export needs to know of the live collection."""

    documents: int
    sharded: bool  # has the ``shard`` field (built by this version or later)

    @classmethod
    def from_info(cls, info: dict[str, Any]) -> Collection:
        """From Typesense's ``GET /collections/<name>`` answer."""
        names = {str(f.get("name")) for f in info.get("fields") or ()}
        return cls(documents=int(info.get("num_documents") or 0), sharded="shard" in names)


def shard_ranges(parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous, inclusive shard ranges covering every shard."""
    parts = min(max(parts, 1), SHARDS)
    bounds = [SHARDS * i // parts for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(parts)]


def export_filters(collection: Collection) -> list[str | None]:
    """The ``filter_by`` of each export request (``None``: the whole collection at once)."""
    if not collection.sharded:
        return [None]
    parts = math.ceil(collection.documents / EXPORT_DOCS)
    return [f"shard:[{low}..{high}]" for low, high in shard_ranges(parts)]


def count_values(
    documents: Iterable[dict[str, Any]], field_name: str, *, folded: bool
) -> tuple[Counter[str], Counter[str]]:
    """``(documents per value, documents per exact spelling)`` of a stored field.

    With ``folded`` a value is its casefolded spelling, counted once per document (the
    ``*_fold`` facets' meaning); the exact spellings then give the display spelling.
    """
    counts: Counter[str] = Counter()
    spellings: Counter[str] = Counter()
    for doc in documents:
        raw = doc.get(field_name)
        values = {raw} if isinstance(raw, str) else set(raw or ())
        values.discard("")
        if folded:
            spellings.update(values)
            counts.update({v.casefold() for v in values})
        else:
            counts.update(values)
    return counts, spellings
