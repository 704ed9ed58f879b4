"""One search over an open Whoosh searcher and its facet columns.

Steps: the request's parsed query as a Whoosh query (``to_whoosh``); the matching
document numbers (``docs_for_query``) intersected with the filter mask from the columns;
the page (BM25 top-k through a numpy-backed filter, or a date sort in numpy); snippets
for the page only; facets and histogram by ``bincount`` over the whole filtered result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import numpy as np
from whoosh import qparser, query

from search.backends.shared import lead
from search.backends.whoosh import columns as cols_mod
from search.backends.whoosh.columns import DocColumns, IntArray
from search.backends.whoosh.docsets import Memo, matching_docs
from search.backends.whoosh.groups import FloatArray, KeyColumn, collapse, group_counts
from search.backends.whoosh.schema import FIELD_ALIASES, from_stored
from search.backends.whoosh.scoring import Unsupported, bm25_scores, field_lengths
from search.backends.whoosh.snippets import snippet
from search.backends.whoosh.suggest import suggest
from search.models import Hit, SearchPage, SearchRequest, StoryRef
from search.query import Query, country_code

log = logging.getLogger(__name__)

TEXT_FIELDS = ("title", "body")
FIELD_BOOSTS = {"title": 2.0, "body": 1.0}
# "Did you mean" is offered when a query finds fewer hits than this.
SUGGEST_BELOW = 3
# Largest unfiltered top-N fetched to rank a filtered result (see _ranked_page).
MAX_OVERFETCH = 5_000
# Words of one wildcard pattern highlighted in snippets.
MAX_EXPANDED_WORDS = 64
# Date sort keys are epoch seconds clamped to +-2**34 (years 1425..2514); undated documents
# get 2**35, after every real date.
_MAX_STAMP = 1 << 34
_UNDATED = 1 << 35
_NO_DOCS: IntArray = np.zeros(0, dtype=np.int64)


def to_whoosh(parsed: Query, schema: Any) -> Any:
    """The Whoosh query for a parsed query: AND of words over title^2 and body.

    Whoosh's own parser reads the query rendered from its tokens (``Query.text``), which
    keeps Whoosh's operator precedence, analysis and phrase handling exactly; it never
    raises, and every mistake was refused when the query was parsed.
    """
    parser = qparser.MultifieldParser(
        list(TEXT_FIELDS), schema, fieldboosts=FIELD_BOOSTS, group=qparser.AndGroup
    )
    # Ranges and "*:*" expand the term dictionary; single quotes are apostrophes in news.
    for plugin in (qparser.RangePlugin, qparser.EveryPlugin, qparser.SingleQuotePlugin):
        parser.remove_plugin_class(plugin)
    parser.add_plugin(qparser.FieldAliasPlugin(FIELD_ALIASES))
    return _resolve_countries(parser.parse(parsed.text))


def _resolve_countries(q: Any) -> Any:
    """``country:russia`` -> ``country:ru`` (names, demonyms and capitals resolve)."""

    def fix(node: Any) -> Any:
        if isinstance(node, query.Term) and node.fieldname == "countries":
            code = country_code(str(node.text))
            if code:
                return query.Term("countries", code.lower(), boost=node.boost)
        return node

    return q.accept(fix)


def run_search(
    searcher: Any,
    cols: DocColumns,
    request: SearchRequest,
    cache: dict[Any, Any] | None = None,
) -> SearchPage:
    """The whole ``SearchPage`` for ``request``.

    ``cache`` holds per-generation data computed on first use (field lengths).
    """
    cache = {} if cache is None else cache
    memo: Memo = {}  # postings read once per query, for the document set and the scores
    parsed = to_whoosh(request.query, searcher.schema) if request.query else None
    matched, docs = result_docs(searcher, cols, request, parsed, memo)
    cache[LAST_RESULT] = (result_key(request), docs)  # for a network of the same result
    articles = int(len(docs))
    # The request layer validates paging; a backend must still not crash on odd values.
    start = max(0, request.offset)
    stop = start + max(0, request.per_page)
    column = _grouping(cols, request)
    counts = group_counts(column, docs) if column is not None else None
    total = counts.groups if counts is not None else articles
    if counts is not None and total == articles:
        column = counts = None  # every matching article is alone in its group

    page: tuple[IntArray, FloatArray | None] = (_NO_DOCS, None)
    if start < total and stop > start:
        prefix = _prefix(searcher, cols, parsed, matched, docs, request, cache, memo)
        if column is None:
            page = prefix(start, stop)
        else:
            page = collapse(lambda k: prefix(0, k), column, articles, start, stop)

    words = _highlight_words(searcher, parsed) if parsed is not None else frozenset()
    pagedocs, scores = page
    copies = counts.of(column.codes[pagedocs]) - 1 if column is not None and counts else None
    hits = tuple(
        _hit(
            searcher,
            cols,
            int(docnum),
            float(scores[i]) if scores is not None else None,
            words,
            int(copies[i]) if copies is not None else 0,
            request.group == "story",
        )
        for i, docnum in enumerate(pagedocs.tolist())
    )
    suggestion = None
    if parsed is not None and articles < SUGGEST_BELOW:
        suggestion = suggest(searcher, parsed, request.query.text)
    return SearchPage(
        request=request,
        total=total,
        hits=hits,
        facets=cols_mod.facets(cols, docs, request),
        dates=cols_mod.histogram(cols, docs),
        suggestion=suggestion,
        articles=articles,
    )


# The cache slot holding the last search's result (its key and live filtered docnums).
LAST_RESULT = "last_result"


def result_key(request: SearchRequest) -> tuple[object, ...]:
    """What decides a request's result (not its page, sort, grouping or facet size)."""
    r = request
    return (r.q, r.actors, r.countries, r.sources, r.date_from, r.date_to, r.stories, r.copy_groups)


