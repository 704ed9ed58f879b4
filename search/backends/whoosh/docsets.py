"""The full set of documents matching a query, as a sorted numpy array of docnums.

Facets need every match, not just the top 20. Whoosh's ``docs_for_query`` walks its
matchers one posting at a time in Python (~25 ms for 40k matches on this machine). Here
term postings are read block by block (~128 ids per step) and the query tree is combined
with numpy set operations. A body phrase is the documents holding each adjacent pair of
its words (the ``body_pairs`` field), which differs from Whoosh's positional match only
for pairs that occur apart in one document while the phrase's other pairs occur too, i.e.
for phrases of three words or more. Nodes this module does not know fall back to Whoosh
for their subtree only.

Deleted documents may be included: callers intersect with the live mask.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import query
from whoosh.codec.whoosh3 import W3LeafMatcher

from search.backends.whoosh.columns import IntArray
from search.backends.whoosh.schema import PAIRS_FIELD

log = logging.getLogger(__name__)

# A wildcard expanding to more terms than this is left to Whoosh (bounded anyway by the
# two-letter prefix the validator requires).
MAX_PATTERN_TERMS = 2000
# Set operations on sets holding at least 1/DENSE_SHARE of the index's documents in all
# mark a mask of the index instead of sorting them.
DENSE_SHARE = 64
_EMPTY: IntArray = np.zeros(0, dtype=np.int64)
_NO_WEIGHTS: npt.NDArray[np.float64] = np.zeros(0, dtype=np.float64)
Memo = dict[tuple[str, bytes], tuple[IntArray, npt.NDArray[np.float64]]]


def matching_docs(searcher: Any, q: Any, memo: Memo | None = None) -> IntArray:
    """Sorted, unique docnums (top-level numbering) of documents matching ``q``."""
    size = searcher.doc_count_all()
    return _docs(searcher, q, size, {} if memo is None else memo)


def _docs(searcher: Any, q: Any, size: int, memo: Memo) -> IntArray:
    if isinstance(q, query.qcore._NullQuery):
        return _EMPTY
    if isinstance(q, query.Term):
        return _term_docs(searcher, q.fieldname, q.text, memo)
    if isinstance(q, query.Phrase) and q.fieldname == "body" and PAIRS_FIELD in searcher.schema:
        return _pair_docs(searcher, q.words, size, memo)
    if isinstance(q, query.Phrase) and q.slop == 1 and _has_positions(searcher, q.fieldname):
        return _positional_docs(searcher, q.fieldname, q.words, size, memo)
    if isinstance(q, query.PatternQuery):
        terms = []
        for i, (fieldname, btext) in enumerate(q.expanded_terms(searcher.reader())):
            if i >= MAX_PATTERN_TERMS:
                return _whoosh_docs(searcher, q)
            terms.append(_term_docs(searcher, fieldname, btext, memo))
        return _union(terms, size)
    if isinstance(q, query.Or | query.DisjunctionMax):
        return _union([_docs(searcher, sub, size, memo) for sub in q.subqueries], size)
    if isinstance(q, query.And):
        positives = [s for s in q.subqueries if not isinstance(s, query.Not)]
        negatives = [s.query for s in q.subqueries if isinstance(s, query.Not)]
        if not positives:
            result = np.arange(size, dtype=np.int64)
        else:
            # Smallest sets first keeps every intersection cheap.
            sets = sorted((_docs(searcher, s, size, memo) for s in positives), key=len)
            result = sets[0]
            for other in sets[1:]:
                result = _intersect(result, other, size)
        for neg in negatives:
            result = _subtract(result, _docs(searcher, neg, size, memo), size)
        return result
    if isinstance(q, query.Not):
        everything = np.arange(size, dtype=np.int64)
        return _subtract(everything, _docs(searcher, q.query, size, memo), size)
    if isinstance(q, query.AndNot):
        return _subtract(_docs(searcher, q.a, size, memo), _docs(searcher, q.b, size, memo), size)
    if isinstance(q, query.AndMaybe):
        return _docs(searcher, q.a, size, memo)
    if isinstance(q, query.Require):
        return _intersect(_docs(searcher, q.a, size, memo), _docs(searcher, q.b, size, memo), size)
    return _whoosh_docs(searcher, q)


def _pair_docs(searcher: Any, words: list[str], size: int, memo: Memo) -> IntArray:
    """Documents containing every adjacent pair of the phrase's (analysed) words."""
    if len(words) == 1:
        return _term_docs(searcher, "body", words[0], memo)
    sets = sorted(
        (
            _term_docs(searcher, PAIRS_FIELD, f"{a} {b}", memo)
            for a, b in zip(words, words[1:], strict=False)
        ),
        key=len,
    )
    result = sets[0]
    for other in sets[1:]:
        result = _intersect(result, other, size)
    return result


