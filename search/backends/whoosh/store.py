"""On-disk layout of the Whoosh index: generations, the CURRENT pointer and the lock.

::

    index_dir/
      CURRENT          name of the live generation ("gen-000003"), replaced atomically
      reindex.lock     flock()ed by the one running reindex (freed when its process dies)
      gen-000002/      the previous generation, kept for readers that still have it open
      gen-000003/      a complete Whoosh index (TOC, segments, MAIN_WRITELOCK)
      gen-000004/      a full rebuild in progress, or half-built by a killed reindex

A full rebuild writes a new generation directory and then switches CURRENT (write
``CURRENT.tmp``, fsync, ``os.replace``, fsync the directory), so readers see either the
old or the new index, never a mix. Anything newer than CURRENT is garbage from a killed
run and is removed by the next writer (which holds the lock, so nobody is building it).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
from pathlib import Path

from search.backends.shared import ReindexLock

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
LOCK_NAME = "reindex.lock"
_GEN_RE = re.compile(r"^gen-(\d{6,})$")


class GenerationStore:
    """Generations of one index folder and the pointer to the live one."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def lock_path(self) -> Path:
        """The reindex lock file."""
        return self.root / LOCK_NAME

    def pointer_stamp(self) -> tuple[int, int, int] | None:
        """A cheap identity of CURRENT (one stat): changes whenever it is replaced."""
        try:
            st = os.stat(self.root / CURRENT)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def current(self) -> str | None:
        """Name of the live generation, or None when there is no (valid) pointer."""
        try:
            name = (self.root / CURRENT).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        if not _GEN_RE.match(name) or not (self.root / name).is_dir():
            return None
        return name

    def generations(self) -> list[str]:
        """Every generation directory, oldest first."""
        try:
            names = [p.name for p in self.root.iterdir() if _GEN_RE.match(p.name)]
        except OSError:
            return []
        return sorted(names, key=lambda n: int(n[4:]))

    def new_generation(self) -> Path:
        """Create the directory of the next generation."""
        numbers = [int(n[4:]) for n in self.generations()]
        path = self.root / f"gen-{(max(numbers, default=0) + 1):06d}"
        path.mkdir(parents=True)
        return path

    def publish(self, name: str) -> None:
        """Make generation ``name`` live, atomically and durably."""
        tmp = self.root / f"{CURRENT}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, f"{name}\n".encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.root / CURRENT)
        _fsync_dir(self.root)

    def collect_garbage(self) -> None:
        """Remove half-built and old generations; keep the live one and the one before it.

        The previous generation stays for one more rebuild so that a reader in another
        process that has not yet noticed the switch can finish its query.
        """
        live = self.current()
        names = self.generations()
        keep = {live} if live else set()
        if live:
            older = [n for n in names if int(n[4:]) < int(live[4:])]
            if older:
                keep.add(older[-1])
        for name in names:
            if name not in keep:
                log.debug("removing generation %s", name)
                shutil.rmtree(self.root / name, ignore_errors=True)
        with contextlib.suppress(OSError):
            (self.root / f"{CURRENT}.tmp").unlink()

    def remove(self, path: Path) -> None:
        """Delete a generation directory (a failed or aborted build)."""
        shutil.rmtree(path, ignore_errors=True)

    def lock(self) -> ReindexLock:
        """The one-reindex-at-a-time lock of this folder."""
        return ReindexLock(self.lock_path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