def result_docs(
    searcher: Any, cols: DocColumns, request: SearchRequest, parsed: Any, memo: Memo
) -> tuple[IntArray, IntArray]:
    """``(matched, docs)``: the documents the query matches (deleted ones included), and
    the live ones among them passing every filter (the result facets count)."""
    mask = cols_mod.filter_mask(cols, request)
    if parsed is None:
        docs = np.flatnonzero(cols.live if mask is None else mask).astype(np.int64)
        return docs, docs
    matched = matching_docs(searcher, parsed, memo)
    docs = matched[cols.live[matched]]
    if mask is not None:
        docs = docs[mask[docs]]
    return matched, docs


def _grouping(cols: DocColumns, request: SearchRequest) -> KeyColumn | None:
    """The key column a request's rows are grouped by, or None for one row per article
    (also when the archive has no two articles sharing a key: nothing would collapse)."""
    if request.group == "none":
        return None
    column = cols.stories if request.group == "story" else cols.copies
    return column if column.grouped else None


RankedRows = tuple[IntArray, FloatArray | None]


def _prefix(
    searcher: Any,
    cols: DocColumns,
    parsed: Any,
    matched: IntArray,
    docs: IntArray,
    request: SearchRequest,
    cache: dict[Any, Any],
    memo: Memo,
) -> Callable[[int, int], RankedRows]:
    """The result's rows ``start:stop`` in rank order, as a function (scores, when the
    order is by score, computed once for every call)."""
    if parsed is not None and request.sort == "relevance":
        try:
            scores = _numpy_scores(searcher, parsed, docs, cache, memo)
        except Unsupported:

            def whoosh_ranked(start: int, stop: int) -> RankedRows:
                rows = _ranked_page(searcher, cols, parsed, matched, docs, start, stop)
                return _arrays(rows)

            return whoosh_ranked
        return lambda start, stop: _top(scores, docs, start, stop)
    newest = request.sort != "oldest"
    return lambda start, stop: (_date_page(cols, docs, start, stop, newest), None)


def _arrays(rows: Sequence[tuple[int, float]]) -> RankedRows:
    docnums = np.array([d for d, _ in rows], dtype=np.int64)
    return docnums, np.array([s for _, s in rows], dtype=np.float64)


