"""The timeline histogram: bar geometry for a server-rendered SVG, each bar a link.

The buckets are contiguous (the backends fill empty ones with 0, ``shared.contiguous``),
so equal slots are a true time axis: an empty month keeps its place, a gap of years shows
as a gap. Clicking a year narrows to that year (the backend then buckets by month), a
month to that month (buckets by day), a day to that day; empty buckets are not links.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

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
    tick: str = ""  # the short text under the bar ("Mar 1987", "Apr", ...)


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
                tick=tick(bucket.key, first=i == 0),
            )
        )
    return Timeline(tuple(bars), dates.interval, dates.undated)


def tick(key: str, first: bool = False) -> str:
    """A bucket's short label under its bar, so that twelve fit on a phone: a month is
    "Apr" ("Mar 1987" for the first bar and each January), a day "26" ("Mar 26" for the
    first and each 1st); a year stays as it is."""
    parts = key.split("-")
    try:
        if len(parts) == 2:
            month = date(int(parts[0]), int(parts[1]), 1)
            return f"{month:%b %Y}" if first or month.month == 1 else f"{month:%b}"
        if len(parts) == 3:
            day = date.fromisoformat(key)
            return f"{day:%b} {day.day}" if first or day.day == 1 else str(day.day)
    except ValueError:
        pass
    return key


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


# Fewer consecutive days than this are shown one by one ("March 24 ... March 25").
MIN_RUN_DAYS = 4


@dataclass(frozen=True, slots=True)
class DayRun:
    """Consecutive days mentioned by an article, shown as one chip: "1987-03-26", a whole
    month "1987-05", or "1987-04-21 – 1987-04-30". ``day`` is set for a single day (the
    chip links to ``mentioned:<day>``)."""

    label: str
    day: str | None


def day_runs(days: Iterable[str]) -> list[DayRun]:
    """``days`` (ISO dates) as runs of consecutive days: a range such as "late April" or
    "May" is stored day by day (so a date filter finds it), but reads as one span."""
    parsed = sorted({d for d in (_day(text) for text in days) if d is not None})
    runs: list[list[date]] = []
    for day in parsed:
        if runs and day - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    out = []
    for run in runs:
        first, last = run[0], run[-1]
        if len(run) < MIN_RUN_DAYS:  # separate mentions of neighbouring days stay apart
            out.extend(DayRun(d.isoformat(), d.isoformat()) for d in run)
        elif first.day == 1 and (last + timedelta(days=1)).day == 1 and _same_month(first, last):
            out.append(DayRun(f"{first:%Y-%m}", None))
        else:
            out.append(DayRun(f"{first.isoformat()} – {last.isoformat()}", None))
    return out


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _same_month(a: date, b: date) -> bool:
    return (a.year, a.month) == (b.year, b.month)
