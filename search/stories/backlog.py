"""The postings and copy band keys of the last articles committed, one row an article.

An article is looked up by its ~18 retrieval keys (``postings``) and its 20 LSH band keys
(``copy_bands``). Inserting them into those keyed tables puts each key on a page of its
own: 38 of the ~67 pages a one-article call wrote to the WAL at Reuters scale, and the
commit's cost follows its pages. So a small call appends one ``backlog`` row per article
(its keys as JSON, the whole call a page or two), and once the backlog would pass
``FOLD_ARTICLES`` articles, every row is folded into the keyed tables in bulk (sorted: many
keys a page), in the transaction of the call that fills it; a large call (a rebuild) goes
there at once. Lookups read both, so every reader sees what a keyed table alone would hold.

The writer keeps the rows in memory, read again when another connection committed since
(``PRAGMA data_version``) or its own transaction rolled back (:meth:`Backlog.forget`).
"""

from __future__ import annotations

import bisect
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from search.stories.frequencies import data_version

SCHEMA = """
CREATE TABLE IF NOT EXISTS backlog (
    id INTEGER PRIMARY KEY,
    article TEXT NOT NULL,
    day INTEGER NOT NULL,
    story TEXT NOT NULL,
    keys TEXT NOT NULL,
    bands TEXT NOT NULL
);
"""
Posting = tuple[int, str, str]  # (day, article, story) of an article under a key

# Articles the backlog holds at most. A fold writes ~38 rows an article into tables of
# hundreds of thousands of rows: the more articles a fold takes, the more of their keys
# share a page (at Reuters scale 456 articles dirtied ~2 keys a page, 0.58 ms CPU an
# article to fold). Lookups merge the backlog's articles under their keys, in memory.
FOLD_ARTICLES = 2048


@dataclass(frozen=True, slots=True)
class Entry:
    """What one article posts: its day (0 undated), story, retrieval keys and band keys."""

    article: str
    day: int
    story: str
    keys: Sequence[str]
    bands: Sequence[int]


class Backlog:
    """The ``backlog`` table and its copy in memory; the caller owns the transaction."""

    def __init__(self, db: sqlite3.Connection, fold_articles: int = FOLD_ARTICLES) -> None:
        self.db = db
        self.fold_articles = fold_articles
        self._entries: dict[str, Entry] | None = None
        # retrieval key -> its (day, article, story), sorted: a lookup bisects its window
        # Tuples, not lists: tuples (and dicts) holding only strings and numbers are not
        # tracked by the garbage collector, whose passes over a full backlog's ~30,000
        # lists made calls of 64 articles ~20% slower.
        self._postings: dict[str, tuple[Posting, ...]] = {}
        self._bands: dict[int, tuple[str, ...]] = {}  # band key -> articles
        self._version: int | None = None

    def sync(self, version: int | None = None) -> None:
        """Read the rows again if another connection committed since they were read
        (``version``: the connection's ``PRAGMA data_version``, read if not given)."""
        if version is None:
            version = data_version(self.db)
        if self._entries is not None and version == self._version:
            return
        self._version = version
        self._entries, self._postings, self._bands = {}, {}, {}
        rows = self.db.execute("SELECT article, day, story, keys, bands FROM backlog ORDER BY id")
        postings: dict[str, list[Posting]] = {}
        bands_of: dict[int, list[str]] = {}
        for article, day, story, keys, bands in rows:
            entry = Entry(article, day, story, json.loads(keys), json.loads(bands))
            self._entries[article] = entry
            for key in entry.keys:
                postings.setdefault(key, []).append((day, article, story))
            for band in entry.bands:
                bands_of.setdefault(band, []).append(article)
        self._postings = {key: tuple(sorted(held)) for key, held in postings.items()}
        self._bands = {band: tuple(held) for band, held in bands_of.items()}

    def forget(self) -> None:
        """Drop the rows in memory (a rolled-back transaction may have changed them)."""
        self._entries = None

    def _loaded(self) -> dict[str, Entry]:
        if self._entries is None:
            self.sync()
        assert self._entries is not None
        return self._entries

    def _index(self, entry: Entry) -> None:
        self._loaded()[entry.article] = entry
        posting = (entry.day, entry.article, entry.story)
        for key in entry.keys:
            held = self._postings.get(key, ())
            at = bisect.bisect(held, posting)
            self._postings[key] = (*held[:at], posting, *held[at:])
        for band in entry.bands:
            self._bands[band] = (*self._bands.get(band, ()), entry.article)

    def __len__(self) -> int:
        return len(self._loaded())

    # ------------------------------------------------------------------ reading

    def postings(self, key: str) -> tuple[Posting, ...]:
        """``(day, article, story)`` of the backlog's articles posted under a retrieval
        key, in that order (day 0: undated)."""
        self._loaded()
        return self._postings.get(key, ())

    def band_articles(self, bands: Iterable[int]) -> set[str]:
        """The backlog's articles sharing a band key with ``bands``."""
        self._loaded()
        return {a for band in bands for a in self._bands.get(band, ())}

    # ------------------------------------------------------------------ writing

    def add(self, entries: list[Entry]) -> None:
        """Post committed articles: appended, or everything folded once it would be full."""
        held = self._loaded()
        if len(held) + len(entries) > self.fold_articles:
            self._fold([*held.values(), *entries])
            return
        self.db.executemany(
            "INSERT INTO backlog (article, day, story, keys, bands) VALUES (?, ?, ?, ?, ?)",
            [
                (e.article, e.day, e.story, json.dumps(list(e.keys)), json.dumps(list(e.bands)))
                for e in entries
            ],
        )
        for entry in entries:
            self._index(entry)

    def remove(self, article: str) -> bool:
        """Forget an article's postings if the backlog holds them (else False)."""
        entry = self._loaded().pop(article, None)
        if entry is None:
            return False
        self.db.execute("DELETE FROM backlog WHERE article = ?", (article,))
        posting = (entry.day, entry.article, entry.story)
        for key in entry.keys:
            self._postings[key] = tuple(p for p in self._postings[key] if p != posting)
        for band in entry.bands:
            self._bands[band] = tuple(a for a in self._bands[band] if a != article)
        return True

    def _fold(self, entries: list[Entry]) -> None:
        """Write ``entries`` into the keyed tables, sorted, and empty the backlog."""
        self.db.executemany(
            "INSERT OR REPLACE INTO postings (key, day, article, story) VALUES (?, ?, ?, ?)",
            sorted((k, e.day, e.article, e.story) for e in entries for k in e.keys),
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO copy_bands (key, id) VALUES (?, ?)",
            sorted((band, e.article) for e in entries for band in e.bands),
        )
        self.db.execute("DELETE FROM backlog")
        self._entries, self._postings, self._bands = {}, {}, {}
