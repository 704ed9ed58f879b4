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
    holds every quantised length exactly and is kept per document: half of float64)."""
    size = reader.doc_count_all()
    return np.fromiter(
        (reader.doc_field_length(d, fieldname, 1) or 1 for d in range(size)),
        dtype=np.float32,
        count=size,
    )
