"""Whoosh's BM25F scores computed in numpy for a whole result at once.

Whoosh scores one match at a time through nested Python matchers (~0.2 ms per match for
a two-word query over title and body), which grows with the archive. Here each query term's
postings are read a block at a time (ids and term frequencies), looked up for the
result's documents with ``searchsorted`` and scored with the same formula, statistics
(idf, average field length, quantised field lengths) and boosts as Whoosh's ``BM25F``;
compound nodes combine like Whoosh's matchers (And and Or add the scores of matching
children, a Not adds 1 where it matches, the right side of AndNot adds nothing).

Query shapes this module does not know raise ``Unsupported`` and the caller falls back
to Whoosh's own collector. Phrases score as the AND of their words (as in
``searching._without_phrases``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import query, scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3PerDocReader
from whoosh.columns import FixedBytesColumn
from whoosh.util.numeric import byte_to_length

from search.backends.whoosh.columns import BoolArray, IntArray
from search.backends.whoosh.docsets import Memo, postings

FloatArray = npt.NDArray[np.float64]


class Unsupported(Exception):
    """The query (or weighting) has a shape this module does not score."""


def bm25_scores(
    searcher: Any,
    q: Any,
    docs: IntArray,
    lengths: Callable[[str], npt.NDArray[np.float32]],
    memo: Memo | None = None,
) -> FloatArray:
    """Whoosh's score of ``q`` for each of ``docs`` (sorted docnums that match ``q``)."""
    weighting = searcher.weighting
    if type(weighting) is not scoring.BM25F:
        raise Unsupported(f"weighting {type(weighting).__name__}")
    ctx = _Ctx(searcher, docs, lengths, weighting, {} if memo is None else memo)
    _match, score = _eval(ctx, q)
    return score


@dataclass(frozen=True, slots=True)
class _Ctx:
    searcher: Any
    docs: IntArray
    lengths: Callable[[str], npt.NDArray[np.float32]]
    weighting: Any
    memo: Memo


def _eval(ctx: _Ctx, q: Any) -> tuple[BoolArray, FloatArray]:
    n = len(ctx.docs)
    if isinstance(q, query.qcore._NullQuery):
        return np.zeros(n, dtype=bool), np.zeros(n)
    if isinstance(q, query.Term):
        match, score = _term(ctx, q.fieldname, q.text)
        return match, score * q.boost
    if isinstance(q, query.Phrase):
        words = query.And([query.Term(q.fieldname, word) for word in q.words], boost=q.boost)
        return _eval(ctx, words)
    if isinstance(q, query.And | query.Or):
        parts = [_eval(ctx, sub) for sub in q.subqueries]
        if not parts:
            return np.zeros(n, dtype=bool), np.zeros(n)
        if isinstance(q, query.And):
            match = np.logical_and.reduce([m for m, _ in parts])
        else:
            match = np.logical_or.reduce([m for m, _ in parts])
        score = np.sum([np.where(m, s, 0.0) for m, s in parts], axis=0)
        return match, np.where(match, score, 0.0) * q.boost
    if isinstance(q, query.Not):
        inner, _ = _eval(ctx, q.query)
        # Whoosh's InverseMatcher scores each document it matches with a weight of 1.
        return ~inner, np.where(inner, 0.0, 1.0) * q.boost
    if isinstance(q, query.AndNot):
        (am, ascore), (bm, _) = _eval(ctx, q.a), _eval(ctx, q.b)
        match = am & ~bm
        return match, np.where(match, ascore, 0.0) * q.boost
    if isinstance(q, query.AndMaybe):
        (am, ascore), (bm, bscore) = _eval(ctx, q.a), _eval(ctx, q.b)
        return am, np.where(am, ascore + np.where(bm, bscore, 0.0), 0.0) * q.boost
    raise Unsupported(type(q).__name__)


def _term(ctx: _Ctx, fieldname: str, text: Any) -> tuple[BoolArray, FloatArray]:
    docs, searcher, w = ctx.docs, ctx.searcher, ctx.weighting
    n = len(docs)
    if fieldname not in searcher.schema:
        return np.zeros(n, dtype=bool), np.zeros(n)
    field = searcher.schema[fieldname]
    if not field.scorable:
        # Whoosh scores unscorable fields (keywords) differently: leave them to Whoosh.
        raise Unsupported(f"unscorable field {fieldname}")
    ids, weights = postings(searcher, fieldname, text, memo=ctx.memo)
    if not len(ids) or not n:
        return np.zeros(n, dtype=bool), np.zeros(n)
    pos = np.minimum(np.searchsorted(ids, docs), len(ids) - 1)
    match = ids[pos] == docs
    btext = text if isinstance(text, bytes) else field.to_bytes(text)
    idf = searcher.idf(fieldname, btext)
    avgfl = searcher.avg_field_length(fieldname) or 1
    b = w._field_B.get(fieldname, w.B)
    k1 = w.K1
    tf = np.where(match, weights[pos], 0.0)
    fl = ctx.lengths(fieldname)[docs].astype(np.float64)  # held as float32, scored in float64
    score = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)))
    return match, np.where(match, score, 0.0)


def field_lengths(reader: Any, fieldname: str) -> npt.NDArray[np.float32]:
    """Whoosh's (quantised) length of ``fieldname`` for every document number (float32
    holds every quantised length exactly and is kept per document: half of float64).

    Whoosh keeps one length byte per document and segment; the bytes of a segment are
    read at once and mapped through Whoosh's byte -> length table (per document through
    Whoosh's reader, ~1 s per field at 1M articles, when the column is not as expected).
    """
    size = reader.doc_count_all()
    out = np.ones(size, dtype=np.float32)
    for leaf, offset in reader.leaf_readers():
        n = leaf.doc_count_all()
        raw = _length_bytes(leaf, fieldname, n)
        if raw is None:
            lengths = [leaf.doc_field_length(d, fieldname, 1) or 1 for d in range(n)]
            out[offset : offset + n] = lengths
            continue
        known = _LENGTHS[raw]
        out[offset : offset + len(raw)] = np.where(raw == 0, 1.0, known)  # 0: none, as 1
    return out


# Whoosh's length of each length byte (``whoosh.util.numeric.byte_to_length``).
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


def _length_bytes(leaf: Any, fieldname: str, n: int) -> npt.NDArray[np.uint8] | None:
    """The length bytes of a segment's documents (fewer than ``n`` when the last ones have
    none), or None when the column is not Whoosh 3's one-byte numeric column.

    Relies on whoosh-reloaded 2.7.5 internals (pinned); ``test_field_lengths_equal_whoosh``
    checks the result against Whoosh's reader.
    """
    perdoc = getattr(leaf, "_perdoc", None)
    if not isinstance(perdoc, W3PerDocReader):
        return None
    column = perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    if column is None:
        return np.zeros(0, dtype=np.uint8)
    if not isinstance(column, FixedBytesColumn.Reader) or column._fixedlen != 1:
        return None
    count = min(column._count, n)
    return np.frombuffer(column._dbfile.get(column._basepos, count), dtype=np.uint8)
