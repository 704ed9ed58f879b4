"""Who is mentioned with whom on Typesense, with the Whoosh backend's answer.

The nodes are the top actors and countries of the result (the search page's facets,
ties by value as ``shared.top_facet`` cuts them). Each pair of nodes is counted by one
search with no hits and no facets, filtered to the result and to both nodes: its
``found`` is the pair's count, exactly what the search with both filters would total.
Faceting per node was tried first and measured far slower on Reuters (a facet search
of one node's articles over the actor and country fields: ~150 ms; a filter-only
search: ~1 ms): 23 facet searches took 3.5 s, the 276 pair searches of 24 nodes 0.3 s.
The pair searches go ``PAIRS_PER_POST`` to a ``multi_search`` POST.
"""

from __future__ import annotations

import itertools
from typing import Any

from search.backends.typesense.facets import Many
from search.backends.typesense.query import request_filters
from search.models import SearchRequest
from search.views.records import Network, NetworkEdge, NetworkNode

MAX_NODES_PER_KIND = 32  # as the Whoosh backend (its masks hold 64 nodes)
# Typesense 0.24 takes at most 50 searches per multi_search; these are the cheapest kind.
PAIRS_PER_POST = 50


def node_filter(node: NetworkNode) -> str:
    """The ``filter_by`` clause of articles naming ``node`` (as the search filters it)."""
    if node.kind == "actor":
        return request_filters(SearchRequest(actors=(node.value,)))[0]
    return request_filters(SearchRequest(countries=(node.value,)))[0]


def edges(
    many: Many, base: dict[str, Any], filters: list[str], nodes: tuple[NetworkNode, ...]
) -> Network:
    """``nodes`` with the edges among them, counted over the result that ``base`` (query
    parameters without ``filter_by``) and ``filters`` select; ``many`` answers a list of
    searches in order."""
    pairs = list(itertools.combinations(range(len(nodes)), 2))
    clauses = [node_filter(node) for node in nodes]
    searches = [
        {**base, "per_page": 0, "filter_by": " && ".join([*filters, clauses[i], clauses[j]])}
        for i, j in pairs
    ]
    answers = many(searches) if searches else []
    found = [
        NetworkEdge(nodes[i].id, nodes[j].id, int(answer.get("found") or 0))
        for (i, j), answer in zip(pairs, answers, strict=True)
    ]
    out = [e for e in found if e.count > 0]
    out.sort(key=lambda e: (-e.count, e.source, e.target))
    return Network(nodes, tuple(out))
