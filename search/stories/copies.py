"""Copies: the near-duplicate group of each article, kept in the stories SQLite file.

Two articles are copies when their bodies are identical up to case and spacing (an exact
key) or when the Jaccard similarity of their five-word shingles is at least
``COPY_JACCARD`` (0.5: at least half of all their distinct shingles shared; on
Reuters-21578 the pairs above it are reprints, corrections and updates of one wire story).

Candidates come from MinHash signatures (datasketch, ``affine32`` scheme) cut into
``BANDS`` bands of ``ROWS`` rows: two articles are candidates when one band is equal. A pair
at Jaccard ``s`` is a candidate with probability ``1 - (1 - s^ROWS)^BANDS``: 0.996 at 0.5,
0.9999 at 0.6. Every candidate is then verified by the true Jaccard of the stored shingle
hashes, so the LSH only decides what is compared, never what is grouped. The bands live
in a SQLite table (datasketch's own LSH keeps its tables in memory or Redis), so they
commit in the same transaction as the stories.

A new article joins a group only when it is a copy of every member (complete link; an
identical body joins its twin's group at once), the group holding its most similar copy
first; groups are never merged. Joining the group of the single most similar copy let
chains form (A copies B, B copies C, A and C share a third of their text): on Reuters
1.6% of grouped pairs were then no copies. A group's id is the id of its
first article in the canonical order (publication date, undated last, then id), so the same
articles give the same ids whatever order they were indexed in.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
from datasketch import MinHash

from search.stories.text import exact_key, jaccard, shingles, words

COPY_JACCARD = 0.5
BANDS = 42
ROWS = 3
# A group is checked against this many of its first members: a wire story reprinted
# hundreds of times must not make each new reprint cost hundreds of comparisons.
MAX_GROUP_CHECK = 50
NUM_PERM = BANDS * ROWS
_SEED = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS copies (
    id TEXT PRIMARY KEY,
    grp TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    exact TEXT NOT NULL,
    shingles BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS copies_grp ON copies (grp);
CREATE INDEX IF NOT EXISTS copies_exact ON copies (exact);
CREATE TABLE IF NOT EXISTS copy_bands (
    key INTEGER NOT NULL,
    id TEXT NOT NULL,
    PRIMARY KEY (key, id)
) WITHOUT ROWID;
"""


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What copy detection keeps of one article's body."""

    exact: str
    shingles: np.ndarray  # sorted distinct uint64 shingle hashes
    bands: tuple[int, ...]  # one signed 64-bit key per LSH band


@dataclass(frozen=True, slots=True)
class CopyMatch:
    """The copy group an article joined and the copy that decided it (None: alone)."""

    group: str
    similar_to: str | None = None
    jaccard: float = 0.0


def fingerprint(body: str) -> Fingerprint:
    """Exact key, shingles and LSH band keys of a body."""
    tokens = words(body)
    grams = shingles(tokens)
    return Fingerprint(exact_key(tokens), grams, band_keys(grams))


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # Generated once: MinHash() draws them anew from its seed on every construction.
    return MinHash(num_perm=NUM_PERM, seed=_SEED).permutations  # type: ignore[no-any-return]


def band_keys(grams: np.ndarray) -> tuple[int, ...]:
    """The LSH band keys of a shingle set (none for an empty text)."""
    if not len(grams):
        return ()
    sketch = MinHash(
        num_perm=NUM_PERM,
        seed=_SEED,
        hashfunc=_low32,
        permutations=_permutations(),
        scheme="affine32",
    )
    sketch.update_batch(grams.tolist())
    values = sketch.hashvalues.astype("<u4")
    keys = []
    for band in range(BANDS):
        chunk = band.to_bytes(2, "little") + values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))  # SQLite INTEGER is signed
    return tuple(keys)


def _low32(value: int) -> int:
    # The shingle hashes are already uniform 64-bit values; the scheme wants 32 bits.
    return value & 0xFFFFFFFF


def sort_key(published_iso: str | None, doc_id: str) -> str:
    """The canonical order of articles: publication date (undated last), then id."""
    return f"{published_iso or '~'}|{doc_id}"


