"""Geometry of the views' server-rendered SVG charts: coverage bars on a true time axis,
the who-with-whom graph, and the lines of a comparison.

Pure layout (numbers and URLs); templates draw it with presentation attributes only
(the CSP allows no inline style or script).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from search.facets import FACETS
from search.views.records import Comparison, Coverage, Network, NetworkNode
from search.views.serialize import node_label
from web.links import SearchState

BAR_WIDTH = 600
BAR_HEIGHT = 120
MAX_BAR = 40
GRAPH_SIZE = 560  # the network's square viewBox
GRAPH_RADIUS = 170
GRAPH_MARGIN = 40  # above and below the circle, for the labels
MAX_EDGES_DRAWN = 120
LINE_WIDTH = 600
LINE_HEIGHT = 200
LINE_PAD = 6
SERIES_COLOURS = 6  # CSS classes series-0 .. series-5


@dataclass(frozen=True, slots=True)
class CoverageBar:
    """One bucket's slot; a bucket without articles has height 0 and no link."""

    key: str
    count: int
    x: float
    y: float
    width: float
    height: float
    href: str | None
    label: str


def coverage_bars(
    coverage: Coverage, state: SearchState, *, share: bool = False
) -> tuple[CoverageBar, ...]:
    """Bars in equal, contiguous slots (zeros keep their slot: a true time axis), scaled
    to the largest count, or to the largest share of the archive's articles."""
    buckets = coverage.buckets
    if not buckets:
        return ()
    slot = BAR_WIDTH / len(buckets)
    width = max(0.5, min(MAX_BAR, slot * 0.85))
    values = [(b.share or 0.0) if share else float(b.count) for b in buckets]
    peak = max(values) or 1.0
    bars = []
    for i, (bucket, value) in enumerate(zip(buckets, values, strict=True)):
        height = BAR_HEIGHT * value / peak if bucket.count else 0.0
        if bucket.count:
            height = max(2.0, height)  # one article stays visible and clickable
        noun = "article" if bucket.count == 1 else "articles"
        label = f"{bucket.key}: {bucket.count} {noun}"
        if bucket.share is not None and bucket.of_all:
            label += f" ({bucket.share:.1%} of {bucket.of_all})"
        bars.append(
            CoverageBar(
                key=bucket.key,
                count=bucket.count,
                x=round(i * slot + (slot - width) / 2, 2),
                y=round(BAR_HEIGHT - height, 2),
                width=round(width, 2),
                height=round(height, 2),
                href=state.url(from_=bucket.key, to=bucket.key) if bucket.count else None,
                label=label,
            )
        )
    return tuple(bars)


@dataclass(frozen=True, slots=True)
class GraphNode:
    """A node placed on the circle, with its label's anchor and its search link."""

    node: NetworkNode
    label: str
    x: float
    y: float
    r: float
    label_x: float
    label_y: float
    anchor: str  # "start" or "end"
    href: str


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """A line between two nodes; ``weight`` 1-4 chooses its CSS class."""

    x1: float
    y1: float
    x2: float
    y2: float
    count: int
    weight: int
    label: str
    href: str


@dataclass(frozen=True, slots=True)
class Graph:
    """The laid-out network."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    size: int = GRAPH_SIZE

    @property
    def view_box(self) -> str:
        """The drawn square's rows that hold the circle and its labels (no empty bands)."""
        top = GRAPH_SIZE / 2 - GRAPH_RADIUS - GRAPH_MARGIN
        return f"0 {top:g} {GRAPH_SIZE} {2 * (GRAPH_RADIUS + GRAPH_MARGIN):g}"


def graph_layout(network: Network, state: SearchState) -> Graph:
    """Nodes on a circle (actors, then countries, each by count), node area by count,
    edges (the strongest ``MAX_EDGES_DRAWN``) drawn in four weights by count."""
    nodes = network.nodes
    if not nodes:
        return Graph((), ())
    centre = GRAPH_SIZE / 2
    peak = max(n.count for n in nodes) or 1
    placed: dict[str, GraphNode] = {}
    for i, node in enumerate(nodes):
        angle = -math.pi / 2 + 2 * math.pi * i / len(nodes)
        cos, sin = math.cos(angle), math.sin(angle)
        x, y = centre + GRAPH_RADIUS * cos, centre + GRAPH_RADIUS * sin
        label_r = GRAPH_RADIUS + 22
        placed[node.id] = GraphNode(
            node=node,
            label=_short(node_label(node)),
            x=round(x, 1),
            y=round(y, 1),
            r=round(4 + 12 * math.sqrt(node.count / peak), 1),
            label_x=round(centre + label_r * cos, 1),
            label_y=round(centre + label_r * sin + (4 if abs(cos) >= 0.1 else 6 * sin), 1),
            # Labels beside the circle; at its very top and bottom, centred above or below.
            anchor="middle" if abs(cos) < 0.1 else ("start" if cos > 0 else "end"),
            href=state.add(node.kind, node.value),
        )
    drawn = network.edges[:MAX_EDGES_DRAWN]
    top = max((e.count for e in drawn), default=1)
    edges = []
    for edge in drawn:
        a, b = placed[edge.source], placed[edge.target]
        weight = 1 + min(3, int(4 * edge.count / (top + 1)))
        label = f"{a.label} and {b.label}: {edge.count}"
        href = with_both(state, a.node, b.node)
        edges.append(GraphEdge(a.x, a.y, b.x, b.y, edge.count, weight, label, href))
    # Thin lines first, so strong ones are drawn on top.
    edges.sort(key=lambda e: e.count)
    return Graph(tuple(placed.values()), tuple(edges))


def with_both(state: SearchState, a: NetworkNode, b: NetworkNode) -> str:
    """The search narrowed to the articles naming both nodes (what an edge counts)."""
    values = {kind: list(FACETS[kind].selected(state.request)) for kind in ("actor", "country")}
    for node in (a, b):
        if node.value not in values[node.kind]:
            values[node.kind].append(node.value)
    return state.url(actor=values["actor"], country=values["country"])


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class Line:
    """One series as a polyline, with its points (for titles) and colour class."""

    label: str
    total: int
    points: str  # "x,y x,y ..."
    dots: tuple[tuple[float, float, str], ...]  # (x, y, title) when few points
    colour: int
    href: str


def comparison_lines(comparison: Comparison) -> tuple[tuple[Line, ...], int]:
    """Polylines on a shared axis (x: key index; y: count, one scale for all) and the
    peak count the scale goes to."""
    keys = comparison.keys
    peak = max((max(s.counts) for s in comparison.series if s.counts), default=0)
    lines = []
    scale = (LINE_HEIGHT - 2 * LINE_PAD) / (peak or 1)
    step = (LINE_WIDTH - 2 * LINE_PAD) / max(1, len(keys) - 1)
    for i, series in enumerate(comparison.series):
        xy = [
            (
                round(
                    LINE_PAD + (k * step if len(keys) > 1 else (LINE_WIDTH - 2 * LINE_PAD) / 2), 1
                ),
                round(LINE_HEIGHT - LINE_PAD - c * scale, 1),
            )
            for k, c in enumerate(series.counts)
        ]
        dots = tuple(
            (x, y, f"{series.label}, {key}: {count}")
            for (x, y), key, count in zip(xy, keys, series.counts, strict=True)
        )
        lines.append(
            Line(
                label=series.label,
                total=series.total,
                points=" ".join(f"{x},{y}" for x, y in xy),
                dots=dots if len(keys) <= 120 else (),
                colour=i % SERIES_COLOURS,
                href=SearchState(series.request).url(),
            )
        )
    return tuple(lines), peak
