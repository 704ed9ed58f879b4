"""Document frequencies of vector keys, kept in memory and logged to the stories file.

An article brings about a hundred keys. Updating a hundred rows of a keyed table writes
a hundred scattered pages per commit (12 ms of a one-article batch on the development
VM), so each batch appends its increments to ``df_log`` as one JSON row (a page or two),
folded into ``df`` once the log holds ``COMPACT_KEYS`` of them. Readers sum both; the
writer keeps the sums in memory and reloads them when the file moved on without it
(another connection committed, as ``PRAGMA data_version`` tells, or its own transaction
rolled back).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping

SCHEMA = """
CREATE TABLE IF NOT EXISTS df (key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS df_log (
    id INTEGER PRIMARY KEY,
    size INTEGER NOT NULL,
    docs INTEGER NOT NULL,
    deltas TEXT NOT NULL
);
"""
# Logged increments folded into ``df`` in the transaction that passes this many.
COMPACT_KEYS = 200_000


class DocFrequencies:
    """``df(key)`` and the number of articles counted, over a SQLite connection."""

    def __init__(self, db: sqlite3.Connection, compact_keys: int = COMPACT_KEYS) -> None:
        self.db = db
        self.compact_keys = compact_keys
        self._counts: dict[str, int] | None = None
        self._docs = 0
        self._logged = 0  # increments in the log
        self._version: int | None = None  # the file's data_version when read

    def sync(self, version: int | None = None) -> None:
        """Read the counts again if another connection committed since they were read
        (``version``: the connection's ``PRAGMA data_version``, read if not given)."""
        if version is None:
            version = data_version(self.db)
        if self._counts is not None and version == self._version:
            return
        row = self.db.execute("SELECT value FROM meta WHERE key = 'docs'").fetchone()
        docs = int(row[0]) if row is not None else 0
        counts: dict[str, int] = dict(self.db.execute("SELECT key, n FROM df"))
        logged = 0
        for size, more, deltas in self.db.execute(
            "SELECT size, docs, deltas FROM df_log ORDER BY id"
        ):
            logged += size
            docs += more
            for key, n in json.loads(deltas).items():
                counts[key] = counts.get(key, 0) + n
        self._counts, self._docs, self._version, self._logged = counts, docs, version, logged

    def forget(self) -> None:
        """Drop the counts in memory (a rolled-back transaction may have changed them)."""
        self._counts = None

    @property
    def docs(self) -> int:
        """How many articles are counted."""
        if self._counts is None:
            self.sync()
        return self._docs

    def get(self, keys: Iterable[str]) -> dict[str, int]:
        """Document frequencies of ``keys`` (0 for a key never seen)."""
        if self._counts is None:
            self.sync()
        counts = self._counts or {}
        return {k: counts.get(k, 0) for k in keys}

    def add(self, deltas: Mapping[str, int], docs: int) -> dict[str, int]:
        """Count ``docs`` more articles holding ``deltas`` keys, in the caller's transaction;
        returns the frequencies of those keys now (read while they are counted: the caller
        weighs the articles with them, a lookup each in a dict of the whole vocabulary)."""
        if self._counts is None:
            self.sync()
        assert self._counts is not None
        rows = {k: n for k, n in deltas.items() if n}
        # The articles counted go with the row (meta keeps those of the rows folded): one
        # statement and one page less per call than counting them in meta each time.
        self.db.execute(
            "INSERT INTO df_log (size, docs, deltas) VALUES (?, ?, ?)",
            (len(rows), docs, json.dumps(rows, separators=(",", ":"))),
        )
        counts = self._counts
        now: dict[str, int] = {}
        for key, n in rows.items():
            now[key] = counts[key] = counts.get(key, 0) + n
        self._docs += docs
        self._logged += len(rows)
        if self._logged > self.compact_keys:
            self.db.execute(
                "INSERT INTO df (key, n) SELECT j.key, SUM(j.value) FROM df_log, "
                "json_each(df_log.deltas) AS j WHERE true GROUP BY j.key "
                "ON CONFLICT (key) DO UPDATE SET n = n + excluded.n"
            )
            self.db.execute(  # the log is emptied: meta counts every article now
                "INSERT INTO meta VALUES ('docs', ?) ON CONFLICT (key) DO UPDATE SET "
                "value = excluded.value",
                (str(self._docs),),
            )
            self.db.execute("DELETE FROM df_log")
            self._logged = 0
        return now


def data_version(db: sqlite3.Connection) -> int:
    """SQLite's ``PRAGMA data_version``: it changes when another connection commits to the
    file (not when this one does), so what a writer keeps in memory is read again only then."""
    return int(db.execute("PRAGMA data_version").fetchone()[0])
