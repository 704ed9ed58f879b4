"""The stories SQLite file: articles' assignments, story centroids, document frequencies.

One file holds everything (copies too, see :mod:`search.stories.copies`), so one
transaction covers a whole batch: a process killed mid-batch leaves the file as the last
committed batch left it (SQLite's journal rolls the rest back), never half a story.

Tables:

* ``articles``: each assigned article: content hash, canonical sort key, story, day, main
  person, the surnames of its people and its vector (JSON), kept so it can be removed
  from its story exactly;
* ``stories``: size, first and last day, main person, squared length of each field's
  centroid (JSON);
* ``story_keys``: one row per (story, key): the centroid's weight. Keys are vector keys
  (``w:``, ``n:``, ``a:``, ``c:``, ``y:``), people's surnames (``p:``, counted) and main
  persons (``m:``, counted);
* ``postings``: the inverted index candidate stories are found by: ``(key, day, article,
  story)`` for each article's retrieval keys (its heaviest words and its actors; day ``0``
  undated). A committed article never changes story (stories are named before they are
  written), so the story is stored with the posting and read without a join;
* ``df``/``df_log``: document frequencies and the number of articles counted
  (:mod:`search.stories.frequencies`); ``backlog``: the postings and copy band keys of the
  last articles written (:mod:`search.stories.backlog`); ``meta``: the schema version,
  whether any article is undated, the articles counted up to the last fold of ``df_log``.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from search.stories import backlog, copies, frequencies
from search.stories.backlog import Backlog, Entry, Posting
from search.stories.fingerprint import BANDS, ROWS
from search.stories.scoring import StoryView
from search.stories.text import SHINGLE_WORDS
from search.stories.vectors import field_of, retrieval_keys

# The tables' layout (the backlog since format 4), the sort key ("date|content hash|id"
# since format 3) and every
# parameter the stored numbers depend on (LSH bands, shingle size): a file written with
# others cannot be extended, only rebuilt.
SCHEMA_VERSION = f"4/bands{BANDS}x{ROWS}/shingles{SHINGLE_WORDS}x32"
SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    story TEXT NOT NULL,
    day INTEGER,
    main_person TEXT,
    persons TEXT NOT NULL,
    vector TEXT NOT NULL,
    via_copy TEXT
);
CREATE INDEX IF NOT EXISTS articles_story ON articles (story, sort_key);
CREATE TABLE IF NOT EXISTS stories (
    id TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    first_day INTEGER,
    last_day INTEGER,
    main_person TEXT,
    main_count INTEGER NOT NULL DEFAULT 0,
    norms TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS story_keys (
    story TEXT NOT NULL,
    key TEXT NOT NULL,
    weight REAL NOT NULL,
    PRIMARY KEY (story, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS postings (
    key TEXT NOT NULL,
    day INTEGER NOT NULL,
    article TEXT NOT NULL,
    story TEXT NOT NULL,
    PRIMARY KEY (key, day, article)
) WITHOUT ROWID;
"""
    + copies.SCHEMA
    + frequencies.SCHEMA
    + backlog.SCHEMA
)
# A key's posting is read up to this many articles (nearest in time first), so finding
# candidates costs the same in a small archive and a huge one.
POSTING_LIMIT = 20
# Weights this close to zero are what is left of removed articles: the row goes.
EPSILON = 1e-6


# Page cache of a call, in KiB: 1 MB per article placed or removed, from 2 MB to 64 MB.
# Large calls reuse the pages their articles read (candidate stories, postings), but
# SQLite walks the whole cache at each commit after a B-tree page split (the split renames
# pages to a number past the end of the file, and the commit's truncation of the cache
# then scans every slot): with 64 MB cached that walk was ~0.5 ms of a one-article call's
# ~7 ms on Reuters. One commit per call, so a large call pays it once for all its articles.
CACHE_KIB = (2048, 65536)
CACHE_KIB_PER_ARTICLE = 1024
# Bytes of the file mapped into memory at most (see _prepare).
MMAP_BYTES = 1 << 30


