"""Who is mentioned with whom on Typesense, with the Whoosh backend's answer.

The nodes are the top actors and countries of the result (the search page's facets,
ties by value as ``shared.top_facet`` cuts them). Pairs are counted by one facet search
per node, filtered to the result and that node: the counts of the other nodes among its
facet values are their co-mentions. A node whose facet values did not reach another
node (more than ``PAIR_FACET_VALUES`` values, the other outside them) is counted by a
search for the pair. Every search goes in ``multi_search`` POSTs (``many``): with 24
nodes, three round trips plus the rare pair searches.
"""

from __future__ import annotations

from typing import Any

from search.backends.typesense import results as results
from search.backends.typesense.facets import Many
from search.backends.typesense.query import request_filters
from search.backends.typesense.schema import fold_key, key_of
from search.models import SearchRequest
from search.views.records import Network, NetworkEdge, NetworkNode

# Facet values each node's search returns (Typesense's facet cost grows with them).
PAIR_FACET_VALUES = 100
MAX_NODES_PER_KIND = 32  # as the Whoosh backend (its masks hold 64 nodes)
ACTOR_FIELD = "actor_fold"
COUNTRY_FIELD = "countries"


def node_filter(node: NetworkNode) -> str:
    """The ``filter_by`` clause of articles naming ``node`` (as the search filters it)."""
    request = SearchRequest(actors=(node.value,)) if node.kind == "actor" else None
    if request is None:
        request = SearchRequest(countries=(node.value,))
    return request_filters(request)[0]


def _match_key(node: NetworkNode) -> str:
    """How ``node`` appears among facet values: the hex key of an actor's folded name,
    a country's code."""
    return fold_key(node.value) if node.kind == "actor" else node.value


def _found_keys(answer: dict[str, Any]) -> tuple[dict[str, int], bool]:
    """``({key: count}, complete)`` of both node fields in one facet answer; complete
    when every value of each field was returned."""
    found: dict[str, int] = {}
    complete = True
    for field_name in (ACTOR_FIELD, COUNTRY_FIELD):
        counts, distinct = results.facet_counts(answer, field_name)
        if distinct > len(counts):
            complete = False
        for value, count in counts.items():
            found[key_of(value) if field_name == ACTOR_FIELD else value] = count
    return found, complete


def edges(
    many: Many, base: dict[str, Any], filters: list[str], nodes: tuple[NetworkNode, ...]
) -> Network:
    """``nodes`` with the edges among them, counted over the result that ``base`` (query
    parameters without ``filter_by``) and ``filters`` select."""
    if len(nodes) < 2:
        return Network(nodes, ())
    searches = [
        {
            **base,
            "per_page": 0,
            "filter_by": " && ".join([*filters, node_filter(node)]),
            "facet_by": f"{ACTOR_FIELD},{COUNTRY_FIELD}",
            "max_facet_values": PAIR_FACET_VALUES,
        }
        for node in nodes[:-1]
    ]
    answers = many(searches)
    counts: dict[tuple[int, int], int] = {}
    missing: list[tuple[int, int]] = []
    for i, answer in enumerate(answers):
        found, complete = _found_keys(answer)
        for j in range(i + 1, len(nodes)):
            count = found.get(_match_key(nodes[j]))
            if count is not None:
                counts[i, j] = count
            elif not complete:
                missing.append((i, j))
    if missing:
        pair_searches = [
            {
                **base,
                "per_page": 0,
                "filter_by": " && ".join([*filters, node_filter(nodes[i]), node_filter(nodes[j])]),
            }
            for i, j in missing
        ]
        for (i, j), answer in zip(missing, many(pair_searches), strict=True):
            counts[i, j] = int(answer.get("found") or 0)
    out = [NetworkEdge(nodes[i].id, nodes[j].id, c) for (i, j), c in counts.items() if c > 0]
    out.sort(key=lambda e: (-e.count, e.source, e.target))
    return Network(nodes, tuple(out))