def _numpy_scores(
    searcher: Any,
    parsed: Any,
    docs: IntArray,
    cache: dict[Any, Any],
    memo: Memo | None = None,
) -> FloatArray:
    """Whoosh's BM25F of every document of ``docs``, computed in numpy."""

    def lengths(fieldname: str) -> Any:
        key = ("field_lengths", fieldname)
        if key not in cache:
            cache[key] = field_lengths(searcher.reader(), fieldname)
        return cache[key]

    scores: FloatArray = bm25_scores(searcher, parsed, docs, lengths, memo)
    return scores


def _numpy_ranked_page(
    searcher: Any,
    parsed: Any,
    docs: IntArray,
    start: int,
    stop: int,
    cache: dict[Any, Any],
    memo: Memo | None = None,
) -> list[tuple[int, float]]:
    """Hits ``start:stop`` of ``docs`` by Whoosh's BM25F, computed in numpy."""
    scores = _numpy_scores(searcher, parsed, docs, cache, memo)
    top_docs, top_scores = _top(scores, docs, start, stop)
    return list(zip(top_docs.tolist(), top_scores.tolist(), strict=True))


def _top(scores: FloatArray, docs: IntArray, start: int, stop: int) -> tuple[IntArray, FloatArray]:
    """Rows ``start:stop`` of ``docs`` by score (exact ties: equal scores in document
    order, as Whoosh's collector), sorting only the candidates that can make the page."""
    if len(scores) > stop:
        # Only candidates at or above the stop-th best score need a full sort.
        kth = np.partition(-scores, stop - 1)[stop - 1]
        candidates = np.flatnonzero(-scores <= kth)
    else:
        candidates = np.arange(len(scores))
    order = candidates[np.lexsort((docs[candidates], -scores[candidates]))][start:stop]
    return docs[order], scores[order]


def _ranked_page(
    searcher: Any,
    cols: DocColumns,
    parsed: Any,
    matched: IntArray,
    docs: IntArray,
    start: int,
    stop: int,
) -> list[tuple[int, float]]:
    """Hits ``start:stop`` by BM25 among ``docs`` (the filtered matches of ``parsed``).

    Phrases are ranked by the BM25 of their words (Whoosh re-checks positions for every
    match when scoring a phrase, doubling its cost); which documents match is still
    decided by the phrase. With filters, the unfiltered top N (Whoosh skips whole blocks
    that cannot make it) is taken and filtered: exact as long as ``stop`` hits survive,
    with N sized from the filter's selectivity; else exactly the filtered matches are
    scored, one skip each.
    """
    rank_q = _without_phrases(parsed)
    base = matched if rank_q is parsed else matching_docs(searcher, rank_q)
    n_base, n_final = len(base), len(docs)
    if n_final == n_base:
        results = searcher.search(rank_q, limit=stop)
        return [(hit.docnum, float(hit.score)) for hit in results[start:stop]]
    keep = np.zeros(cols.size, dtype=bool)
    keep[docs] = True
    n = min(n_base, max(4 * stop, int(stop * n_base / max(n_final, 1) * 1.5)))
    if n <= MAX_OVERFETCH:
        results = searcher.search(rank_q, limit=n)
        top = [(hit.docnum, float(hit.score)) for hit in results if keep[hit.docnum]]
        if len(top) >= stop or n >= n_base:
            return top[start:stop]
    return _score_docs(searcher, rank_q, docs)[start:stop]


def _score_docs(searcher: Any, q: Any, docs: IntArray) -> list[tuple[int, float]]:
    """BM25 of exactly ``docs`` (sorted docnums), best first: a skip per document.

    For a filter that keeps few of many matches, far cheaper than letting Whoosh score
    every match and drop the filtered ones.
    """
    context = searcher.context()
    leaves = searcher.subsearchers or [(searcher, 0)]
    scored: list[tuple[int, float]] = []
    for sub, offset in leaves:
        local = docs[(docs >= offset) & (docs < offset + sub.doc_count_all())] - offset
        if not len(local):
            continue
        matcher = q.matcher(sub, context)
        for docnum in local.tolist():
            if not matcher.is_active():
                break
            matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                scored.append((docnum + offset, float(matcher.score())))
    scored.sort(key=lambda ds: (-ds[1], ds[0]))
    return scored