class StoriesError(Exception):
    """The stories file cannot be read or written (the message names it)."""


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """What the file keeps of an assigned article."""

    id: str
    content_hash: str
    sort_key: str
    day: int | None
    main_person: str | None
    persons: frozenset[str]
    vector: Mapping[str, float]
    via_copy: str | None = None  # the copy it followed into its story, if any

    def counted_keys(self) -> dict[str, float]:
        """The counted keys it adds to a story: its people and its main person."""
        keys = {f"p:{p}": 1.0 for p in self.persons}
        if self.main_person:
            keys[f"m:{self.main_person}"] = 1.0
        return keys


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating) the stories file; transactions are explicit (``BEGIN IMMEDIATE``)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Statements whose text follows a call's key counts (candidates, dots) stay prepared.
        db = sqlite3.connect(path, isolation_level=None, timeout=30.0, cached_statements=512)
    except (OSError, sqlite3.Error) as e:
        raise StoriesError(f"cannot open the stories file {path}: {e}") from e
    try:
        _prepare(db, path)
    except BaseException as e:
        db.close()
        if isinstance(e, sqlite3.Error):
            raise StoriesError(f"cannot open the stories file {path}: {e}") from e
        raise
    return db


def _prepare(db: sqlite3.Connection, path: Path) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    # NORMAL under WAL: a killed process loses nothing committed and the file is always
    # consistent; only a power cut may drop the last batches (the next reindex redoes
    # them). FULL would fsync every commit, 8 ms of a one-article batch's 18.
    db.execute("PRAGMA synchronous=NORMAL")
    # A checkpoint syncs the file twice: every 10,000 pages (40 MB of log) rather than
    # every 1,000, which cost a one-article batch 5 ms on average at Reuters scale.
    db.execute("PRAGMA wal_autocheckpoint=10000")
    # Sized per call by StoryStore.fit_cache; a connection starts small (a web reader reads little).
    db.execute(f"PRAGMA cache_size=-{CACHE_KIB[0]}")
    # Pages of the file are read in place (memory-mapped) rather than copied in by a
    # system call each: a one-article call reads ~120 pages (postings, candidate stories'
    # rows), most of them outside the small page cache. Pages in the WAL are still read.
    db.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    db.executescript(SCHEMA)
    row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if row is None:
        db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        db.execute("INSERT INTO meta VALUES ('undated', '0')")
    elif row[0] != SCHEMA_VERSION:
        raise StoriesError(
            f"{path}: a stories file of format {row[0]}, not {SCHEMA_VERSION}: "
            "delete it and reindex to rebuild it"
        )


