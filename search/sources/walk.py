"""Walking files and folders: sorted, hidden entries skipped, each file once, no symlink loops."""

from __future__ import annotations

import errno
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from search.models import FileProblem

log = logging.getLogger(__name__)

_SPECIAL = "not a regular file (FIFO, socket or device)"


def iter_files(
    root: Path, seen_files: set[tuple[int, int]] | None = None
) -> Iterator[Path | FileProblem]:
    """Every regular file under ``root`` (or ``root`` itself), in sorted order.

    Symlinks are followed, but a folder or file already seen (by device and inode) is not
    visited again, so a link back to an ancestor cannot loop. Names starting with "." are
    skipped below ``root``; a ``root`` given explicitly is always read. Pass the same
    ``seen_files`` set to several calls to read each file once across overlapping roots.
    """
    seen_files = set() if seen_files is None else seen_files
    try:
        st = root.stat()
    except OSError as e:
        yield FileProblem(str(root), _reason(e))
        return
    if stat.S_ISREG(st.st_mode):
        if (st.st_dev, st.st_ino) not in seen_files:
            seen_files.add((st.st_dev, st.st_ino))
            yield root
        return
    if not stat.S_ISDIR(st.st_mode):
        yield FileProblem(str(root), _SPECIAL)
        return
    yield from _walk_dir(root, ((st.st_dev, st.st_ino),), seen_files)


def _walk_dir(
    folder: Path, ancestors: tuple[tuple[int, int], ...], seen_files: set[tuple[int, int]]
) -> Iterator[Path | FileProblem]:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as e:
        yield FileProblem(str(folder), _reason(e))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            st = path.stat()  # follows symlinks
        except OSError as e:
            yield FileProblem(str(path), _reason(e))
            continue
        ident = (st.st_dev, st.st_ino)
        if stat.S_ISDIR(st.st_mode):
            if ident in ancestors:
                yield FileProblem(str(path), "symlink loop (links back to a parent folder)")
                continue
            yield from _walk_dir(path, (*ancestors, ident), seen_files)
        elif stat.S_ISREG(st.st_mode):
            if ident in seen_files:
                log.debug("skipping %s: same file already read through another path", path)
                continue
            seen_files.add(ident)
            yield path
        else:
            # Opening a FIFO blocks until a writer comes; devices never end.
            yield FileProblem(str(path), _SPECIAL)


def _reason(e: OSError) -> str:
    if isinstance(e, PermissionError):
        return "permission denied"
    if isinstance(e, FileNotFoundError):
        return "broken symlink" if os.path.islink(e.filename or "") else "file not found"
    if e.errno == errno.ELOOP:  # a symlink pointing at itself, directly or in a cycle
        return "symlink loop"
    return f"cannot read: {e.strerror or e}"
