"""The manifest of source files: what each file held when it was last read.

An incremental reindex asks it before opening a file. A file whose size, modification
time and inode (and its metadata sidecar's) are as recorded is not opened: its articles'
ids and content hashes are taken from here, checked against the live index's fingerprints,
and counted unchanged. When the stat differs, the file's bytes are hashed; the same bytes
(a ``touch``, a copy) are still not parsed or cleaned. Only then is the file read.

``index/manifest.sqlite`` (one row per source file: its stat, digest, the articles it gave
and the problems met reading them, so the report of a no-op run is the same as a full
read's). The run's changes are one SQLite transaction committed after the index commit: a
killed run leaves the manifest as it was, and a file whose new content was indexed before
the kill has a stat the manifest does not know, so it is read again. Memory stays bounded:
rows are looked up one file at a time.

Rows are trusted only under the same reading code: the signature is a hash of the
modules that turn bytes into articles (sources, cleaning) and of the settings that bound
them; any change makes every row stale.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from search.errors import BackendError
from search.settings import Settings

MANIFEST_FILE = "manifest.sqlite"
# A file modified this close before it was recorded may change again within the same
# mtime tick without its stat changing ("racily clean", as git calls it): it is compared
# by digest instead.
RACY_NS = 2_000_000_000
_DIGEST_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileStat:
    """What is compared before a file is opened: its stat and its sidecar's."""

    size: int
    mtime_ns: int
    inode: int
    sidecar: str  # "size:mtime_ns" of the metadata sidecar, "" without one


@dataclass(frozen=True)
class FileEntry:
    """One source file as last read: its articles ``(id, content_hash)`` and problems."""

    path: str
    stat: FileStat
    digest: str
    articles: tuple[tuple[str, str], ...]
    problems: tuple[tuple[str, str], ...]  # (key, reason)
    read: int  # articles read (those given and those cleaning refused)
    recorded_ns: int


def file_stat(path: Path, st: os.stat_result | None = None) -> FileStat:
    """The stat compared for ``path`` (raises ``OSError`` if it cannot be read)."""
    from search.sources.meta import sidecar_for

    st = st or path.stat()
    sidecar = ""
    side = sidecar_for(path)
    if side is not None:
        try:
            sst = side.stat()
            sidecar = f"{sst.st_size}:{sst.st_mtime_ns}"
        except OSError:
            sidecar = "?"
    return FileStat(st.st_size, st.st_mtime_ns, st.st_ino, sidecar)


def file_digest(path: Path) -> str:
    """sha256 of the file's bytes and of its sidecar's (raises ``OSError``)."""
    from search.sources.meta import sidecar_for

    digest = hashlib.sha256()
    for part in (path, sidecar_for(path)):
        if part is None:
            continue
        with open(part, "rb") as f:
            while chunk := f.read(_DIGEST_CHUNK):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def reading_signature(settings: Settings) -> str:
    """A hash of the code and settings that turn a file into articles."""
    import search

    package = Path(search.__file__).parent
    digest = hashlib.sha256()
    modules = [package / "cleaning.py", package / "boilerplate.py", package / "models.py"]
    modules += sorted((package / "sources").glob("*.py"))
    for module in modules:
        try:
            digest.update(module.read_bytes())
        except OSError:
            digest.update(module.name.encode())
    limits = (settings.max_file_bytes, settings.max_article_chars, settings.article_timeout_s)
    digest.update(repr(limits).encode())
    digest.update(b"manifest 1")  # the layout of its rows
    return digest.hexdigest()


