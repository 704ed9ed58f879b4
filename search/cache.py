"""Extraction results keyed by content hash, so a reindex never runs NER twice on one text."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from search.errors import BackendError
from search.models import Entities
from search.serialize import decode_entities, encode_entities

# Rows are keyed by (content hash, extractor version): results of older extraction code
# are never reused.


def extractor_version() -> str:
    """The extraction version (``search.extraction_version``: a module that loads nothing)."""
    from search.extraction_version import VERSION

    return VERSION


class ExtractionCache:
    """A small SQLite table beside the index: ``content_hash -> entities JSON``."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        try:
            self._db = sqlite3.connect(path)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS extraction "
                "(content_hash TEXT PRIMARY KEY, version TEXT NOT NULL, entities TEXT NOT NULL)"
            )
        except sqlite3.Error as e:
            raise self._error(e) from e

    def _error(self, err: sqlite3.Error) -> BackendError:
        # SQLite's errors (a full disk, a read-only folder) are not OSErrors: say what failed.
        return BackendError(
            f"cannot write the extraction cache {self.path}: {err} (the live index is untouched)"
        )

    def get_many(self, hashes: Iterable[str]) -> dict[str, Entities]:
        """Cached entities for those of ``hashes`` extracted by this extractor version."""
        found: dict[str, Entities] = {}
        keys = list(hashes)
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT content_hash, entities FROM extraction "
                f"WHERE version = ? AND content_hash IN ({marks})",
                [extractor_version(), *chunk],
            )
            found.update((h, decode_entities(payload)) for h, payload in rows)
        return found

    def put_many(self, items: Iterable[tuple[str, Entities]]) -> None:
        """Store results; committed at once so a crash never leaves half a batch."""
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO extraction VALUES (?, ?, ?)",
                    [(h, extractor_version(), encode_entities(e)) for h, e in items],
                )
        except sqlite3.Error as e:
            raise self._error(e) from e

    def close(self) -> None:
        """Close the database."""
        self._db.close()
