"""Copies: the near-duplicate group of each article, kept in the stories SQLite file.

Two articles are copies when their bodies are identical up to case and spacing (an exact
key) or when the Jaccard similarity of their five-word shingles is at least
``COPY_JACCARD`` (0.5: at least half of all their distinct shingles shared; on
Reuters-21578 the pairs above it are reprints, corrections and updates of one wire story).
Candidates come from the LSH bands of :mod:`search.stories.fingerprint`; every candidate
is verified by the true Jaccard of the stored shingle hashes. The bands live in a SQLite
table (datasketch's own LSH keeps its tables in memory or in Redis), so they commit in the
same transaction as the stories.

A new article joins a group only when it is a copy of every member (complete link; an
identical body joins its twin's group at once), the group holding its most similar copy
first; groups are never merged. Joining the group of the single most similar copy let
chains form (A copies B, B copies C, A and C share a third of their text): on Reuters
1.6% of grouped pairs were then no copies. A group's id is the id of its first article in
the canonical order (publication date, undated last, then content hash, then id), so the
same articles give the same ids whatever order they were indexed in.

The articles of a running batch are held in memory and written by :meth:`CopyIndex.flush`
(a cold rebuild would otherwise pay a dozen statements an article); committed articles
are read from the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from search.stories.backlog import Backlog
from search.stories.fingerprint import SHINGLE_DTYPE, Fingerprint, band_keys
from search.stories.text import jaccard

COPY_JACCARD = 0.5
# A group is checked against this many of its first members: a wire story reprinted
# hundreds of times must not make each new reprint cost hundreds of comparisons.
MAX_GROUP_CHECK = 50

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
class CopyMatch:
    """The copy group an article joined and the copy that decided it (None: alone)."""

    group: str
    similar_to: str | None = None
    jaccard: float = 0.0


def sort_key(published_iso: str | None, content_hash: str, doc_id: str) -> str:
    """The canonical order of articles: publication date (undated last), then content
    hash, then id.

    The hash before the id: articles of one day come in an order their text decides. An
    id hashes the article's URL, or without one the path of its file, so ordering by id
    made the placements of an undated corpus depend on the folder it lies in.
    """
    return f"{published_iso or '~'}|{content_hash[:16]}|{doc_id}"


@dataclass(slots=True)
class _Pending:
    """An article of the running batch, not yet written."""

    order: str
    print_: Fingerprint
    group: str


@dataclass(slots=True)
class _Batch:
    articles: dict[str, _Pending] = field(default_factory=dict)
    exact: dict[str, list[str]] = field(default_factory=dict)
    bands: dict[int, list[str]] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)  # group -> batch members


class CopyIndex:
    """Copy groups over a SQLite connection; the caller owns the transaction."""

    def __init__(self, db: sqlite3.Connection, posted: Backlog) -> None:
        self.db = db
        self.backlog = posted  # band keys of the last articles written, not in copy_bands
        self._batch = _Batch()

    def add(self, doc_id: str, order: str, print_: Fingerprint) -> tuple[CopyMatch, dict[str, str]]:
        """Record an article; returns its group and the other articles whose group id changed.

        Another article's group id changes only when this one sorts before the group's
        first article (an earlier copy indexed late): the group is renamed after it.
        """
        match = self._best_match(doc_id, print_)
        group = match.group if match else doc_id
        batch = self._batch
        batch.articles[doc_id] = _Pending(order, print_, group)
        batch.exact.setdefault(print_.exact, []).append(doc_id)
        for key in print_.bands:
            batch.bands.setdefault(key, []).append(doc_id)
        batch.groups.setdefault(group, []).append(doc_id)
        if match is None:
            return CopyMatch(doc_id), {}
        moved = self._rename(group)
        return CopyMatch(moved.pop(doc_id, group), match.similar_to, match.jaccard), moved

    def flush(self) -> dict[str, list[int]]:
        """Write the batch's articles (inside the caller's transaction); returns their band
        keys, for the caller to post with their stories (:mod:`search.stories.backlog`)."""
        batch = self._batch
        self.db.executemany(
            "INSERT INTO copies (id, grp, sort_key, exact, shingles) VALUES (?, ?, ?, ?, ?)",
            [
                (i, p.group, p.order, p.print_.exact, p.print_.shingles.tobytes())
                for i, p in batch.articles.items()
            ],
        )
        bands = {i: list(p.print_.bands) for i, p in batch.articles.items()}
        self.discard()
        return bands

    def discard(self) -> None:
        """Forget the batch's unwritten articles (its transaction was rolled back)."""
        self._batch = _Batch()

    def remove(self, doc_ids: Iterable[str]) -> dict[str, str]:
        """Forget committed articles; returns the remaining articles whose group id changed."""
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
            bands = band_keys(np.frombuffer(row[1], dtype=SHINGLE_DTYPE))
            self.db.executemany(
                "DELETE FROM copy_bands WHERE key = ? AND id = ?", [(k, doc_id) for k in bands]
            )
            moved.pop(doc_id, None)
        for group in groups:
            moved.update(self._rename(group))
        return moved

    def group_of(self, doc_id: str) -> str | None:
        """The copy group id of an article."""
        pending = self._batch.articles.get(doc_id)
        if pending is not None:
            return pending.group
        row = self.db.execute("SELECT grp FROM copies WHERE id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def members(self, group: str) -> list[str]:
        """The articles of a copy group in canonical order."""
        return [i for _, i, _ in self._members(group)]

    # ------------------------------------------------------------------ matching

    def _members(self, group: str, limit: int = -1) -> list[tuple[str, str, np.ndarray | None]]:
        """``(sort key, id, shingles)`` of a group's first ``limit`` members (-1: all)."""
        rows = self.db.execute(
            "SELECT sort_key, id, shingles FROM copies WHERE grp = ? ORDER BY sort_key LIMIT ?",
            (group, limit),
        ).fetchall()
        out: list[tuple[str, str, np.ndarray | None]] = [
            (order, i, np.frombuffer(blob, dtype=SHINGLE_DTYPE)) for order, i, blob in rows
        ]
        for i in self._batch.groups.get(group, ()):
            pending = self._batch.articles[i]
            out.append((pending.order, i, pending.print_.shingles))
        out.sort(key=lambda m: m[0])
        return out if limit < 0 else out[:limit]

    def _best_match(self, doc_id: str, print_: Fingerprint) -> CopyMatch | None:
        batch = self._batch
        twins = [
            (batch.articles[i].order, i, batch.articles[i].group)
            for i in batch.exact.get(print_.exact, ())
        ]
        rows = self._band_candidates(print_.bands)
        if print_.bands:
            # A committed twin (same words: same shingles, same band keys) is among them.
            twins += [(order, i, grp) for i, grp, _, order, exact in rows if exact == print_.exact]
        else:  # no words: its twins share no band key to be found by
            row = self.db.execute(
                "SELECT sort_key, id, grp FROM copies WHERE exact = ? ORDER BY sort_key LIMIT 1",
                (print_.exact,),
            ).fetchone()
            if row is not None:
                twins.append(row)
        if twins:
            _, twin, group = min(twins)
            return CopyMatch(group, twin, 1.0)
        scores: dict[str, float] = {}
        groups: dict[str, str] = {}
        for other, group, blob, _, _ in rows:
            scores[other] = jaccard(print_.shingles, np.frombuffer(blob, dtype=SHINGLE_DTYPE))
            groups[other] = group
        for key in print_.bands:
            for other in batch.bands.get(key, ()):
                if other not in scores and other != doc_id:
                    pending = batch.articles[other]
                    scores[other] = jaccard(print_.shingles, pending.print_.shingles)
                    groups[other] = pending.group
        best: tuple[float, str, str, str] | None = None  # (-jaccard, sort_key, id, group)
        for group in sorted({groups[o] for o, s in scores.items() if s >= COPY_JACCARD}):
            fits = self._fits(group, print_.shingles, scores)
            if fits is not None and (best is None or (-fits[1], fits[2]) < best[:2]):
                best = (-fits[1], fits[2], fits[0], group)
        return CopyMatch(best[3], best[2], -best[0]) if best else None

    def _band_candidates(self, bands: tuple[int, ...]) -> list[tuple[str, str, bytes, str, str]]:
        """``(id, group, shingles, sort key, exact key)`` of the committed articles sharing
        a band key with ``bands``, in ``copy_bands`` or in the backlog: one statement (an
        article's lookup ran three, with its exact key's)."""
        if not bands:
            return []
        posted = sorted(self.backlog.band_articles(bands))
        sql = (
            "SELECT id, grp, shingles, sort_key, exact FROM copies WHERE id IN "
            f"(SELECT id FROM copy_bands WHERE key IN ({','.join('?' * len(bands))}))"
        )
        if posted:
            sql += f" OR id IN ({','.join('?' * len(posted))})"
        return self.db.execute(sql, [*bands, *posted]).fetchall()

    def _fits(
        self, group: str, grams: np.ndarray, known: dict[str, float]
    ) -> tuple[str, float, str] | None:
        """``(most similar member, its Jaccard, its sort key)`` if every member is a copy."""
        best: tuple[str, float, str] | None = None
        for order, other, member_grams in self._members(group, MAX_GROUP_CHECK):
            score = known.get(other)
            if score is None:
                score = jaccard(grams, member_grams) if member_grams is not None else 0.0
            if score < COPY_JACCARD:
                return None
            if best is None or score > best[1]:
                best = (other, score, order)
        return best

    def _rename(self, group: str) -> dict[str, str]:
        """Name a group after its first member again; returns ``{member: new id}`` if renamed."""
        members = self._members(group)
        if not members or members[0][1] == group:
            return {}
        first = members[0][1]
        self.db.execute("UPDATE copies SET grp = ? WHERE grp = ?", (first, group))
        batch = self._batch
        pending = batch.groups.pop(group, [])
        for i in pending:
            batch.articles[i].group = first
        batch.groups.setdefault(first, []).extend(pending)
        return {i: first for _, i, _ in members}
