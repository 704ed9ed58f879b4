"""The follow state: one SQLite file in the index folder (``follow.sqlite``).

``sources``: each feed or sitemap followed, its validators (ETag, Last-Modified, body
hash), its schedule and its counts. ``urls``: every article URL seen, by canonical URL,
with its GUID and outcome. An article moves ``queued`` (seen in a feed) -> ``fetched`` (page
kept here, compressed) -> ``indexed``, or ends ``failed`` / ``duplicate``; a fetch that
failed for a passing reason (a timeout, a 5xx) goes back to ``queued`` with a time before
which it is not tried again (``retry_at``), up to ``ARTICLE_TRIES`` fetches. Each step is
committed before the next begins, so a follow killed at any moment restarts where it was:
fetched pages are indexed without being fetched again, the page in flight is fetched again,
and indexing is idempotent (ids are the canonical URL's), so nothing is indexed twice.
WAL mode: the web pages read it while a follow writes.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from search.errors import DatelineError

FILE = "follow.sqlite"
LOCK_FILE = "follow.lock"
# Fetches of one article before a passing failure (timeout, 5xx, network) is final, and the
# wait before the second; each later one waits RETRY_GROWTH times longer.
ARTICLE_TRIES = 3
RETRY_WAIT_S = 60.0
RETRY_GROWTH = 4.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    url TEXT PRIMARY KEY,
    kind TEXT NOT NULL DEFAULT '',
    title TEXT,
    etag TEXT,
    last_modified TEXT,
    body_hash TEXT,
    interval_s REAL NOT NULL,
    base_interval_s REAL NOT NULL,
    floor_s REAL NOT NULL DEFAULT 0,
    next_poll REAL NOT NULL DEFAULT 0,
    last_poll REAL,
    last_new REAL,
    last_error TEXT,
    errors INTEGER NOT NULL DEFAULT 0,
    error_count INTEGER NOT NULL DEFAULT 0,
    polls INTEGER NOT NULL DEFAULT 0,
    items_seen INTEGER NOT NULL DEFAULT 0,
    items_indexed INTEGER NOT NULL DEFAULT 0,
    added REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    guid TEXT,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    title TEXT,
    published TEXT,
    feed_title TEXT,
    page BLOB,
    page_url TEXT,
    seen REAL NOT NULL,
    updated REAL NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0,
    retry_at REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS urls_guid ON urls (source, guid);
CREATE INDEX IF NOT EXISTS urls_status ON urls (status);
"""


@dataclass(frozen=True, slots=True)
class Source:
    """One followed source as stored."""

    url: str
    kind: str
    title: str | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    interval_s: float
    base_interval_s: float
    floor_s: float
    next_poll: float
    last_poll: float | None
    last_new: float | None
    last_error: str | None
    errors: int
    error_count: int
    polls: int
    items_seen: int
    items_indexed: int
    added: float


@dataclass(frozen=True, slots=True)
class Queued:
    """An article URL waiting to be fetched or indexed."""

    url: str
    source: str
    status: str
    title: str | None
    published: str | None
    feed_title: str | None
    page: str | None  # the fetched page, once ``fetched``
    page_url: str | None  # where the page was fetched from (after redirects)


class FollowBusy(DatelineError):
    """Another ``dateline follow`` runs on this index folder."""

    status = 409


