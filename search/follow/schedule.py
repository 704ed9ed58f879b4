"""When to poll a source next: adaptive to how often it has new items, slower on errors.

A feed with several new items per poll is polled up to four times as often as asked, one
with nothing new ever less often (up to eight times the interval, a day at most); a
feed's ``ttl`` or ``sy:updatePeriod`` is a floor. A failing source backs off exponentially
(doubling per consecutive failure, a day at most), so it costs the others nothing.
"""

from __future__ import annotations

import re

DAY_S = 86400.0
FASTER, SLOWER = 0.5, 1.5


def after_poll(interval: float, base: float, floor: float, new_items: int) -> float:
    """The next interval of a source polled successfully with ``new_items`` new items."""
    if new_items >= 2:
        interval *= FASTER
    elif new_items == 0:
        interval *= SLOWER
    low = max(base / 4, floor)
    high = max(min(base * 8, DAY_S), low, base)
    return min(max(interval, low), high)


def after_error(base: float, errors: int) -> float:
    """The next interval after ``errors`` consecutive failures (1 = the first)."""
    return min(base * 2 ** max(0, errors - 1), max(DAY_S, base))


_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str) -> float:
    """``15m``, ``90s``, ``2h``, ``1d`` or seconds as a number -> seconds; ValueError else."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", value.lower())
    if not m:
        raise ValueError(f"{value!r} is not a duration (like 90s, 15m, 2h, 1d)")
    seconds = float(m.group(1)) * _UNITS[m.group(2)]
    if seconds <= 0:
        raise ValueError(f"{value!r}: the interval must be positive")
    return seconds
