"""The rows of the stories a writer scores articles against, as far as it has read them.

Their ``stories`` rows too (size, lengths, span, main person: ``StoryStore.views``).

A new article is scored against ~6 candidate stories: one index seek per (story, article
key), ~330 an article at Reuters scale, 13% of a lone article's CPU. Candidates repeat,
and so do the keys looked up in them: of the 1,118 stories 200 lone Reuters articles
were scored against, 556 had been scored against before (the genre stories of earnings,
dividends and bond issues most of all, whose articles share their words: one story of
1,687 articles was a candidate of 53 of the 200). So each (story, key) read is kept,
found or not, and only the keys not known yet are read again. Reading a repeated story
whole instead cost more than it saved (a genre story holds ~13,000 keys).

The dot products are summed in Python, key by key in the article's order, from the same
doubles however a weight was found (the vector's four-decimal weights read back from
JSON are exact, each of the 10,001), so the sums and the placements are the same.

The writer keeps the cache in step with what it writes (``apply``: the additions SQLite
makes), drops a story whose rows change otherwise (removals, recomputation) and
everything when the file moved on without it (another connection committed, or its own
transaction rolled back).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import replace

from search.stories.scoring import StoryView

# (story, key) entries kept at most (~100 bytes each in memory): the least recently
# scored story goes first.
MAX_ENTRIES = 500_000


class RowCache:
    """``{story: {key: weight, or None for a key it does not hold}}``, least recent out first."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._rows: OrderedDict[str, dict[str, float | None]] = OrderedDict()
        self._held = 0
        self._views: dict[str, StoryView] = {}  # the ``stories`` row of a story kept

    def known(self, story: str) -> dict[str, float | None]:
        """What is known of a story's rows (marked recently used; empty if nothing)."""
        rows = self._rows.get(story)
        if rows is None:
            return {}
        self._rows.move_to_end(story)
        return rows

    def learn(self, story: str, found: Mapping[str, float | None]) -> dict[str, float | None]:
        """Add rows read from the file (None: the story has no such key); returns all known."""
        rows = self._rows.get(story)
        if rows is None:
            rows = self._rows[story] = {}
        before = len(rows)
        rows.update(found)
        self._held += len(rows) - before
        while self._held > self.max_entries and self._rows:  # (rows stays valid for the caller)
            gone, old = self._rows.popitem(last=False)
            self._held -= len(old)
            self._views.pop(gone, None)
        return rows

    def apply(self, story: str, delta: Iterable[tuple[str, float]], floor: float) -> None:
        """Add ``delta`` to the known rows of a story as ``StoryStore.write_story`` does in
        the file (a missing row is inserted with its delta; keys never read stay unknown),
        then drop rows under ``floor`` if any delta was negative."""
        rows = self._rows.get(story)
        if rows is None:
            return
        falling = False
        for key, change in delta:
            falling = falling or change < 0
            if key in rows:
                old = rows[key]
                rows[key] = change if old is None else old + change
        if falling:
            for key, weight in rows.items():
                if weight is not None and weight < floor:
                    rows[key] = None

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


def dot_products(rows: Mapping[str, float | None], vec: Mapping[str, float]) -> dict[str, float]:
    """``{field: sum of weight * value}`` over the keys of ``vec`` a story holds, summed in
    ``vec``'s order (as SQLite's ``SUM()`` summed them up to version 3.42)."""
    out: dict[str, float] = {}
    for key, value in vec.items():
        weight = rows.get(key)
        if weight is not None:
            field = key[0]
            out[field] = out.get(field, 0.0) + weight * value
    return out
