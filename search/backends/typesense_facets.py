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


def spell_by() -> str:
    """The ``facet_by`` of the companion search that finds display spellings."""
    return ",".join(SPELLINGS.values())


def tables(
    response: dict[str, Any],
    size: int,
    base: dict[str, Any],
    run: Run,
    selected: dict[str, tuple[str, ...]] | None = None,
    spellings: dict[str, Any] | None = None,
) -> dict[str, Counts]:
    """``{facet: ({display value: count}, distinct)}`` for actor, country and source.

    ``base`` are the search parameters of ``response`` (query and filters), used for
    the follow-up requests that ties or missing spellings need; ``spellings`` is the
    response holding the ``*_key(s)`` facets when it is not ``response`` itself.
    """
    counts = {f: results.facet_counts(response, f) for f in FACET_FIELDS.values()}
    source = response if spellings is None else spellings
    spell = {f: results.facet_counts(source, s)[0] for f, s in SPELLINGS.items()}
    tied = [
        f
        for f, (c, n) in counts.items()
        if results.cut_in_tie(c, n, size) and n <= TIE_FACET_VALUES
    ]
    if tied:
        fields = tied + [SPELLINGS[f] for f in tied if f in SPELLINGS]
        wanted = max(counts[f][1] for f in tied)
        again = run({**base, "facet_by": ",".join(fields), "max_facet_values": wanted})
        counts.update({f: results.facet_counts(again, f) for f in tied})
        spell.update({f: results.facet_counts(again, SPELLINGS[f])[0] for f in tied if f in spell})
    out: dict[str, Counts] = {}
    for name, field_name in FACET_FIELDS.items():
        values, distinct = counts[field_name]
        if field_name in SPELLINGS:
            # Spellings matter only for the values shown: the top ``size`` and the selected.
            shown = sorted(values, key=lambda v: (-values[v], v))[:size]
            picked = (selected or {}).get(name, ())
            shown += [v.casefold() for v in picked if v.casefold() in values]
            known = {v.casefold() for v in spell[field_name]}
            missing = [v for v in dict.fromkeys(shown) if v not in known]
            if missing:
                spell[field_name].update(_spellings(run, base, field_name, missing))
            values = results.spelled(values, spell[field_name])
        out[name] = (values, distinct)
    return out


def _spellings(
    run: Run, base: dict[str, Any], field_name: str, folded: list[str]
) -> dict[str, int]:
    """Exact spellings (with counts) of the casefolded values ``folded``."""
    clause = f"{field_name}:=[" + ",".join(fold_key(v) for v in folded) + "]"
    filter_by = f"({base['filter_by']}) && {clause}" if base.get("filter_by") else clause
    response = run(
        {
            **base,
            "filter_by": filter_by,
            "facet_by": SPELLINGS[field_name],
            "max_facet_values": SPELLING_VALUES,
        }
    )
    wanted = set(folded)
    spellings, _ = results.facet_counts(response, SPELLINGS[field_name])
    return {v: c for v, c in spellings.items() if v.casefold() in wanted}


def values(run: Run, facet: str, prefix: str, limit: int) -> list[tuple[str, int]]:
    """Values of one facet over the whole index starting with ``prefix`` (any case),
    most frequent first, ties by value (``Backend.facet_values``)."""
    folded = prefix.casefold()
    field_name = FACET_FIELDS[facet]
    base: dict[str, Any] = {"q": "*", "query_by": "title", "per_page": 0}
    # The keys are opaque (hex): Typesense's facet_query cannot match a prefix of them,
    # so with a prefix read up to TIE_FACET_VALUES values and filter here.
    fetch = PREFIX_VALUES if folded else limit + results.FACET_SLACK
    fields = [field_name] + ([SPELLINGS[field_name]] if field_name in SPELLINGS else [])
    response = run({**base, "facet_by": ",".join(fields), "max_facet_values": fetch})
    table = tables(response, limit, base, run)[facet][0]
    found = [(v, c) for v, c in table.items() if c and v.casefold().startswith(folded)]
    found.sort(key=lambda vc: (-vc[1], vc[0]))
    return found[: max(limit, 0)]
