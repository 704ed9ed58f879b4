"""Facet counts on Typesense with the Whoosh backend's semantics.

Typesense 0.24 facets strings by their tokens (so "Boeing Co" and "Boeing Co." would be
one value) and returns an arbitrary part of a run of equal counts. Dateline counts one
value per case-insensitive spelling and breaks ties by value. So facets count ``*_fold``
keys (hex of the casefolded value, one opaque token), spellings for display come from
``*_key(s)`` (hex of the exact value), and when the top-k cut falls inside a run of equal
counts the whole run is fetched (up to ``TIE_FACET_VALUES``). ``many`` is the backend's
"several searches in multi_search POSTs" callable, so this module does no I/O of its own
and no list of values ever goes into a URL; ``export`` yields stored documents in bounded
parts, from which lists longer than ``SMALL_LIMIT`` are counted (``listing``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

from search.backends.typesense import listing as listing
from search.backends.typesense import results as results
from search.backends.typesense.schema import (
    FACET_STORAGE,
    fold_key,
    from_key,
    is_unresolved,
    key_of,
)
from search.facets import FACETS, word_start

# Several searches (multi_search POSTs), answers in order.
Many = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
# Every document, with only the stored fields named (comma-separated), in bounded parts.
Export = Callable[[str], Iterator[dict[str, Any]]]

Counts = tuple[dict[str, int], int]  # {value: count}, number of distinct values

_STORAGE = {name: FACET_STORAGE[spec.doc_field] for name, spec in FACETS.items()}
# The counted field of each facet (by facet name).
FACET_FIELDS = {name: fields.counted for name, fields in _STORAGE.items()}
# The stored field each facet is made from (counted directly for whole-index lists).
STORED_FIELDS = {name: fields.stored for name, fields in _STORAGE.items()}
# Counted fields of folded keys -> the field of their exact spellings.
SPELLINGS = {f.counted: f.spellings for f in _STORAGE.values() if f.spellings}
# The stored field holding the values of a counted field (to name hashed long values).
STORED_OF = {f.counted: f.stored for f in _STORAGE.values() if f.spellings}
# Bound of the extra facet requests made for ties and missing spellings. Typesense 0.24's
# facet cost grows faster than the values returned (measured on 500 articles: 35 values
# 1 ms of server time, 100 values 3 ms, 300 values 17 ms, 1,000 values 83 ms). Past the
# bound, tied values at the cut may differ from Whoosh's choice (the counts do not) and a
# rare case variant shows in lower case.
TIE_FACET_VALUES = 100
SPELLING_VALUES = 100
# Values whose spellings one search looks up (a filter of this many keys, in a POST body).
SPELLING_CHUNK = 25
# Values read to filter by prefix in ``values`` (the typeahead of facet values).
PREFIX_VALUES = 5000
# Up to this limit ``values`` asks for the top values (the typeahead, at most 500 through
# the service); above it, e.g. the alias pass's "every actor", it reads every value.
SMALL_LIMIT = 1000


def facet_by() -> str:
    """The ``facet_by`` of a search page: the counted fields."""
    return ",".join(FACET_FIELDS.values())


class Spellings:
    """Display spellings of casefolded facet values, looked up once and remembered.

    Counting the exact-spelling facets on every search cost more than everything else
    together on Reuters (~55 of ~90 ms for a browse page), so spellings are found with a
    small filtered search for the values actually shown and cached for the process.
    The spelling shown is the most frequent one among the articles with the value
    (Whoosh shows the first one indexed; they differ only for case variants).
    """

    LIMIT = 200_000  # entries; cleared when full (a cache, not a store)

    def __init__(self) -> None:
        self.known: dict[str, dict[str, str]] = {f: {} for f in SPELLINGS}

    def resolve(self, many: Many, field_name: str, folded: list[str]) -> dict[str, str]:
        """``{folded: spelling}`` for ``folded`` (looked up when not cached)."""
        cache = self.known[field_name]
        missing = [v for v in dict.fromkeys(folded) if v not in cache]
        if missing:
            plain = [v for v in missing if not is_unresolved(v)]
            found = best_spellings(_spellings(many, field_name, plain)) if plain else {}
            found.update(_long_spellings(many, field_name, [v for v in missing if v not in plain]))
            # Not found (the documents went meanwhile): the value, or the bare hashed key.
            fallback = {key: key_of(key) if is_unresolved(key) else key for key in missing}
            self.remember(field_name, {key: found.get(key, fallback[key]) for key in missing})
        return {v: cache.get(v, v) for v in folded}

    def remember(self, field_name: str, names: dict[str, str]) -> None:
        """Cache ``{folded: spelling}`` (a whole-index listing finds them all at once);
        never more than ``LIMIT`` entries, however many the archive has."""
        cache = self.known[field_name]
        if len(cache) + len(names) > self.LIMIT:
            cache.clear()
        cache.update(itertools.islice(names.items(), self.LIMIT))


def best_spellings(counts: dict[str, int]) -> dict[str, str]:
    """``{folded: spelling}``: the most frequent exact spelling of each casefolded value
    (ties by value), from ``{exact spelling: documents}``."""
    best: dict[str, tuple[int, str]] = {}
    for value, count in counts.items():
        key = value.casefold()
        if key not in best or (-count, value) < (-best[key][0], best[key][1]):
            best[key] = (count, value)
    return {key: value for key, (_, value) in best.items()}


def tables(
    response: dict[str, Any],
    size: int,
    base: dict[str, Any],
    many: Many,
    spellings: Spellings,
    selected: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, Counts]:
    """``{facet: ({display value: count}, distinct)}`` for every facet of ``FACETS``.

    ``base`` are the search parameters of ``response`` (query and filters), used when
    the top-k cut falls in a run of equal counts and the whole run is needed.
    """
    counts = {f: results.facet_counts(response, f) for f in FACET_FIELDS.values()}
    tied = [
        f
        for f, (c, n) in counts.items()
        if results.cut_in_tie(c, n, size) and n <= TIE_FACET_VALUES
    ]
    if tied:
        wanted = max(counts[f][1] for f in tied)
        again = many([{**base, "facet_by": ",".join(tied), "max_facet_values": wanted}])[0]
        counts.update({f: results.facet_counts(again, f) for f in tied})
    out: dict[str, Counts] = {}
    for name, field_name in FACET_FIELDS.items():
        values, distinct = counts[field_name]
        if field_name in SPELLINGS:
            # Spellings matter only for the values shown: the top ``size`` and the selected.
            shown = sorted(values, key=lambda v: (-values[v], v))[:size]
            picked = (selected or {}).get(name, ())
            shown += [c for c in (from_key(fold_key(v)) for v in picked) if c in values]
            names = spellings.resolve(many, field_name, shown) if shown else {}
            values = {names.get(v, v): c for v, c in values.items()}
        out[name] = (values, distinct)
    return out


def _spellings(many: Many, field_name: str, folded: list[str]) -> dict[str, int]:
    """Exact spellings (with counts) of the casefolded values ``folded``.

    One search per ``SPELLING_CHUNK`` values, sent in POST bodies: a page shows a few
    dozen values, but a caller may ask for thousands, and a filter naming all of them in
    one GET was the URL too long for httpx of issue 16.
    """
    chunks = [folded[i : i + SPELLING_CHUNK] for i in range(0, len(folded), SPELLING_CHUNK)]
    answers = many(
        [
            {
                "q": "*",
                "query_by": "title",
                "per_page": 0,
                "filter_by": f"{field_name}:=[" + ",".join(key_of(v) for v in chunk) + "]",
                "facet_by": SPELLINGS[field_name],
                "max_facet_values": SPELLING_VALUES,
            }
            for chunk in chunks
        ]
    )
    wanted = set(folded)
    found: dict[str, int] = {}
    for answer in answers:
        spellings, _ = results.facet_counts(answer, SPELLINGS[field_name])
        found.update({v: c for v, c in spellings.items() if v.casefold() in wanted})
    return found


def _long_spellings(many: Many, field_name: str, unresolved: list[str]) -> dict[str, str]:
    """``{stand-in: spelling}`` of hashed long values, each read from one document that
    holds it (a spelling of that document, not necessarily the most frequent one)."""
    stored = STORED_OF[field_name]
    searches = [
        {
            "q": "*",
            "query_by": "title",
            "per_page": 1,
            "filter_by": f"{field_name}:={key_of(v)}",
            "include_fields": stored,
        }
        for v in unresolved
    ]
    found: dict[str, str] = {}
    for value, answer in zip(unresolved, many(searches) if searches else [], strict=True):
        for hit in answer.get("hits") or ():
            raw = hit["document"].get(stored)
            for name in [raw] if isinstance(raw, str) else raw or ():
                if fold_key(name) == key_of(value):
                    found[value] = name
    return found


def values(
    many: Many,
    export: Export,
    spellings: Spellings,
    facet: str,
    prefix: str,
    limit: int,
) -> list[tuple[str, int]]:
    """Values of one facet over the whole index with a word starting with ``prefix`` (any
    case), most frequent first, ties by value, at most ``limit`` (``Backend.facet_values``)."""
    if limit <= 0:
        return []
    if limit + results.FACET_SLACK <= SMALL_LIMIT:
        found = _top_values(many, spellings, facet, prefix, limit)
    else:
        found = _every_value(export, spellings, facet, prefix)
    found.sort(key=lambda vc: (-vc[1], vc[0]))
    return found[:limit]


def _top_values(
    many: Many, spellings: Spellings, facet: str, prefix: str, limit: int
) -> list[tuple[str, int]]:
    """The top ``limit`` values from one facet request (bounded by the limit)."""
    folded = prefix.casefold().strip()
    matches = word_start(folded)
    field_name = FACET_FIELDS[facet]
    base: dict[str, Any] = {"q": "*", "query_by": "title", "per_page": 0}
    # The keys are opaque (hex) and Typesense's facet_query returns at most 10 values,
    # so with a prefix read up to PREFIX_VALUES values and filter here. Folded values
    # are matched as they are (case-insensitive anyway).
    fetch = PREFIX_VALUES if folded else limit + results.FACET_SLACK
    response = many([{**base, "facet_by": field_name, "max_facet_values": fetch}])[0]
    if folded:
        # Every matching value is in hand (up to PREFIX_VALUES): cut here, keeping the
        # whole run of values tied at the cut so ``values`` breaks the tie by spelling.
        # (``tables`` would fetch a tied run again without the prefix.)
        counts, _ = results.facet_counts(response, field_name)
        # Long values are counted under a hash: their names are read (once, then
        # cached) so that their words can match too.
        hashed = [v for v in counts if is_unresolved(v)] if field_name in SPELLINGS else []
        long_names = spellings.resolve(many, field_name, hashed) if hashed else {}
        kept = {v: c for v, c in counts.items() if c and matches(long_names.get(v, v))}
        ranked = sorted(kept, key=lambda v: (-kept[v], v))
        if len(ranked) > limit:
            floor = kept[ranked[limit - 1]]
            ranked = [v for v in ranked if kept[v] >= floor]
        names = spellings.resolve(many, field_name, ranked) if field_name in SPELLINGS else {}
        return [(names.get(v, v), kept[v]) for v in ranked]
    table = tables(response, limit, base, many, spellings)[facet][0]
    return [(v, c) for v, c in table.items() if c]


def _every_value(
    export: Export, spellings: Spellings, facet: str, prefix: str
) -> list[tuple[str, int]]:
    """Every value starting with ``prefix`` with its count, from bounded exports.

    Counted from the stored field (what the facet fields are made of), which also gives
    every display spelling at once (and fills the cache): far cheaper than asking
    Typesense for the facet values, which costs ~60 us per value returned.
    """
    field_name = FACET_FIELDS[facet]
    folded_values = field_name in SPELLINGS
    counts, exact = listing.count_values(
        export(STORED_FIELDS[facet]), STORED_FIELDS[facet], folded=folded_values
    )
    names: dict[str, str] = {}
    if folded_values:
        names = best_spellings(exact)
        spellings.remember(field_name, names)
    matches = word_start(prefix)
    return [(names.get(v, v), c) for v, c in counts.items() if matches(v)]
