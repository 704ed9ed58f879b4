"""The timeline histogram: bar geometry for a server-rendered SVG, each bar a link.

The buckets are contiguous (the backends fill empty ones with 0, ``shared.contiguous``),
so equal slots are a true time axis: an empty month keeps its place, a gap of years shows
as a gap. Clicking a year narrows to that year (the backend then buckets by month), a
month to that month (buckets by day), a day to that day; empty buckets are not links.
"""

from __future__ import annotations

from dataclasses import dataclass

from search.models import DateHistogram
from web.links import SearchState

WIDTH = 600  # viewBox units; the SVG scales to its container
HEIGHT = 120
LABEL_SPACE = 18  # below the bars, for the first and last keys
MAX_BAR_WIDTH = 40
GAP = 2


@dataclass(frozen=True, slots=True)
class Bar:
    """One bucket drawn as a rectangle that links to the narrowed search."""

    key: str
    count: int
    x: float
    y: float
    width: float
    height: float
    href: str | None  # None for an empty bucket (nothing to narrow to)
    label: str


@dataclass(frozen=True, slots=True)
class Timeline:
    """Everything the template needs to draw the histogram."""

    bars: tuple[Bar, ...]
    interval: str
    undated: int
    width: int = WIDTH
    height: int = HEIGHT
    label_y: int = HEIGHT - 4


def build_timeline(dates: DateHistogram, state: SearchState) -> Timeline:
    """Lay out ``dates`` as bars scaled to the largest bucket, one slot per bucket
    (empty ones included)."""
    buckets = list(dates.buckets)
    chart_height = HEIGHT - LABEL_SPACE
    if not any(b.count for b in buckets):
        return Timeline((), dates.interval, dates.undated)
    slot = WIDTH / len(buckets)
    bar_width = max(1.0, min(MAX_BAR_WIDTH, slot - GAP))
    peak = max(b.count for b in buckets)
    bars = []
    for i, bucket in enumerate(buckets):
        # A bar of one article must stay visible (and clickable) next to a tall one; an
        # empty bucket is a hairline on the axis.
        height = max(3.0, chart_height * bucket.count / peak) if bucket.count else 0.5
        noun = "article" if bucket.count == 1 else "articles"
        bars.append(
            Bar(
                key=bucket.key,
                count=bucket.count,
                x=round(i * slot + (slot - bar_width) / 2, 2),
                y=round(chart_height - height, 2),
                width=round(bar_width, 2),
                height=round(height, 2),
                href=state.url(from_=bucket.key, to=bucket.key) if bucket.count else None,
                label=f"{bucket.key}: {bucket.count} {noun}",
            )
        )
    return Timeline(tuple(bars), dates.interval, dates.undated)


def zoom_out(state: SearchState) -> str | None:
    """URL one level up (day -> month -> year -> all dates), or None without a date filter."""
    r = state.request
    if not r.from_text and not r.to_text:
        return None
    if r.from_text and r.from_text == r.to_text:
        key = r.from_text.strip()
        if len(key) > 4:
            parent = key.rsplit("-", 1)[0]
            return state.url(from_=parent, to=parent)
    return state.url(from_=None, to=None)
