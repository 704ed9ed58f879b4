"""JSON shapes of the views (the API's ``/api/actors``, ``/api/countries``,
``/api/network`` and ``/api/compare``)."""

from __future__ import annotations

from typing import Any

from search.facets import country_label
from search.serialize import hit_json, request_json
from search.views.records import Comparison, CoValue, Coverage, Network, NetworkNode, Profile


def node_label(node: NetworkNode) -> str:
    """How a node is shown: an actor's name, a country's name."""
    return country_label(node.value) if node.kind == "country" else node.value


def network_json(network: Network) -> dict[str, Any]:
    """``{"nodes": [...], "edges": [...]}``; node ids are ``kind:value``."""
    return {
        "nodes": [
            {
                "id": n.id,
                "kind": n.kind,
                "value": n.value,
                "label": node_label(n),
                "count": n.count,
            }
            for n in network.nodes
        ],
        "edges": [
            {"source": e.source, "target": e.target, "count": e.count} for e in network.edges
        ],
    }


def coverage_json(coverage: Coverage) -> dict[str, Any]:
    """A contiguous timeline: every bucket between the first and the last, zeros too."""
    return {
        "interval": coverage.interval,
        "buckets": [
            {
                "key": b.key,
                "count": b.count,
                "of_all": b.of_all,
                "share": None if b.share is None else round(b.share, 6),
            }
            for b in coverage.buckets
        ],
        "undated": coverage.undated,
    }


def _co(values: tuple[CoValue, ...], countries: bool) -> list[dict[str, Any]]:
    out = []
    for v in values:
        item: dict[str, Any] = {"value": v.value, "count": v.count, "lift": v.lift}
        if countries:
            item["label"] = country_label(v.value)
        out.append(item)
    return out


def profile_json(profile: Profile) -> dict[str, Any]:
    """An actor's (``name``) or country's (``code``) profile."""
    key = "name" if profile.kind == "actor" else "code"
    return {
        "ok": True,
        key: profile.value,
        "kind": profile.kind,
        "label": profile.label,
        "count": profile.count,
        "archive": profile.archive,
        "aliases": list(profile.aliases),
        "timeline": coverage_json(profile.timeline),
        "co_actors": _co(profile.co_actors, countries=False),
        "co_countries": _co(profile.co_countries, countries=True),
        "sources": [{"value": v.value, "count": v.count} for v in profile.sources],
        "latest": [hit_json(h) for h in profile.latest],
        "stories": [hit_json(h) for h in profile.stories],
    }


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    """Every series' counts on the shared keys."""
    return {
        "ok": True,
        "interval": comparison.interval,
        "keys": list(comparison.keys),
        "series": [
            {
                "label": s.label,
                "query": request_json(s.request),
                "total": s.total,
                "undated": s.undated,
                "counts": list(s.counts),
            }
            for s in comparison.series
        ],
    }