class FollowLock:
    """One follow per index folder: an ``flock`` (freed by the kernel if the holder dies),
    so two follows never fetch the same queue twice."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise ``FollowBusy``."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(fd)
            raise FollowBusy(
                f"another `dateline follow` is running on this index (lock: {self.path})"
            ) from e
        self.fd = fd

    def release(self) -> None:
        """Let go of the lock."""
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


class State:
    """The follow state file; one per index folder."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = Path(path)
        if readonly:
            self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(_SCHEMA)
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(urls)")}
            if "retry_at" not in columns:  # a state file of an earlier Dateline
                self.db.execute("ALTER TABLE urls ADD COLUMN retry_at REAL NOT NULL DEFAULT 0")
        self.db.row_factory = sqlite3.Row

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    # ------------------------------------------------------------ sources

    def add_source(self, url: str, interval_s: float) -> None:
        """Follow ``url`` (no change when already followed, but its base interval)."""
        with self.db:
            self.db.execute(
                "INSERT INTO sources (url, interval_s, base_interval_s, added) VALUES (?,?,?,?)"
                " ON CONFLICT(url) DO UPDATE SET base_interval_s=excluded.base_interval_s",
                (url, interval_s, interval_s, time.time()),
            )

    def sources(self) -> list[Source]:
        """Every followed source, in the order they were added."""
        rows = self.db.execute("SELECT * FROM sources ORDER BY added, url").fetchall()
        return [Source(**dict(row)) for row in rows]

    def remove_source(self, url: str) -> bool:
        """Stop following ``url``: its row goes, with its articles not yet indexed; the
        URLs it indexed stay known (so following it again fetches none of them twice).
        False when it was not followed."""
        with self.db:
            gone = self.db.execute("DELETE FROM sources WHERE url=?", (url,)).rowcount
            self.db.execute(
                "DELETE FROM urls WHERE source=? AND status IN ('queued', 'fetched')", (url,)
            )
        return gone > 0

    def source(self, url: str) -> Source | None:
        """One source, or None."""
        row = self.db.execute("SELECT * FROM sources WHERE url=?", (url,)).fetchone()
        return Source(**dict(row)) if row else None

    def update_source(self, url: str, **values: object) -> None:
        """Set some columns of a source."""
        if not values:
            return
        columns = ", ".join(f"{name}=?" for name in values)
        with self.db:
            self.db.execute(f"UPDATE sources SET {columns} WHERE url=?", (*values.values(), url))

    # ------------------------------------------------------------ URLs

    def known(self, url: str, source: str, guid: str | None) -> bool:
        """True when the article was seen before, by canonical URL or by the feed's GUID."""
        if self.db.execute("SELECT 1 FROM urls WHERE url=?", (url,)).fetchone():
            return True
        if guid:
            row = self.db.execute(
                "SELECT 1 FROM urls WHERE source=? AND guid=?", (source, guid)
            ).fetchone()
            return row is not None
        return False

    def queue(
        self,
        items: list[tuple[str, str | None, str | None, str | None]],
        source: str,
        feed_title: str | None,
    ) -> int:
        """Queue new articles (url, guid, title, published) of one feed; returns how many."""
        now = time.time()
        with self.db:
            cursor = self.db.executemany(
                "INSERT OR IGNORE INTO urls (url, guid, source, status, title, published,"
                " feed_title, seen, updated) VALUES (?,?,?,'queued',?,?,?,?,?)",
                [(u, g, source, t, p, feed_title, now, now) for u, g, t, p in items],
            )
        return cursor.rowcount

    def pending(self, status: str) -> list[Queued]:
        """Articles in ``status`` (``queued`` or ``fetched``) that are due, oldest first."""
        rows = self.db.execute(
            "SELECT url, source, status, title, published, feed_title, page, page_url FROM urls"
            " WHERE status=? AND retry_at<=? ORDER BY seen, rowid",
            (status, time.time()),
        ).fetchall()
        return [
            Queued(
                url=r["url"], source=r["source"], status=r["status"], title=r["title"],
                published=r["published"], feed_title=r["feed_title"],
                page=zlib.decompress(r["page"]).decode("utf-8") if r["page"] else None,
                page_url=r["page_url"],
            )
            for r in rows
        ]  # fmt: skip

    def fetched(self, url: str, page: str, page_url: str) -> None:
        """The page of ``url`` was fetched: keep it until it is indexed."""
        blob = zlib.compress(page.encode("utf-8"), 3)
        with self.db:
            self.db.execute(
                "UPDATE urls SET status='fetched', page=?, page_url=?, updated=? WHERE url=?",
                (blob, page_url, time.time(), url),
            )

    def finish(self, outcomes: list[tuple[str, str, str | None]]) -> None:
        """Final outcomes (url, status, reason): ``indexed``, ``failed``, ``duplicate``.

        Pages are dropped and each source's ``items_indexed`` counts its newly indexed.
        """
        now = time.time()
        with self.db:
            for url, status, reason in outcomes:
                row = self.db.execute(
                    "SELECT source, status FROM urls WHERE url=?", (url,)
                ).fetchone()
                if row is None or row["status"] in ("indexed", "failed", "duplicate"):
                    continue
                self.db.execute(
                    "UPDATE urls SET status=?, reason=?, page=NULL, updated=?,"
                    " tries=tries+1 WHERE url=?",
                    (status, reason, now, url),
                )
                if status == "indexed":
                    self.db.execute(
                        "UPDATE sources SET items_indexed=items_indexed+1 WHERE url=?",
                        (row["source"],),
                    )

    def retry_later(self, url: str, reason: str) -> float | None:
        """A fetch of ``url`` failed for a passing reason: queue it again after a wait that
        grows with each try, and return that wait (s); None when its tries are used up
        (it is then ``failed``)."""
        row = self.db.execute("SELECT tries FROM urls WHERE url=?", (url,)).fetchone()
        tries = (row["tries"] if row else 0) + 1
        if row is None or tries >= ARTICLE_TRIES:
            self.finish([(url, "failed", reason)])
            return None
        wait = RETRY_WAIT_S * RETRY_GROWTH ** (tries - 1)
        now = time.time()
        with self.db:
            self.db.execute(
                "UPDATE urls SET status='queued', reason=?, tries=?, retry_at=?, updated=?"
                " WHERE url=?",
                (reason, tries, now + wait, now, url),
            )
        return wait

    def add_alias(self, url: str, alias_of: str, source: str) -> None:
        """Record ``url`` (another address of the article ``alias_of``) as seen."""
        now = time.time()
        with self.db:
            self.db.execute(
                "INSERT OR IGNORE INTO urls (url, source, status, reason, seen, updated)"
                " VALUES (?,?,'duplicate',?,?,?)",
                (url, source, f"same article as {alias_of}", now, now),
            )

    def status_of(self, url: str) -> str | None:
        """The status of one article URL, or None when never seen."""
        row = self.db.execute("SELECT status FROM urls WHERE url=?", (url,)).fetchone()
        return str(row["status"]) if row else None

    def counts(self) -> dict[str, int]:
        """Articles by status."""
        rows = self.db.execute("SELECT status, COUNT(*) AS n FROM urls GROUP BY status")
        return {r["status"]: r["n"] for r in rows}

    def failed_by_source(self) -> dict[str, int]:
        """Article pages that failed for good, by the source that listed them."""
        rows = self.db.execute(
            "SELECT source, COUNT(*) AS n FROM urls WHERE status='failed' GROUP BY source"
        )
        return {r["source"]: r["n"] for r in rows}

    def failures(self, limit: int = 50) -> Iterator[tuple[str, str, str, float]]:
        """The latest article pages that failed for good: (url, source, reason, when)."""
        rows = self.db.execute(
            "SELECT url, source, reason, updated FROM urls WHERE status='failed' "
            "ORDER BY updated DESC LIMIT ?",
            (limit,),
        )
        for row in rows:
            yield row["url"], row["source"], row["reason"] or "", row["updated"]
