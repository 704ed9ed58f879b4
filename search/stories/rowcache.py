"""The rows of the stories a writer keeps scoring articles against, held in memory.

Their ``stories`` rows too (size, lengths, span, main person: ``StoryStore.views``).

A new article is scored against ~6 candidate stories: one index seek per (story, article
key), ~330 an article at Reuters scale, 13% of a lone article's CPU. Candidates repeat:
of the 1,118 stories 200 lone Reuters articles were scored against, 556 had been scored
against before (the genre stories of earnings, dividends and bond issues most of all:
one of 1,687 articles was a candidate of 53 of the 200). So a story scored against a
second time has all its rows read once and kept, and its dot products are then summed
in Python, key by key in the article's order as SQLite sums them, from the same doubles
(the vector's four-decimal weights read back from JSON exactly, each of the 10,001), so
the sums and the placements are the same either way.

The writer keeps the cache in step with what it writes (``apply``: the same additions
SQLite makes), drops a story whose rows change otherwise (removals, recomputation) and
everything when the file moved on without it (another connection committed, or its own
transaction rolled back).
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import replace

from search.stories.scoring import StoryView

# Rows kept at most (~100 bytes each in memory): the least recently scored story goes first.
MAX_ROWS = 300_000
# A story is read whole once it has been scored against this many times: read whole at
# once, each story scored once would cost more than its seeks.
LOAD_AFTER = 2
# Stories counted at most before the counts start again (they only decide what to load).
MAX_COUNTED = 100_000


class RowCache:
    """``{story: {key: weight}}`` of the stories scored against most, least recent out first."""

    def __init__(self, max_rows: int = MAX_ROWS, load_after: int = LOAD_AFTER) -> None:
        self.max_rows = max_rows
        self.load_after = load_after
        self._rows: OrderedDict[str, dict[str, float]] = OrderedDict()
        self._held = 0
        self._seen: Counter[str] = Counter()
        # The ``stories`` row of a kept story, as StoryStore.views reads it.
        self._views: dict[str, StoryView] = {}

    def get(self, story: str) -> dict[str, float] | None:
        """A kept story's rows (marked recently used), or None."""
        rows = self._rows.get(story)
        if rows is not None:
            self._rows.move_to_end(story)
        return rows

    def wanted(self, story: str) -> bool:
        """Count one more scoring against a story not kept; whether to read it whole now."""
        if len(self._seen) >= MAX_COUNTED:
            self._seen.clear()
        self._seen[story] += 1
        return self._seen[story] >= self.load_after

    def put(self, story: str, rows: Iterable[tuple[str, float]]) -> dict[str, float]:
        """Keep a story's rows (all of them, as the file holds them)."""
        self.drop(story)
        kept = dict(rows)
        self._rows[story] = kept
        self._held += len(kept)
        self._seen.pop(story, None)
        while self._held > self.max_rows and len(self._rows) > 1:
            gone, old = self._rows.popitem(last=False)
            self._held -= len(old)
            self._views.pop(gone, None)
        return kept

    def apply(self, story: str, delta: Iterable[tuple[str, float]], floor: float) -> None:
        """Add ``delta`` to a kept story's rows as ``StoryStore.write_story`` does in the
        file (a missing row is inserted with its delta), then drop rows under ``floor``
        if any delta was negative."""
        rows = self._rows.get(story)
        if rows is None:
            return
        before = len(rows)
        falling = False
        for key, w in delta:
            old = rows.get(key)
            rows[key] = w if old is None else old + w
            falling = falling or w < 0
        if falling:
            for key in [k for k, w in rows.items() if w < floor]:
                del rows[key]
        self._held += len(rows) - before

    def view(self, story: str) -> StoryView | None:
        """A kept story's ``stories`` row."""
        return self._views.get(story)

    def keep_view(self, view: StoryView) -> None:
        """Keep the ``stories`` row of a story whose rows are kept (else nothing)."""
        if view.id in self._rows:
            self._views[view.id] = replace(view, norms=dict(view.norms))

    def drop(self, story: str) -> None:
        """Forget a story (its rows changed in a way not mirrored here, or it went)."""
        self._views.pop(story, None)
        rows = self._rows.pop(story, None)
        if rows is not None:
            self._held -= len(rows)

    def clear(self) -> None:
        """Forget everything (the file changed without this writer)."""
        self._rows.clear()
        self._views.clear()
        self._held = 0
        self._seen.clear()


def dot_products(rows: Mapping[str, float], vec: Mapping[str, float]) -> dict[str, float]:
    """``{field: sum of weight * value}`` over the keys of ``vec`` a story holds, summed in
    ``vec``'s order (as ``StoryStore.dots`` sums SQLite's products)."""
    out: dict[str, float] = {}
    for key, value in vec.items():
        weight = rows.get(key)
        if weight is not None:
            field = key[0]
            out[field] = out.get(field, 0.0) + weight * value
    return out
