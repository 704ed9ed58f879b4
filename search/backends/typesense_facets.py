"""Facet counts on Typesense with the Whoosh backend's semantics.

Typesense 0.24 facets strings by their tokens (so "Boeing Co" and "Boeing Co." would be
one value) and returns an arbitrary part of a run of equal counts. Dateline counts one
value per case-insensitive spelling and breaks ties by value. So facets count ``*_fold``
keys (hex of the casefolded value, one opaque token), spellings for display come from
``*_key(s)`` (hex of the exact value), and when the top-k cut falls inside a run of equal
counts the whole run is fetched (up to ``TIE_FACET_VALUES``). ``run`` is the backend's
"one search" callable, so this module does no I/O of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from search.backends import typesense_results as results
from search.backends.typesense_schema import fold_key

Run = Callable[[dict[str, Any]], dict[str, Any]]
Counts = tuple[dict[str, int], int]  # {value: count}, number of distinct values

FACET_FIELDS = {"actor": "actor_fold", "country": "countries", "source": "source_fold"}
SPELLINGS = {"actor_fold": "actor_keys", "source_fold": "source_key"}
# Bound of the extra facet requests made for ties and missing spellings. Typesense 0.24's
# facet cost grows faster than the values returned (measured on 500 articles: 35 values
# 1 ms of server time, 100 values 3 ms, 300 values 17 ms, 1,000 values 83 ms). Past the
# bound, tied values at the cut may differ from Whoosh's choice (the counts do not) and a
# rare case variant shows in lower case.
TIE_FACET_VALUES = 100
SPELLING_VALUES = 100
# Values read to filter by prefix in ``values`` (the typeahead of facet values).
PREFIX_VALUES = 5000


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

    def resolve(self, run: Run, field_name: str, folded: list[str]) -> dict[str, str]:
        """``{folded: spelling}`` for ``folded`` (looked up when not cached)."""
        cache = self.known[field_name]
        missing = [v for v in dict.fromkeys(folded) if v not in cache]
        if missing:
            if len(cache) > self.LIMIT:
                cache.clear()
            found = _spellings(run, field_name, missing)
            best: dict[str, tuple[int, str]] = {}
            for value, count in found.items():
                key = value.casefold()
                if key not in best or (-count, value) < (-best[key][0], best[key][1]):
                    best[key] = (count, value)
            for key in missing:
                cache[key] = best[key][1] if key in best else key
        return {v: cache[v] for v in folded}


def tables(
    response: dict[str, Any],
    size: int,
    base: dict[str, Any],
    run: Run,
    spellings: Spellings,
    selected: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, Counts]:
    """``{facet: ({display value: count}, distinct)}`` for actor, country and source.

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
        again = run({**base, "facet_by": ",".join(tied), "max_facet_values": wanted})
        counts.update({f: results.facet_counts(again, f) for f in tied})
    out: dict[str, Counts] = {}
    for name, field_name in FACET_FIELDS.items():
        values, distinct = counts[field_name]
        if field_name in SPELLINGS:
            # Spellings matter only for the values shown: the top ``size`` and the selected.
            shown = sorted(values, key=lambda v: (-values[v], v))[:size]
            picked = (selected or {}).get(name, ())
            shown += [v.casefold() for v in picked if v.casefold() in values]
            names = spellings.resolve(run, field_name, shown) if shown else {}
            values = {names.get(v, v): c for v, c in values.items()}
        out[name] = (values, distinct)
    return out


def _spellings(run: Run, field_name: str, folded: list[str]) -> dict[str, int]:
    """Exact spellings (with counts) of the casefolded values ``folded``."""
    response = run(
        {
            "q": "*",
            "query_by": "title",
            "per_page": 0,
            "filter_by": f"{field_name}:=[" + ",".join(fold_key(v) for v in folded) + "]",
            "facet_by": SPELLINGS[field_name],
            "max_facet_values": SPELLING_VALUES,
        }
    )
    wanted = set(folded)
    spellings, _ = results.facet_counts(response, SPELLINGS[field_name])
    return {v: c for v, c in spellings.items() if v.casefold() in wanted}


def values(
    run: Run, spellings: Spellings, facet: str, prefix: str, limit: int
) -> list[tuple[str, int]]:
    """Values of one facet over the whole index starting with ``prefix`` (any case),
    most frequent first, ties by value (``Backend.facet_values``)."""
    folded = prefix.casefold()
    field_name = FACET_FIELDS[facet]
    base: dict[str, Any] = {"q": "*", "query_by": "title", "per_page": 0}
    # The keys are opaque (hex): Typesense's facet_query cannot match a prefix of them,
    # so with a prefix read up to PREFIX_VALUES values and filter here.
    fetch = PREFIX_VALUES if folded else limit + results.FACET_SLACK
    response = run({**base, "facet_by": field_name, "max_facet_values": fetch})
    if folded:
        counts, _ = results.facet_counts(response, field_name)
        kept = {v: c for v, c in counts.items() if c and v.casefold().startswith(folded)}
        response = {
            "facet_counts": [
                {
                    "field_name": field_name,
                    "counts": [
                        {"value": fold_key(v) if field_name in SPELLINGS else v, "count": c}
                        for v, c in kept.items()
                    ],
                    "stats": {"total_values": len(kept)},
                }
            ]
        }
    table = tables(response, limit, base, run, spellings)[facet][0]
    found = [(v, c) for v, c in table.items() if c]
    found.sort(key=lambda vc: (-vc[1], vc[0]))
    return found[: max(limit, 0)]