def _without_phrases(q: Any) -> Any:
    """``q`` with each phrase replaced by the AND of its words (same field and boost)."""
    if not any(isinstance(leaf, query.Phrase) for leaf in q.leaves()):
        return q

    def fix(node: Any) -> Any:
        if isinstance(node, query.Phrase):
            terms = [query.Term(node.fieldname, w) for w in node.words]
            return query.And(terms, boost=node.boost)
        return node

    return q.accept(fix)


def _date_page(cols: DocColumns, docs: IntArray, start: int, stop: int, newest: bool) -> IntArray:
    """Documents ``start:stop`` by date (undated last, ties by docnum), partial sort only."""
    stamps = np.clip(cols.stamp[docs], -_MAX_STAMP, _MAX_STAMP)
    key = np.where(cols.day[docs] == cols_mod.NO_DATE, _UNDATED, -stamps if newest else stamps)
    # One sortable int64 (date key, docnum): 36 bits of key, up to 26 bits of docnum.
    doc_bits = max(1, int(cols.size).bit_length())
    composite = ((key + _UNDATED) << doc_bits) + docs
    if stop < len(composite):
        part = np.argpartition(composite, stop - 1)[:stop]
        order = part[np.argsort(composite[part], kind="stable")]
    else:
        order = np.argsort(composite, kind="stable")
    result: IntArray = docs[order[start:stop]]
    return result


def _highlight_words(searcher: Any, parsed: Any) -> frozenset[str]:
    """Analysed title/body words of the query (wildcards expanded), for snippets."""
    words: set[str] = set()
    reader = searcher.reader()
    for leaf in parsed.leaves():
        if leaf.field() not in TEXT_FIELDS:
            continue
        if isinstance(leaf, query.PatternQuery):
            # Bounded: the validator requires a literal prefix before any wildcard.
            for i, (_fieldname, text) in enumerate(leaf.expanded_terms(reader)):
                if i >= MAX_EXPANDED_WORDS:
                    break
                words.add(text.decode("utf-8") if isinstance(text, bytes) else str(text))
            continue
        for _fieldname, text in leaf.iter_all_terms(phrases=True):
            words.add(text.decode("utf-8") if isinstance(text, bytes) else str(text))
    return frozenset(words)


def _hit(
    searcher: Any,
    cols: DocColumns,
    docnum: int,
    score: float | None,
    words: frozenset[str],
    copies: int,
    story_row: bool,
) -> Hit:
    doc = from_stored(searcher.stored_fields(docnum))
    return Hit(
        id=doc.id,
        title=doc.title,
        snippet=snippet(doc.body, words) if words else lead(doc.body),
        score=round(score, 4) if score is not None else None,
        url=doc.url,
        source=doc.source,
        published=doc.published,
        actors=doc.actors,
        countries=doc.countries,
        story=_story_ref(cols.stories, docnum, doc.story_key, story_row),
        copy_group=doc.copy_key,
        copies=copies,
    )


def _story_ref(column: KeyColumn, docnum: int, key: str, story_row: bool) -> StoryRef:
    """The story of document ``docnum``: its size in the whole index; for a row of a
    search grouped by story also its span and distinct sources."""
    code = int(column.codes[docnum])
    size = int(column.sizes[code]) if code >= 0 else 1
    if not story_row or code < 0:
        return StoryRef(id=key, size=size)
    first, last = int(column.first[code]), int(column.last[code])
    return StoryRef(
        id=key,
        size=size,
        first=date.fromordinal(first) if first != cols_mod.NO_DATE else None,
        last=date.fromordinal(last) if last != cols_mod.NO_DATE else None,
        sources=int(column.sources[code]),
    )
