"""Rules both engines follow, so that Whoosh and Typesense answer alike.

The lead of an article shown when no word matched, how facet values are ranked and cut,
the date histogram's interval, and the one-reindex-at-a-time lock. Pure Python: neither
engine is imported here.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import html
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Literal

from search.errors import BackendError, IndexBusyError
from search.models import DateBucket, DateHistogram, Facet, FacetValue

Interval = Literal["year", "month", "day"]

SNIPPET_CHARS = 200
# Span thresholds of the date histogram (in days): more than two years -> yearly buckets,
# more than about two months -> monthly, else daily. Keeps bucket counts readable (<= ~62
# daily bars, <= ~25 monthly bars below the year switch).
YEAR_SPAN_DAYS = 731
MONTH_SPAN_DAYS = 62


def lead(text: str, chars: int = SNIPPET_CHARS) -> str:
    """The first ``chars`` characters, cut at a word boundary, escaped."""
    text = " ".join(text[: chars * 2].split())
    if len(text) > chars:
        cut = text.rfind(" ", 0, chars)
        text = text[: cut if cut > chars // 2 else chars] + " …"
    return html.escape(text, quote=False)


def choose_interval(first_day: int, last_day: int) -> Interval:
    """Histogram interval for a span of day ordinals."""
    span = last_day - first_day
    if span > YEAR_SPAN_DAYS:
        return "year"
    if span > MONTH_SPAN_DAYS:
        return "month"
    return "day"


def contiguous(
    buckets: Sequence[DateBucket], interval: Interval, undated: int = 0
) -> DateHistogram:
    """The histogram with every bucket from the first to the last, empty ones as 0.

    Engines report only the buckets that hold articles; a timeline drawn from those
    alone puts 1987 next to 2025 and hides empty months. Keys are ``YYYY``, ``YYYY-MM``
    or ``YYYY-MM-DD`` as the interval says; any other key is kept as given.
    """
    counts = {b.key: b.count for b in buckets}
    if not counts:
        return DateHistogram(interval=interval, buckets=(), undated=undated)
    try:
        keys = _span_keys(min(counts), max(counts), interval)
    except ValueError:
        return DateHistogram(interval=interval, buckets=tuple(buckets), undated=undated)
    filled = tuple(DateBucket(k, counts.get(k, 0)) for k in keys)
    return DateHistogram(interval=interval, buckets=filled, undated=undated)


def _span_keys(first: str, last: str, interval: Interval) -> list[str]:
    """Every bucket key from ``first`` to ``last`` inclusive (ISO keys sort by time)."""
    if interval == "year":
        return [f"{y:04d}" for y in range(int(first), int(last) + 1)]
    if interval == "month":
        start = int(first[:4]) * 12 + int(first[5:7]) - 1
        stop = int(last[:4]) * 12 + int(last[5:7]) - 1
        return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(start, stop + 1)]
    low, high = date.fromisoformat(first).toordinal(), date.fromisoformat(last).toordinal()
    return [date.fromordinal(d).isoformat() for d in range(low, high + 1)]


def top_facet(
    counts: Mapping[str, int],
    size: int,
    selected: Sequence[str] = (),
    *,
    distinct: int = 0,
    selected_count: int = 0,
) -> Facet:
    """The ``size`` most frequent values (ties by value), plus every selected value.

    ``counts`` may hold more values than ``size`` (the cut is made here, so that ties are
    broken by value the same way on every engine); ``distinct`` is the number of values
    the engine knows of when it returned fewer. A selected value not among ``counts`` is
    shown with ``selected_count`` (the total for actors and countries, which narrow: every
    hit has them; 0 for a value no document has), so the user can always unselect it.
    """
    order = sorted((v for v, c in counts.items() if c), key=lambda v: (-counts[v], v))
    chosen = order[:size]
    folded = {v.casefold(): v for v in order}
    flags = set()
    extra: list[FacetValue] = []
    for value in selected:
        found = folded.get(value.casefold())
        if found is not None:
            flags.add(found)
            if found not in chosen:
                chosen.append(found)
        else:
            extra.append(FacetValue(value, selected_count, True))
    values = [FacetValue(v, counts[v], v in flags) for v in chosen] + extra
    return Facet(values=tuple(values), truncated=max(distinct, len(order)) > size)


# Lock files this process holds (path -> fd): flock() conflicts between two descriptors
# of one process too, so a writer opened inside ``locked()`` must know not to lock again.
_held: dict[str, int] = {}
_held_guard = threading.Lock()


class ReindexLock:
    """One reindex at a time: an ``flock`` on a file in the index folder.

    Local on purpose: the kernel releases it when the holder dies (even by SIGKILL), so
    there is no stale lock or lease to expire.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def held(self) -> bool:
        """True when this process holds the lock."""
        with _held_guard:
            return str(self.path) in _held

    def acquire(self) -> None:
        """Take the lock or raise ``IndexBusyError`` (``BackendError`` if it cannot be made)."""
        key = str(self.path)
        busy = f"another reindex is running (lock: {key}); try again when it has finished"
        with _held_guard:
            if key in _held:
                raise IndexBusyError(busy)
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                raise writable_error(self.path.parent, e) from e
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                os.close(fd)
                if e.errno in (errno.EAGAIN, errno.EACCES):
                    raise IndexBusyError(busy) from e
                raise BackendError(f"cannot lock {key}: {e.strerror}") from e
            with contextlib.suppress(OSError):  # who holds it, for a person looking
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
            _held[key] = fd

    def release(self) -> None:
        """Release the lock (no error when not held)."""
        with _held_guard:
            fd = _held.pop(str(self.path), None)
        if fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the lock for the duration of the block."""
        self.acquire()
        try:
            yield
        finally:
            self.release()


def writable_error(root: Path, err: OSError) -> BackendError:
    """The message for an index folder we cannot write to (read-only, full, no rights)."""
    reason = err.strerror or str(err)
    if err.errno == errno.ENOSPC:
        hint = "the disk is full; free space and run the reindex again"
    elif err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        hint = "reindexing needs write access to it; searching still works"
    else:
        hint = "the live index is untouched"
    return BackendError(f"cannot write the index folder {root}: {reason} ({hint})")
