"""Copy groups and stories as numpy columns, and the collapse of a ranked result by them.

Every document has one copy-group key and one story key (its own id when the stories
engine gave it none), held as dense integer codes per document number. A grouped result
is the ranked result with every document after the first of its group dropped: the
first ``stop`` groups are found in a ranked prefix of the result that is grown until it
holds that many groups, so a page costs a partial sort of a few times its size, not a
sort of the whole result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]  # per-document codes (half the memory of int64)
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

NO_DATE = -1
# The first ranked prefix examined holds this many documents at least (then x4 per step).
FIRST_PREFIX = 64
# Distinct keys are counted with a bincount over every code when the result is at least
# this share of the codes, else by sorting the result's codes (cheaper for few matches).
BINCOUNT_SHARE = 8

# A ranked prefix: the first ``k`` documents of the result in rank order and their scores
# (``None`` when the order is not by score).
Prefix = Callable[[int], tuple[IntArray, FloatArray | None]]


@dataclass(frozen=True, slots=True)
class KeyColumn:
    """One single-valued key per document (copy group or story) as dense codes.

    ``codes[d]`` is document ``d``'s key code (``-1`` for deleted documents); ``sizes``
    counts live documents per code. For stories, ``first``/``last`` (day ordinals,
    ``NO_DATE`` when no article is dated) and ``sources`` (distinct sources) are per code.
    """

    codes: Int32Array
    keys: tuple[str, ...]
    lookup: dict[str, int]
    sizes: IntArray
    first: IntArray
    last: IntArray
    sources: IntArray

    @property
    def grouped(self) -> bool:
        """Whether any key is shared by two live documents (else grouping changes nothing)."""
        return bool(len(self.sizes)) and int(self.sizes.max()) > 1

    def docs_with(self, key: str) -> BoolArray:
        """Mask of documents whose key is ``key`` (exact)."""
        code = self.lookup.get(key)
        if code is None:
            return np.zeros(len(self.codes), dtype=bool)
        mask: BoolArray = self.codes == code
        return mask


class KeyBuilder:
    """The key code of each document (``-1``: none, or deleted), then the ``KeyColumn``."""

    def __init__(self, codes: Int32Array, lookup: dict[str, int]) -> None:
        self.codes = codes
        self.lookup = lookup

    def build(
        self,
        day: Int32Array | None = None,
        source_pairs: tuple[IntArray, Int32Array] | None = None,
    ) -> KeyColumn:
        """The column; with ``day`` and ``source_pairs`` (documents, source ids) also each
        key's first and last day and number of distinct sources."""
        n = len(self.lookup)
        live = np.flatnonzero(self.codes >= 0)
        codes = self.codes[live]
        sizes = np.bincount(codes, minlength=n).astype(np.int64)
        first = np.full(n, NO_DATE, dtype=np.int64)
        last = np.full(n, NO_DATE, dtype=np.int64)
        sources = np.zeros(n, dtype=np.int64)
        if day is not None:
            days = day[live]
            dated = days != NO_DATE
            big = np.iinfo(np.int64).max
            lows = np.full(n, big, dtype=np.int64)
            np.minimum.at(lows, codes[dated], days[dated])
            np.maximum.at(last, codes[dated], days[dated])
            first = np.where(lows == big, NO_DATE, lows)
        if source_pairs is not None and n:
            docs, ids = source_pairs
            keys = self.codes[docs].astype(np.int64)  # codes x width can pass 2**31
            keep = keys >= 0
            width = int(ids.max()) + 1 if len(ids) else 1
            pairs = np.unique(keys[keep] * width + ids[keep])
            sources = np.bincount(pairs // width, minlength=n).astype(np.int64)
        keys_by_code = tuple(sorted(self.lookup, key=self.lookup.__getitem__))
        return KeyColumn(self.codes, keys_by_code, dict(self.lookup), sizes, first, last, sources)


@dataclass(frozen=True, slots=True)
class GroupCounts:
    """How many documents of a result fall in each group, and how many groups there are."""

    groups: int
    _uniq: Int32Array
    _counts: IntArray
    _dense: bool

    def of(self, codes: Int32Array) -> IntArray:
        """Documents of the result in each group of ``codes`` (codes present in it)."""
        if self._dense:
            found: IntArray = self._counts[codes]
            return found
        return self._counts[np.searchsorted(self._uniq, codes)]


def group_counts(column: KeyColumn, docs: IntArray) -> GroupCounts:
    """Documents per group among ``docs``, by a bincount or a sort, whichever is cheaper."""
    codes = column.codes[docs]
    if len(docs) * BINCOUNT_SHARE >= len(column.keys):
        counts = np.bincount(codes, minlength=len(column.keys)).astype(np.int64)
        return GroupCounts(int(np.count_nonzero(counts)), codes[:0], counts, True)
    uniq, counts = np.unique(codes, return_counts=True)
    return GroupCounts(len(uniq), uniq, counts.astype(np.int64), False)


def collapse(
    prefix: Prefix, column: KeyColumn, n: int, start: int, stop: int
) -> tuple[IntArray, FloatArray | None]:
    """Rows ``start:stop`` of a result of ``n`` documents collapsed by ``column``: each
    group's first document in rank order, groups in the order of those documents.

    A prefix holding ``stop`` distinct groups holds the first ``stop`` groups of the whole
    result, so the prefix grows (x4) only until it does, or covers everything.
    """
    k = min(n, max(2 * stop, FIRST_PREFIX))
    while True:
        docs, scores = prefix(k)
        _, first = np.unique(column.codes[docs], return_index=True)
        if len(first) >= stop or k >= n:
            break
        k = min(n, k * 4)
    rows = np.sort(first)[start:stop]
    return docs[rows], (scores[rows] if scores is not None else None)
