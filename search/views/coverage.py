"""Coverage over time on a true time axis: histogram buckets made contiguous (every year,
month or day between the first and last, zeros included), rolled up to a coarser
interval when several histograms share one axis.

Bucket keys are the histogram's (``1987``, ``1987-03``, ``1987-03-02``); a coarser key is
a prefix of a finer one, which is what rolling up relies on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from search.backends.shared import choose_interval
from search.models import DateHistogram
from search.views.records import Coverage, CoverageBucket, Interval

# Coarsest first; a key of INTERVALS[i] is a prefix of a key of INTERVALS[i + 1].
INTERVALS: tuple[Interval, ...] = ("year", "month", "day")
_KEY_LENGTH = {"year": 4, "month": 7, "day": 10}
# A comparison never draws more points than this per line (a long span of days is
# rolled up to months first).
MAX_KEYS = 400


def coarsest(intervals: Iterable[Interval]) -> Interval:
    """The coarsest of ``intervals`` ("day" when there are none)."""
    found = set(intervals)
    return next((i for i in INTERVALS if i in found), "day")


def rollup(counts: Mapping[str, int], interval: Interval) -> dict[str, int]:
    """Counts of finer (or equal) keys summed into keys of ``interval``."""
    length = _KEY_LENGTH[interval]
    out: dict[str, int] = {}
    for key, count in counts.items():
        short = key[:length]
        out[short] = out.get(short, 0) + count
    return out


def key_start(key: str) -> date:
    """The first day of a bucket key."""
    parts = [int(p) for p in key.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def key_end(key: str) -> date:
    """The last day of a bucket key."""
    parts = key.split("-")
    if len(parts) == 3:
        return key_start(key)
    if len(parts) == 2:
        return _next_month(key_start(key)) - timedelta(days=1)
    return date(int(parts[0]), 12, 31)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def key_of(day: date, interval: Interval) -> str:
    """The bucket key of ``day`` at ``interval``."""
    return day.isoformat()[: _KEY_LENGTH[interval]]


def span_keys(first: str, last: str, interval: Interval) -> list[str]:
    """Every key of ``interval`` from the bucket holding ``first`` to the one holding
    ``last`` (both keys of that interval or finer), in order."""
    start, stop = key_start(first), key_start(last)
    if start > stop:
        return []
    keys: list[str] = []
    if interval == "year":
        return [f"{y:04d}" for y in range(start.year, stop.year + 1)]
    if interval == "month":
        day = date(start.year, start.month, 1)
        while day <= stop:
            keys.append(key_of(day, "month"))
            day = _next_month(day)
        return keys
    return [(start + timedelta(days=n)).isoformat() for n in range((stop - start).days + 1)]


def contiguous(dates: DateHistogram, of_all: Mapping[str, int] | None = None) -> Coverage:
    """``dates`` with a bucket for every key between its first and last (zeros filled);
    ``of_all`` (the archive's counts at the same interval) gives each bucket's share."""
    counts = {b.key: b.count for b in dates.buckets if b.count}
    if not counts:
        return Coverage(dates.interval, (), dates.undated)
    ordered = sorted(counts)
    keys = span_keys(ordered[0], ordered[-1], dates.interval)
    buckets = tuple(
        CoverageBucket(key, counts.get(key, 0), None if of_all is None else int(of_all.get(key, 0)))
        for key in keys
    )
    return Coverage(dates.interval, buckets, dates.undated)


def shared_axis(histograms: Sequence[DateHistogram]) -> tuple[Interval, list[str]]:
    """One interval and contiguous keys covering every histogram's dated buckets.

    The interval is the one a single histogram of all of them would get (from the whole
    span, as ``choose_interval`` picks it), and never finer than any histogram's own
    (its buckets can be rolled up, not split); a span needing more than ``MAX_KEYS``
    keys is made coarser.
    """
    keys = [b.key for h in histograms for b in h.buckets if b.count]
    if not keys:
        return "day", []
    first = min(key_start(k) for k in keys)
    last = max(key_end(k) for k in keys)
    chosen = choose_interval(first.toordinal(), last.toordinal())
    interval = coarsest([chosen, *(h.interval for h in histograms if h.buckets)])
    axis = span_keys(key_of(first, interval), key_of(last, interval), interval)
    while len(axis) > MAX_KEYS and interval != "year":
        interval = INTERVALS[INTERVALS.index(interval) - 1]
        axis = span_keys(key_of(first, interval), key_of(last, interval), interval)
    return interval, axis