def _has_positions(searcher: Any, fieldname: str) -> bool:
    schema = searcher.schema
    return fieldname in schema and bool(schema[fieldname].format.supports("positions"))


def _positional_docs(
    searcher: Any, fieldname: str, words: list[str], size: int, memo: Memo
) -> IntArray:
    """Documents holding ``words`` at consecutive positions of ``fieldname`` (a title
    phrase, as Whoosh matches it), checked only in the documents holding every word.

    Whoosh's phrase matcher checks positions candidate by candidate through its span
    matchers (94 ms for "stock exchange" in titles at 1M articles); here the candidates
    come from the word postings (kept in ``memo``, where the ranking finds them again)
    and only the posting blocks holding a candidate are read for positions.
    """
    sets = sorted((_term_docs(searcher, fieldname, w, memo) for w in words), key=len)
    candidates = sets[0]
    for other in sets[1:]:
        candidates = _intersect(candidates, other, size)
    if len(words) < 2 or not len(candidates):
        return candidates
    field = searcher.schema[fieldname]
    found = [_positions(searcher, fieldname, field.to_bytes(w), candidates) for w in words]
    following = [{d: frozenset(ps) for d, ps in f.items()} for f in found[1:]]
    none: frozenset[int] = frozenset()
    keep = [
        doc
        for doc in candidates.tolist()
        if any(
            all(p + i in later.get(doc, none) for i, later in enumerate(following, start=1))
            for p in found[0].get(doc, ())
        )
    ]
    return np.array(keep, dtype=np.int64)


def _positions(searcher: Any, fieldname: str, btext: bytes, docs: IntArray) -> dict[int, list[int]]:
    """The positions of one term in each of ``docs`` (sorted docnums that all hold it)."""
    decode = searcher.schema[fieldname].format.decode_positions
    out: dict[int, list[int]] = {}
    for reader, offset in _leaves(searcher):
        local = docs[(docs >= offset) & (docs < offset + reader.doc_count_all())] - offset
        if not len(local) or (fieldname, btext) not in reader:
            continue
        matcher = reader.postings(fieldname, btext)
        leaf = _unwrap(matcher)
        if leaf is None:  # postings kept inline in the term's entry: a few, stepped through
            wanted = set(local.tolist())
            for _ in _steps(matcher):
                if matcher.id() in wanted:
                    out[matcher.id() + offset] = decode(matcher.value())
            continue
        k = 0
        while leaf.is_active() and k < len(local):
            # A block's last id is in its header: blocks holding no wanted document are
            # passed over without being unpickled.
            end = k + int(np.searchsorted(local[k:], leaf._maxid, side="right"))
            if end > k:
                if leaf._ids is None:
                    leaf._read_ids()
                if leaf._values is None:
                    leaf._read_values()
                ids = np.asarray(leaf._ids, dtype=np.int64)
                at = np.searchsorted(ids, local[k:end])
                for doc, j in zip(local[k:end].tolist(), at.tolist(), strict=True):
                    if j < len(ids) and ids[j] == doc:
                        out[doc + offset] = decode(leaf._values[j])
                k = end
            leaf._next_block()
    return out


def _whoosh_docs(searcher: Any, q: Any) -> IntArray:
    docs = np.fromiter(searcher.docs_for_query(q), dtype=np.int64)
    return np.unique(docs)


def _union(sets: list[IntArray], size: int) -> IntArray:
    sets = [s for s in sets if len(s)]
    if not sets:
        return _EMPTY
    if len(sets) == 1:
        return sets[0]
    if sum(len(s) for s in sets) * DENSE_SHARE < size:
        return np.unique(np.concatenate(sets))
    # Many matches (every word is searched in title and body): marking a mask of the
    # whole index is linear, where sorting them is not (212,000 ids of 1M: 45 -> 1 ms).
    return np.flatnonzero(_marked(size, *sets))


def _marked(size: int, *sets: IntArray) -> npt.NDArray[np.bool_]:
    """A mask of the index with the documents of ``sets`` set."""
    mask = np.zeros(size, dtype=bool)
    for docs in sets:
        mask[docs] = True
    return mask


def _dense(a: IntArray, b: IntArray, size: int) -> bool:
    return (len(a) + len(b)) * DENSE_SHARE >= size


def _intersect(a: IntArray, b: IntArray, size: int) -> IntArray:
    """Documents in both sorted sets (a mask of the index when they are large)."""
    if not _dense(a, b, size):
        return np.intersect1d(a, b, assume_unique=True)
    return a[_marked(size, b)[a]]


def _subtract(a: IntArray, b: IntArray, size: int) -> IntArray:
    """Documents of sorted set ``a`` not in ``b`` (a mask of the index when they are large)."""
    if not _dense(a, b, size):
        return np.setdiff1d(a, b, assume_unique=True)
    return a[~_marked(size, b)[a]]


