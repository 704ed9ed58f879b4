"""Who is mentioned with whom, from the facet columns in one pass over a result.

The nodes are the most frequent actors and countries of the matching documents; each
document's set of nodes becomes a bit mask (at most 64 nodes), distinct masks are
counted once (``np.unique``), and the pair counts are one small matrix product over the
distinct masks: cost linear in the result's facet entries, memory in its distinct
combinations, never a search per pair.
"""

from __future__ import annotations

import numpy as np

from search.backends.whoosh.columns import DocColumns, Int32Array, IntArray, MultiColumn
from search.views.records import Network, NetworkEdge, NetworkNode, NodeKind

# The facets a network is drawn from, and the kind of node each gives.
NODE_FACETS: tuple[tuple[str, NodeKind], ...] = (("actor", "actor"), ("country", "country"))
MAX_NODES_PER_KIND = 32  # two kinds: the 64 bits of one mask


def _entries(column: MultiColumn, docs: IntArray) -> tuple[IntArray, Int32Array]:
    """``(row, value id)`` of every value of the documents ``docs`` (row: index in docs)."""
    starts = column.offsets[docs]
    lengths = column.offsets[docs + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    firsts = np.cumsum(lengths) - lengths
    entry = np.arange(total, dtype=np.int64) + np.repeat(starts - firsts, lengths)
    rows = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
    return rows, column.ids[entry]


def _top(counts: IntArray, values: tuple[str, ...], size: int) -> list[int]:
    """Ids of the ``size`` most frequent values (ties by value), without sorting them all:
    only the values counted at least as often as the ``size``-th are ordered."""
    present = np.flatnonzero(counts)
    if len(present) > size:
        floor = np.partition(counts[present], len(present) - size)[len(present) - size]
        present = present[counts[present] >= floor]
    ranked = sorted(present.tolist(), key=lambda v: (-int(counts[v]), values[v]))
    return ranked[:size]


def network(cols: DocColumns, docs: IntArray, size: int) -> Network:
    """The top ``size`` actors and top ``size`` countries of ``docs`` (ties by value) and
    the documents of ``docs`` naming each pair of them."""
    size = max(0, min(size, MAX_NODES_PER_KIND))
    if size == 0 or len(docs) == 0:
        return Network()
    nodes: list[NetworkNode] = []
    masks = np.zeros(len(docs), dtype=np.uint64)
    for facet, kind in NODE_FACETS:
        column = cols.facet(facet)
        rows, ids = _entries(column, docs)
        if len(ids) == 0:
            continue
        counts = np.bincount(ids, minlength=len(column.values))
        top = _top(counts, column.values, size)
        bit_of = np.full(len(column.values), -1, dtype=np.int64)
        for vid in top:
            bit_of[vid] = len(nodes)
            nodes.append(NetworkNode(kind, column.values[vid], int(counts[vid])))
        bits = bit_of[ids]
        keep = bits >= 0
        # A value counts once per document (the columns hold no duplicates), so OR = sum.
        np.bitwise_or.at(
            masks, rows[keep], np.left_shift(np.uint64(1), bits[keep].astype(np.uint64))
        )
    if len(nodes) < 2:
        return Network(tuple(nodes), ())
    combos, weights = np.unique(masks[masks != 0], return_counts=True)
    shifts = np.arange(len(nodes), dtype=np.uint64)
    member = ((combos[:, None] >> shifts[None, :]) & np.uint64(1)).astype(np.float64)
    pairs = member.T @ (member * weights[:, None].astype(np.float64))
    edges = [
        NetworkEdge(nodes[i].id, nodes[j].id, int(round(pairs[i, j])))
        for i in range(len(nodes))
        for j in range(i + 1, len(nodes))
        if pairs[i, j] >= 0.5
    ]
    edges.sort(key=lambda e: (-e.count, e.source, e.target))
    return Network(tuple(nodes), tuple(edges))