class Manifest:
    """The manifest of one index folder; changes are committed by :meth:`commit`."""

    def __init__(self, path: Path, signature: str) -> None:
        self.path = path
        self.run_ns = time.time_ns()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are begun and ended here, explicitly.
            self._db = sqlite3.connect(path, isolation_level=None)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, "
                "mtime_ns INTEGER, inode INTEGER, sidecar TEXT, digest TEXT, articles TEXT, "
                "problems TEXT, read INTEGER, recorded_ns INTEGER, run_ns INTEGER)"
            )
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            self._db.execute("BEGIN")
            row = self._db.execute("SELECT value FROM meta WHERE key = 'signature'").fetchone()
            if row is None or row[0] != signature:
                self._db.execute("DELETE FROM files")
                self._db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('signature', ?)", (signature,)
                )
        except sqlite3.Error as e:
            raise BackendError(f"cannot open the file manifest {path}: {e}") from e

    def entry(self, path: str) -> FileEntry | None:
        """The row of ``path`` (an absolute path), if the manifest has one."""
        row = self._db.execute(
            "SELECT size, mtime_ns, inode, sidecar, digest, articles, problems, read, recorded_ns "
            "FROM files WHERE path = ?",
            (path,),
        ).fetchone()
        if row is None:
            return None
        size, mtime_ns, inode, sidecar, digest, articles, problems, read, recorded_ns = row
        return FileEntry(
            path,
            FileStat(size, mtime_ns, inode, sidecar),
            digest,
            tuple((a, h) for a, h in json.loads(articles)),
            tuple((k, r) for k, r in json.loads(problems)),
            read,
            recorded_ns,
        )

    def seen(self, path: str) -> None:
        """``path`` was walked this run (and kept as it is)."""
        self._db.execute("UPDATE files SET run_ns = ? WHERE path = ?", (self.run_ns, path))

    def record(
        self,
        path: str,
        stat: FileStat,
        digest: str,
        articles: Iterable[tuple[str, str]],
        problems: Iterable[tuple[str, str]],
        read: int,
    ) -> None:
        """Store what ``path`` held when read this run (visible after :meth:`commit`)."""
        self._db.execute(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                path,
                stat.size,
                stat.mtime_ns,
                stat.inode,
                stat.sidecar,
                digest,
                json.dumps(list(articles), separators=(",", ":")),
                json.dumps(list(problems), separators=(",", ":")),
                read,
                time.time_ns(),
                self.run_ns,
            ),
        )

    def forget_unseen(self, roots: Iterable[str] | None) -> None:
        """Drop rows of files not walked this run: under ``roots``, or all (None: a full run)."""
        if roots is None:
            self._db.execute("DELETE FROM files WHERE run_ns IS NOT ?", (self.run_ns,))
            return
        for root in roots:
            folder = root.rstrip(os.sep) + os.sep
            self._db.execute(
                "DELETE FROM files WHERE run_ns IS NOT ? AND (path = ? OR substr(path, 1, ?) = ?)",
                (self.run_ns, root, len(folder), folder),
            )

    def trusts(self, roots: list[str], revision: str | None) -> bool:
        """Whether the index is as the last complete run over ``roots`` left it: every live
        document is then in this manifest, so files need no check against fingerprints."""
        if revision is None:
            return False
        row = self._db.execute("SELECT value FROM meta WHERE key = 'trust'").fetchone()
        return row is not None and row[0] == json.dumps([roots, revision])

    def trust(self, roots: list[str] | None, revision: str | None) -> None:
        """Record (after the run's last commit) that the index at ``revision`` holds exactly
        the articles of the files under ``roots``; ``None``: not known."""
        value = json.dumps([roots, revision]) if roots is not None and revision else ""
        try:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('trust', ?)", (value,))
        except sqlite3.Error as e:
            raise BackendError(f"cannot write the file manifest {self.path}: {e}") from e

    def vanished(self, roots: list[str]) -> bool:
        """Whether a file recorded under ``roots`` was not walked this run (it went)."""
        for root in roots:
            folder = root.rstrip(os.sep) + os.sep
            row = self._db.execute(
                "SELECT 1 FROM files WHERE run_ns IS NOT ? AND "
                "(path = ? OR substr(path, 1, ?) = ?) LIMIT 1",
                (self.run_ns, root, len(folder), folder),
            ).fetchone()
            if row is not None:
                return True
        return False

    def commit(self) -> None:
        """Make this run's rows visible (after the index committed)."""
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as e:
            raise BackendError(f"cannot write the file manifest {self.path}: {e}") from e

    def close(self) -> None:
        """Close; uncommitted changes are dropped."""
        self._db.close()


def trusted(entry: FileEntry, stat: FileStat) -> bool:
    """Whether ``stat`` alone shows the file unchanged since ``entry`` was recorded."""
    return entry.stat == stat and stat.mtime_ns < entry.recorded_ns - RACY_NS