def _term_docs(searcher: Any, fieldname: str, text: Any, memo: Memo) -> IntArray:
    """Docnums of one term's postings."""
    ids, _weights = postings(searcher, fieldname, text, memo=memo)
    return ids


def postings(
    searcher: Any, fieldname: str, text: Any, *, memo: Memo | None = None
) -> tuple[IntArray, npt.NDArray[np.float64]]:
    """Sorted docnums of one term's postings and its term frequencies.

    ``memo`` (one per query) keeps a term read for the document set from being read
    again for scoring.
    """
    field = searcher.schema[fieldname] if fieldname in searcher.schema else None
    if field is None:
        return _EMPTY, _NO_WEIGHTS
    btext = text if isinstance(text, bytes) else field.to_bytes(text)
    key = (fieldname, btext)
    if memo is not None and key in memo:
        return memo[key]
    found = _read_postings(searcher, fieldname, btext)
    if memo is not None:
        memo[key] = found
    return found


def _read_postings(
    searcher: Any, fieldname: str, btext: bytes
) -> tuple[IntArray, npt.NDArray[np.float64]]:
    id_parts: list[IntArray] = []
    weight_parts: list[npt.NDArray[np.float64]] = []
    for reader, offset in _leaves(searcher):
        if (fieldname, btext) not in reader:
            continue
        matcher = reader.postings(fieldname, btext)
        leaf = _unwrap(matcher)
        if leaf is None:  # an unknown matcher type: take the slow, safe path
            pairs = [(matcher.id(), matcher.weight()) for _ in _steps(matcher)]
            ids = np.array([p[0] for p in pairs], dtype=np.int64)
            weights = np.array([p[1] for p in pairs], dtype=np.float64)
        else:
            ids, weights = _blocks(leaf)
        id_parts.append(ids + offset)
        weight_parts.append(weights)
    if not id_parts:
        return _EMPTY, _NO_WEIGHTS
    if len(id_parts) == 1:
        return id_parts[0], weight_parts[0]
    return np.concatenate(id_parts), np.concatenate(weight_parts)


def _steps(matcher: Any) -> Any:
    while matcher.is_active():
        yield None
        matcher.next()


def _leaves(searcher: Any) -> list[tuple[Any, int]]:
    if searcher.subsearchers:
        return [(s.reader(), offset) for s, offset in searcher.subsearchers]
    return [(searcher.reader(), 0)]


def _unwrap(matcher: Any) -> W3LeafMatcher | None:
    """The block matcher of a posting list of document numbers, or None (callers then
    step through ``matcher``). Segments with deletions wrap it in a filter; the callers
    remove deleted documents with the live mask anyway."""
    while not isinstance(matcher, W3LeafMatcher):
        child = getattr(matcher, "child", None)
        if child is None:
            return None
        matcher = child
    return None if matcher._byteids else matcher


def _blocks(m: W3LeafMatcher) -> tuple[IntArray, npt.NDArray[np.float64]]:
    """Every id and weight of a Whoosh 3 posting list, a block at a time.

    A block holds its ids as deltas from the previous one (the first from 0) and its
    weights as one value, all 1.0 (``None``) or one per posting; they are gathered as
    read and decoded at once with numpy (a running sum restarted at each block), not
    posting by posting in Python. Relies on whoosh-reloaded 2.7.5 internals
    (``_read_data``/``_data``); the version is pinned and ``test_numpy_docsets_equal_whoosh``
    and ``test_numpy_bm25_equals_whoosh`` check the result against Whoosh.
    """
    deltas: list[Any] = []
    weights: list[Any] = []
    lengths: list[int] = []
    while m.is_active():
        if m._data is None:
            m._read_data()
        ids, block_weights = m._data[0], m._data[1]
        n = len(ids)
        deltas.append(ids)
        if block_weights is None:
            block_weights = (1.0,) * n
        elif isinstance(block_weights, float):
            block_weights = (block_weights,) * n
        weights.append(block_weights)
        lengths.append(n)
        m._next_block()
    total = sum(lengths)
    if not total:
        return _EMPTY, _NO_WEIGHTS
    flat = np.fromiter(itertools.chain.from_iterable(deltas), dtype=np.int64, count=total)
    running = np.cumsum(flat)
    sizes = np.asarray(lengths, dtype=np.int64)
    # Each block's sum restarts: subtract the running sum reached before the block.
    before = np.zeros(len(sizes), dtype=np.int64)
    before[1:] = running[np.cumsum(sizes)[:-1] - 1]
    ids_out: IntArray = running - np.repeat(before, sizes)
    # Through float32, as Whoosh's own matchers hold weights: the same scores as Whoosh's.
    tf = np.fromiter(itertools.chain.from_iterable(weights), dtype=np.float32, count=total)
    return ids_out, tf.astype(np.float64)
