"""One search over an open Whoosh searcher and its facet columns.

Steps: the request's parsed query as a Whoosh query (``to_whoosh``); the matching
document numbers (``docs_for_query``) intersected with the filter mask from the columns;
the page (BM25 top-k through a numpy-backed filter, or a date sort in numpy); snippets
for the page only; facets and histogram by ``bincount`` over the whole filtered result.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from whoosh import qparser, query

from search.backends.shared import lead
from search.backends.whoosh import columns as cols_mod
from search.backends.whoosh.columns import DocColumns, IntArray
from search.backends.whoosh.docsets import Memo, matching_docs
from search.backends.whoosh.schema import FIELD_ALIASES, TEXT_ANALYZER, WORDS_FIELD, from_stored
from search.backends.whoosh.scoring import Unsupported, bm25_scores, field_lengths
from search.backends.whoosh.snippets import snippet
from search.models import Hit, SearchPage, SearchRequest
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
    mask = cols_mod.filter_mask(cols, request)
    if parsed is None:
        docs = np.flatnonzero(cols.live if mask is None else mask).astype(np.int64)
        matched = docs
    else:
        matched = matching_docs(searcher, parsed, memo)
        docs = matched[cols.live[matched]]
        if mask is not None:
            docs = docs[mask[docs]]
    total = int(len(docs))
    # The request layer validates paging; a backend must still not crash on odd values.
    start = max(0, request.offset)
    stop = start + max(0, request.per_page)

    page: Sequence[tuple[int, float | None]] = []
    if start < total and stop > start:
        if parsed is not None and request.sort == "relevance":
            try:
                page = _numpy_ranked_page(searcher, parsed, docs, start, stop, cache, memo)
            except Unsupported:
                page = _ranked_page(searcher, cols, parsed, matched, docs, start, stop)
        else:
            newest = request.sort != "oldest"
            page = [(int(d), None) for d in _date_page(cols, docs, start, stop, newest)]

    words = _highlight_words(searcher, parsed) if parsed is not None else frozenset()
    hits = tuple(_hit(searcher, docnum, score, words) for docnum, score in page)
    suggestion = None
    if parsed is not None and total < SUGGEST_BELOW:
        suggestion = _suggest(searcher, parsed, request.query.text)
    return SearchPage(
        request=request,
        total=total,
        hits=hits,
        facets=cols_mod.facets(cols, docs, request),
        dates=cols_mod.histogram(cols, docs),
        suggestion=suggestion,
    )


def _numpy_ranked_page(
    searcher: Any,
    parsed: Any,
    docs: IntArray,
    start: int,
    stop: int,
    cache: dict[Any, Any],
    memo: Memo | None = None,
) -> list[tuple[int, float]]:
    """Hits ``start:stop`` of ``docs`` by Whoosh's BM25F, computed in numpy (exact ties:
    equal scores in document order, as Whoosh's collector)."""

    def lengths(fieldname: str) -> Any:
        key = ("field_lengths", fieldname)
        if key not in cache:
            cache[key] = field_lengths(searcher.reader(), fieldname)
        return cache[key]

    scores = bm25_scores(searcher, parsed, docs, lengths, memo)
    if len(scores) > stop:
        # Only candidates at or above the stop-th best score need a full sort.
        kth = np.partition(-scores, stop - 1)[stop - 1]
        candidates = np.flatnonzero(-scores <= kth)
    else:
        candidates = np.arange(len(scores))
    order = candidates[np.lexsort((docs[candidates], -scores[candidates]))]
    return [(int(docs[i]), float(scores[i])) for i in order[start:stop]]


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


def _hit(searcher: Any, docnum: int, score: float | None, words: frozenset[str]) -> Hit:
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
    )


def _suggest(searcher: Any, parsed: Any, q_text: str) -> str | None:
    """``q_text`` with each word unknown to the body replaced by the closest known word.

    Candidates come from the index's vocabulary (``words``: unstemmed words of titles and
    bodies) within one, then two edits, first letter fixed (how most typos look, and it
    keeps the lookup fast); the one in most documents wins.
    """
    reader = searcher.reader()
    spans: dict[tuple[int, int], str] = {}
    for token in parsed.all_tokens():
        if token.fieldname != "body" or ("body", token.text) in reader:
            continue
        if token.startchar is None or token.endchar is None:
            continue
        surface = q_text[token.startchar : token.endchar].lower()
        found = _closest_word(reader, surface)
        if found:
            spans[(token.startchar, token.endchar)] = found
    if not spans:
        return None
    out = q_text
    for (start, end), word in sorted(spans.items(), reverse=True):
        out = out[:start] + word + out[end:]
    return out


def _closest_word(reader: Any, word: str) -> str | None:
    """The vocabulary word nearest ``word`` (fewest edits, then most documents)."""
    if WORDS_FIELD not in reader.schema:
        return None
    for maxdist in (1, 2):
        found = {w for w in reader.terms_within(WORDS_FIELD, word, maxdist, prefix=1) if w != word}
        if found:
            return min(found, key=lambda w: (-_body_frequency(reader, w), w))
    return None


def _body_frequency(reader: Any, word: str) -> int:
    """Documents whose body holds ``word`` (through its stem), 0 for a stop word."""
    stems = [t.text for t in TEXT_ANALYZER(word)]
    return reader.doc_frequency("body", stems[0]) if stems else 0