class StoryStore:
    """Reads and writes of the stories tables; the caller owns the transaction."""

    def __init__(self, db: sqlite3.Connection, posted: Backlog) -> None:
        self.db = db
        self.backlog = posted  # the postings of the last articles written
        # (any article posted, any undated) as of data_version _version (posting_state)
        self._posting: tuple[bool, bool] | None = None
        self._version: int | None = None
        self._cache_kib = CACHE_KIB[0]  # what connect() set

    def fit_cache(self, articles: int, at_least: int = 0) -> None:
        """Size the connection's page cache for a call placing or removing ``articles``
        (counted as ``at_least`` if fewer); no statement when the size is unchanged."""
        kib = CACHE_KIB_PER_ARTICLE * max(articles, at_least)
        kib = min(max(kib, CACHE_KIB[0]), CACHE_KIB[1])
        if kib != self._cache_kib:
            self.db.execute(f"PRAGMA cache_size=-{kib}")
            self._cache_kib = kib

    # ------------------------------------------------------------ articles

    def known(self, ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """``{id: (content_hash, story)}`` of those ``ids`` already assigned."""
        found: dict[str, tuple[str, str]] = {}
        for chunk in _chunks(list(ids)):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT id, content_hash, story FROM articles WHERE id IN ({marks})", chunk
            )
            found.update((i, (h, s)) for i, h, s in rows)
        return found

    def record(self, doc_id: str) -> ArticleRecord | None:
        """The stored record of an article."""
        row = self.db.execute(
            "SELECT id, content_hash, sort_key, day, main_person, persons, vector, via_copy "
            "FROM articles WHERE id = ?",
            (doc_id,),
        ).fetchone()
        if row is None:
            return None
        return ArticleRecord(
            id=row[0],
            content_hash=row[1],
            sort_key=row[2],
            day=row[3],
            main_person=row[4],
            persons=frozenset(json.loads(row[5])),
            vector=json.loads(row[6]),
            via_copy=row[7],
        )

    def story_of(self, doc_id: str) -> str | None:
        """The story a committed article is assigned to."""
        row = self.db.execute("SELECT story FROM articles WHERE id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def write_articles(
        self,
        placed: Iterable[tuple[ArticleRecord, str, list[str]]],
        bands: Mapping[str, Sequence[int]],
    ) -> None:
        """Insert (or move) articles with their stories, and post their retrieval keys and
        copy band keys (``bands``: by article) through the backlog.

        ``placed``: ``(record, story, retrieval keys)``; the keys are the caller's, computed
        once (``retrieval_keys(record.vector)`` sorts the whole vector).
        """
        placed = list(placed)
        rows = [
            (
                rec.id,
                rec.content_hash,
                rec.sort_key,
                story,
                rec.day,
                rec.main_person,
                json.dumps(sorted(rec.persons)),
                json.dumps(rec.vector, separators=(",", ":")),
                rec.via_copy,
            )
            for rec, story, _ in placed
        ]
        self.db.executemany(
            "INSERT INTO articles (id, content_hash, sort_key, story, day, main_person, persons,"
            " vector, via_copy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            " story = excluded.story, via_copy = excluded.via_copy",
            rows,
        )
        self.backlog.add(
            [
                Entry(rec.id, rec.day or 0, story, keys, bands.get(rec.id, ()))
                for rec, story, keys in placed
            ]
        )
        undated = any(rec.day is None for rec, _, _ in placed)
        if undated:  # see posting_state
            self.db.execute(
                "INSERT INTO meta VALUES ('undated', '1') "
                "ON CONFLICT (key) DO UPDATE SET value = '1'"
            )
        if self._posting is not None and placed:
            self._posting = (True, self._posting[1] or undated)

    # ------------------------------------------------------------ reading stories

    def candidates(
        self, keys: Iterable[str], day: int | None, window: int, undated: bool = True
    ) -> dict[str, set[str]]:
        """``{key: stories}`` of the committed articles posted under each key.

        Each key's posting is read up to ``POSTING_LIMIT`` articles (the latest first, and
        within ``window`` days of a dated article, undated ones included), so the cost does
        not grow with the archive. ``undated=False``: the file holds no undated article
        (``posting_state``), so a dated article does not look for them.
        """
        keys = list(keys)
        found: dict[str, set[str]] = {k: set() for k in keys}
        pending = {k: p for k in keys if (p := self.backlog.postings(k))}
        plain = [k for k in keys if k not in pending]
        if plain:  # (key, story) rows: two columns cost a third less than four
            for key, story in self._read_postings(plain, day, window, undated, "story"):
                found[key].add(story)
        if pending:  # merged with the backlog by (day, article)
            rows: dict[str, list[tuple[int, str, str]]] = {k: [] for k in pending}
            cursor = self._read_postings(list(pending), day, window, undated, "day, article, story")
            for key, posted_day, article, story in cursor:
                rows[key].append((posted_day, article, story))
            for key, entries in pending.items():
                found[key].update(p[2] for p in _with_backlog(rows[key], entries, day, window))
        return found

    def _read_postings(
        self, keys: list[str], day: int | None, window: int, undated: bool, columns: str
    ) -> sqlite3.Cursor:
        """``(key, *columns)`` of each key's posting as ``candidates`` reads it: the latest
        first (then the highest article id), the undated by article id."""
        # One statement for all keys; each key's part reads an exact index range (a dated
        # window, then the undated), so no posting is scanned beyond its limit.
        latest = (
            f"SELECT ? AS k, {columns} FROM (SELECT {columns} FROM postings "
            "WHERE key = ? {} ORDER BY day DESC, article DESC LIMIT ?)"
        )
        if day is None:
            part = latest.format("")
            params: list[object] = [x for k in keys for x in (k, k, POSTING_LIMIT)]
        elif not undated:
            part = latest.format("AND day BETWEEN ? AND ?")
            params = [x for k in keys for x in (k, k, day - window, day + window, POSTING_LIMIT)]
        else:
            part = latest.format("AND day BETWEEN ? AND ?") + (
                f" UNION ALL SELECT ? AS k, {columns} FROM (SELECT {columns} "
                "FROM postings WHERE key = ? AND day = 0 ORDER BY article LIMIT ?)"
            )
            params = [
                x
                for k in keys
                for x in (k, k, day - window, day + window, POSTING_LIMIT, k, k, POSTING_LIMIT)
            ]
        return self.db.execute(" UNION ALL ".join([part] * len(keys)), params)

    def posting_state(self, version: int) -> tuple[bool, bool]:
        """Whether any committed article is posted (false in a new file), and whether any
        undated one may be (when none is, a dated article's lookup skips their ranges).

        Read again only when another connection committed (``version``: the connection's
        ``PRAGMA data_version``); this one's writes update it (``write_articles``).
        """
        if self._posting is None or version != self._version:
            posted, undated = self.db.execute(
                "SELECT EXISTS (SELECT 1 FROM postings), "
                "(SELECT value FROM meta WHERE key = 'undated')"
            ).fetchone()
            self._posting = (bool(posted) or len(self.backlog) > 0, undated != "0")
            self._version = version
        return self._posting

    def forget(self) -> None:
        """Drop what is kept in memory (a rolled-back transaction may have changed it)."""
        self._posting = None

    def dots(self, stories: list[str], vec: Mapping[str, float]) -> dict[str, dict[str, float]]:
        """``{story: {field: dot product of vec with the story's rows}}``, summed in SQLite.

        ``vec`` may hold counted keys too (``p:lohan`` with weight 1 gives the number of
        the story's articles naming that person, as field ``p``).
        """
        out: dict[str, dict[str, float]] = {s: {} for s in stories}
        if not stories or not vec:
            return out
        # JSON parameters keep the statement text fixed, so SQLite prepares it once. Story
        # by story (CROSS JOIN fixes the order), the article's keys are looked up within
        # one story's rows, on the leaf pages the previous seek left (key by key across
        # the stories, each seek started again from the root). A story's products are
        # summed in the article's key order either way: the same sums.
        rows = self.db.execute(
            "SELECT st.value, substr(s.key, 1, 1), SUM(s.weight * d.value) "
            "FROM json_each(?) st CROSS JOIN json_each(?) d CROSS JOIN story_keys s "
            "WHERE s.story = st.value AND s.key = d.key GROUP BY 1, 2",
            (json.dumps(stories), json.dumps(vec)),
        )
        for story, field, dot in rows:
            out[story][field] = dot
        return out

    def views(self, stories: list[str]) -> dict[str, StoryView]:
        """Size, centroid lengths, main person and span of those ``stories`` that exist."""
        out: dict[str, StoryView] = {}
        for chunk in _chunks(stories):
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT id, size, norms, main_person, first_day, last_day, main_count "
                f"FROM stories WHERE id IN ({marks})",
                chunk,
            )
            for sid, size, norms, main, first, last, count in rows:
                out[sid] = StoryView(sid, size, json.loads(norms), main, first, last, count)
        return out

    def sizes(self, stories: list[str]) -> dict[str, int]:
        """``{story: size}`` of those ``stories`` that exist (``views`` without the JSON)."""
        out: dict[str, int] = {}
        for chunk in _chunks(stories):
            marks = ",".join("?" * len(chunk))
            out.update(
                self.db.execute(f"SELECT id, size FROM stories WHERE id IN ({marks})", chunk)
            )
        return out

    def weight(self, story: str, key: str) -> float:
        """One row's weight (0 when absent)."""
        row = self.db.execute(
            "SELECT weight FROM story_keys WHERE story = ? AND key = ?", (story, key)
        ).fetchone()
        return float(row[0]) if row else 0.0

    def exists(self, story: str) -> bool:
        """Whether a story of that id exists."""
        row = self.db.execute("SELECT 1 FROM stories WHERE id = ?", (story,)).fetchone()
        return row is not None

    # ------------------------------------------------------------ writing stories

    def write_story(self, view: StoryView, delta: Mapping[str, float], new: bool) -> None:
        """Save a story changed by a batch: its row, and ``delta`` added to its key weights."""
        if view.size <= 0:
            self.delete_story(view.id)
            return
        self.db.execute(
            "INSERT INTO stories (id, size, norms, main_person, main_count, first_day, last_day)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET size = excluded.size,"
            " norms = excluded.norms, main_person = excluded.main_person,"
            " main_count = excluded.main_count, first_day = excluded.first_day,"
            " last_day = excluded.last_day",
            (
                view.id,
                view.size,
                json.dumps(view.norms),
                view.main_person,
                view.main_count,
                view.first_day,
                view.last_day,
            ),
        )
        rows = sorted((view.id, k, w) for k, w in delta.items() if w != 0.0)
        if new:
            self.db.executemany(
                "INSERT INTO story_keys (story, key, weight) VALUES (?, ?, ?)",
                [r for r in rows if r[2] > EPSILON],
            )
            return
        self.db.executemany(
            "INSERT INTO story_keys (story, key, weight) VALUES (?, ?, ?) "
            "ON CONFLICT (story, key) DO UPDATE SET weight = weight + excluded.weight",
            rows,
        )
        if any(w < 0 for _, _, w in rows):
            self.db.execute(
                "DELETE FROM story_keys WHERE story = ? AND weight < ?", (view.id, EPSILON)
            )

    def delete_story(self, story: str) -> None:
        """Drop a story and its rows (its last article left)."""
        self.db.execute("DELETE FROM stories WHERE id = ?", (story,))
        self.db.execute("DELETE FROM story_keys WHERE story = ?", (story,))

    def remove_member(self, story: str, rec: ArticleRecord) -> bool:
        """Take a committed article out of its story and out of the file.

        The story goes when it was its last article (returns False); otherwise its rows
        lose the article's weights and the caller calls :meth:`settle` once it has taken
        out every article leaving that story (a story loses a hundred articles at the cost
        of one recomputation, not a hundred: on Reuters that was most of a removal).
        """
        rows = [*rec.vector.items(), *rec.counted_keys().items()]
        self.db.executemany(
            "UPDATE story_keys SET weight = weight - ? WHERE story = ? AND key = ?",
            [(w, story, k) for k, w in rows],
        )
        self.db.execute("DELETE FROM articles WHERE id = ?", (rec.id,))
        if not self.backlog.remove(rec.id):  # else its keys were never in the keyed tables
            self.db.executemany(
                "DELETE FROM postings WHERE key = ? AND day = ? AND article = ?",
                [(k, rec.day or 0, rec.id) for k in retrieval_keys(rec.vector)],
            )
        size = self.db.execute(
            "UPDATE stories SET size = size - 1 WHERE id = ? RETURNING size", (story,)
        ).fetchone()
        if size is None or size[0] <= 0:
            self.delete_story(story)
            return False
        return True

    def settle(self, story: str) -> None:
        """After removals: drop the story's rows weighing nothing now, recompute the rest.

        Weights only fall during removals, so a row dropped here once is the row dropped
        after the first removal that took it below ``EPSILON``: the same rows are left.
        """
        self.db.execute("DELETE FROM story_keys WHERE story = ? AND weight < ?", (story, EPSILON))
        self.refresh(story)

    def refresh(self, story: str) -> None:
        """Recompute a story's lengths, span and main person from its rows and articles."""
        norms: dict[str, float] = {}
        for key, weight in self.db.execute(
            "SELECT key, weight FROM story_keys WHERE story = ?", (story,)
        ):
            field = field_of(key)
            if field not in ("p", "m"):
                norms[field] = norms.get(field, 0.0) + weight * weight
        first, last = self.db.execute(
            "SELECT MIN(day), MAX(day) FROM articles WHERE story = ? AND day IS NOT NULL",
            (story,),
        ).fetchone()
        main = self.db.execute(
            "SELECT key, weight FROM story_keys WHERE story = ? AND key >= 'm:' AND key < 'm;' "
            "ORDER BY weight DESC, key LIMIT 1",
            (story,),
        ).fetchone()
        self.db.execute(
            "UPDATE stories SET norms = ?, first_day = ?, last_day = ?, main_person = ?, "
            "main_count = ? WHERE id = ?",
            (
                json.dumps(norms),
                first,
                last,
                main[0][2:] if main else None,
                int(round(main[1])) if main else 0,
                story,
            ),
        )


def _with_backlog(
    rows: list[Posting], pending: Sequence[Posting], day: int | None, window: int
) -> list[Posting]:
    """A key's posting as read from the table (``_read_postings``) merged with the
    backlog's articles under that key (``pending``, sorted): what the table would give if
    it held them too. Each part's first ``POSTING_LIMIT`` of the backlog are all that can
    make the cut, found by bisection: a large backlog costs a lookup no more."""
    limit = POSTING_LIMIT
    if day is None:  # the latest first, the undated (day 0) last
        return sorted([*rows, *pending[-limit:]], reverse=True)[:limit]
    undated_end = bisect.bisect_left(pending, (1,))
    low = max(bisect.bisect_left(pending, (day - window,)), undated_end)
    high = bisect.bisect_left(pending, (day + window + 1,))
    dated = [r for r in rows if r[0]] + list(pending[max(low, high - limit) : high])
    undated = [r for r in rows if not r[0]] + list(pending[: min(undated_end, limit)])
    return [*sorted(dated, reverse=True)[:limit], *sorted(undated)[:limit]]


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
