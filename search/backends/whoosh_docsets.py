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

import logging
from typing import Any

import numpy as np
from whoosh import query
from whoosh.codec.whoosh3 import W3LeafMatcher

from search.backends.columns import IntArray
from search.backends.whoosh_schema import PAIRS_FIELD

log = logging.getLogger(__name__)

# A wildcard expanding to more terms than this is left to Whoosh (bounded anyway by the
# two-letter prefix the validator requires).
MAX_PATTERN_TERMS = 2000
_EMPTY: IntArray = np.zeros(0, dtype=np.int64)


def matching_docs(searcher: Any, q: Any) -> IntArray:
    """Sorted, unique docnums (top-level numbering) of documents matching ``q``."""
    size = searcher.doc_count_all()
    return _docs(searcher, q, size)


def _docs(searcher: Any, q: Any, size: int) -> IntArray:
    if isinstance(q, query.qcore._NullQuery):
        return _EMPTY
    if isinstance(q, query.Term):
        return _term_docs(searcher, q.fieldname, q.text)
    if isinstance(q, query.Phrase) and q.fieldname == "body" and PAIRS_FIELD in searcher.schema:
        return _pair_docs(searcher, q.words, size)
    if isinstance(q, query.PatternQuery):
        terms = []
        for i, (fieldname, btext) in enumerate(q.expanded_terms(searcher.reader())):
            if i >= MAX_PATTERN_TERMS:
                return _whoosh_docs(searcher, q)
            terms.append(_term_docs(searcher, fieldname, btext))
        return _union(terms)
    if isinstance(q, query.Or | query.DisjunctionMax):
        return _union([_docs(searcher, sub, size) for sub in q.subqueries])
    if isinstance(q, query.And):
        positives = [s for s in q.subqueries if not isinstance(s, query.Not)]
        negatives = [s.query for s in q.subqueries if isinstance(s, query.Not)]
        if not positives:
            result = np.arange(size, dtype=np.int64)
        else:
            # Smallest sets first keeps every intersection cheap.
            sets = sorted((_docs(searcher, s, size) for s in positives), key=len)
            result = sets[0]
            for other in sets[1:]:
                result = np.intersect1d(result, other, assume_unique=True)
        for neg in negatives:
            result = np.setdiff1d(result, _docs(searcher, neg, size), assume_unique=True)
        return result
    if isinstance(q, query.Not):
        everything = np.arange(size, dtype=np.int64)
        return np.setdiff1d(everything, _docs(searcher, q.query, size), assume_unique=True)
    if isinstance(q, query.AndNot):
        return np.setdiff1d(
            _docs(searcher, q.a, size), _docs(searcher, q.b, size), assume_unique=True
        )
    if isinstance(q, query.AndMaybe):
        return _docs(searcher, q.a, size)
    if isinstance(q, query.Require):
        return np.intersect1d(
            _docs(searcher, q.a, size), _docs(searcher, q.b, size), assume_unique=True
        )
    return _whoosh_docs(searcher, q)


def _pair_docs(searcher: Any, words: list[str], size: int) -> IntArray:
    """Documents containing every adjacent pair of the phrase's (analysed) words."""
    if len(words) == 1:
        return _term_docs(searcher, "body", words[0])
    sets = sorted(
        (
            _term_docs(searcher, PAIRS_FIELD, f"{a} {b}")
            for a, b in zip(words, words[1:], strict=False)
        ),
        key=len,
    )
    result = sets[0]
    for other in sets[1:]:
        result = np.intersect1d(result, other, assume_unique=True)
    return result


def _whoosh_docs(searcher: Any, q: Any) -> IntArray:
    docs = np.fromiter(searcher.docs_for_query(q), dtype=np.int64)
    return np.unique(docs)


def _union(sets: list[IntArray]) -> IntArray:
    sets = [s for s in sets if len(s)]
    if not sets:
        return _EMPTY
    if len(sets) == 1:
        return sets[0]
    return np.unique(np.concatenate(sets))


def _term_docs(searcher: Any, fieldname: str, text: Any) -> IntArray:
    """Docnums of one term's postings, read a block at a time."""
    field = searcher.schema[fieldname] if fieldname in searcher.schema else None
    if field is None:
        return _EMPTY
    btext = text if isinstance(text, bytes) else field.to_bytes(text)
    parts: list[IntArray] = []
    for reader, offset in _leaves(searcher):
        if (fieldname, btext) not in reader:
            continue
        matcher = reader.postings(fieldname, btext)
        leaf = _unwrap(matcher)
        if leaf is None:  # an unknown matcher type: take the slow, safe path
            ids = np.fromiter(matcher.all_ids(), dtype=np.int64)
        else:
            ids = _block_ids(leaf)
        parts.append(ids + offset)
    if not parts:
        return _EMPTY
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _leaves(searcher: Any) -> list[tuple[Any, int]]:
    if searcher.subsearchers:
        return [(s.reader(), offset) for s, offset in searcher.subsearchers]
    return [(searcher.reader(), 0)]


def _unwrap(matcher: Any) -> W3LeafMatcher | None:
    # Segments with deletions wrap the posting matcher in a filter; the caller removes
    # deleted documents with the live mask anyway.
    while not isinstance(matcher, W3LeafMatcher):
        child = getattr(matcher, "child", None)
        if child is None:
            return None
        matcher = child
    return matcher


def _block_ids(m: W3LeafMatcher) -> IntArray:
    """Every id of a Whoosh 3 posting list (relies on whoosh-reloaded 2.7.5 internals)."""
    blocks: list[IntArray] = []
    while m.is_active():
        if m._ids is None:
            m._read_ids()
        blocks.append(np.asarray(m._ids, dtype=np.int64))
        m._next_block()
    if not blocks:
        return _EMPTY
    return blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