class CopyIndex:
    """Copy groups over a SQLite connection; the caller owns the transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def add(self, doc_id: str, order: str, print_: Fingerprint) -> tuple[CopyMatch, dict[str, str]]:
        """Record an article; returns its group and the other articles whose group id changed.

        Another article's group id changes only when this one sorts before the group's
        first article (an earlier copy indexed late): the group is renamed after it.
        """
        match = self._best_match(doc_id, print_)
        group = match.group if match else doc_id
        self.db.execute(
            "INSERT INTO copies (id, grp, sort_key, exact, shingles) VALUES (?, ?, ?, ?, ?)",
            (doc_id, group, order, print_.exact, print_.shingles.astype("<u8").tobytes()),
        )
        self.db.executemany(
            "INSERT OR IGNORE INTO copy_bands (key, id) VALUES (?, ?)",
            [(k, doc_id) for k in print_.bands],
        )
        moved = self._rename(group) if match else {}
        new_group = moved.pop(doc_id, group)
        return (
            CopyMatch(new_group, match.similar_to, match.jaccard) if match else CopyMatch(doc_id),
            moved,
        )

    def remove(self, doc_ids: Iterable[str]) -> dict[str, str]:
        """Forget articles; returns the remaining articles whose group id changed."""
        moved: dict[str, str] = {}
        groups: set[str] = set()
        for doc_id in doc_ids:
            row = self.db.execute(
                "SELECT grp, shingles FROM copies WHERE id = ?", (doc_id,)
            ).fetchone()
            if row is None:
                continue
            groups.add(row[0])
            self.db.execute("DELETE FROM copies WHERE id = ?", (doc_id,))
            # The band keys are computed again from the shingles: one index over (key, id)
            # is all the bands need, and a removal is rare.
            bands = band_keys(np.frombuffer(row[1], dtype="<u8"))
            self.db.executemany(
                "DELETE FROM copy_bands WHERE key = ? AND id = ?", [(k, doc_id) for k in bands]
            )
            moved.pop(doc_id, None)
        for group in groups:
            moved.update(self._rename(group))
        return moved

    def group_of(self, doc_id: str) -> str | None:
        """The copy group id of a recorded article."""
        row = self.db.execute("SELECT grp FROM copies WHERE id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def members(self, group: str) -> list[str]:
        """The articles of a copy group in canonical order."""
        rows = self.db.execute(
            "SELECT id FROM copies WHERE grp = ? ORDER BY sort_key", (group,)
        ).fetchall()
        return [r[0] for r in rows]

    def _best_match(self, doc_id: str, print_: Fingerprint) -> CopyMatch | None:
        exact = self.db.execute(
            "SELECT id, grp FROM copies WHERE exact = ? ORDER BY sort_key LIMIT 1",
            (print_.exact,),
        ).fetchone()
        if exact is not None:
            return CopyMatch(exact[1], exact[0], 1.0)
        if not print_.bands:
            return None
        marks = ",".join("?" * len(print_.bands))
        rows = self.db.execute(
            f"SELECT id, grp, sort_key, shingles FROM copies WHERE id IN "
            f"(SELECT id FROM copy_bands WHERE key IN ({marks}))",
            print_.bands,
        ).fetchall()
        scores: dict[str, float] = {}
        for other, _, _, blob in rows:
            if other != doc_id:
                scores[other] = jaccard(print_.shingles, np.frombuffer(blob, dtype="<u8"))
        groups = {group for other, group, _, _ in rows if scores.get(other, 0.0) >= COPY_JACCARD}
        best: tuple[float, str, str, str] | None = None  # (-jaccard, sort_key, id, group)
        for group in groups:
            # Complete link: a copy of every member, so each pair of a group is a copy pair.
            fits = self._fits(group, print_.shingles, scores)
            if fits is not None and (best is None or (-fits[1], fits[2]) < best[:2]):
                best = (-fits[1], fits[2], fits[0], group)
        return CopyMatch(best[3], best[2], -best[0]) if best else None

    def _fits(
        self, group: str, grams: np.ndarray, known: dict[str, float]
    ) -> tuple[str, float, str] | None:
        """``(most similar member, its Jaccard, its sort key)`` if every member is a copy."""
        rows = self.db.execute(
            "SELECT id, sort_key, shingles FROM copies WHERE grp = ? ORDER BY sort_key LIMIT ?",
            (group, MAX_GROUP_CHECK),
        ).fetchall()
        best: tuple[str, float, str] | None = None
        for other, order, blob in rows:
            score = known.get(other)
            if score is None:
                score = jaccard(grams, np.frombuffer(blob, dtype="<u8"))
            if score < COPY_JACCARD:
                return None
            if best is None or score > best[1]:
                best = (other, score, order)
        return best

    def _rename(self, group: str) -> dict[str, str]:
        """Name a group after its first member again; returns ``{member: new id}`` if renamed."""
        first = self.db.execute(
            "SELECT id FROM copies WHERE grp = ? ORDER BY sort_key LIMIT 1", (group,)
        ).fetchone()
        if first is None or first[0] == group:
            return {}
        members = self.members(group)
        self.db.execute("UPDATE copies SET grp = ? WHERE grp = ?", (first[0], group))
        return dict.fromkeys(members, first[0])
