"""Reading one file's bytes within the size limit (gzip included)."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path


class FileRefused(ValueError):
    """A file that cannot be read; ``str(err)`` is the reason shown to the user."""


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, gunzipped for ``*.gz``; ``FileRefused`` if empty, huge or unreadable."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FileRefused(f"file too large ({size:,} bytes, limit {max_bytes:,})")
        if path.name.endswith(".gz"):
            data = _gunzip(path, max_bytes)
        else:
            data = path.read_bytes()
    except PermissionError as e:
        raise FileRefused("permission denied") from e
    except IsADirectoryError as e:
        raise FileRefused("is a directory") from e
    except OSError as e:
        raise FileRefused(f"cannot read file: {e.strerror or e}") from e
    if not data.strip():
        raise FileRefused("empty file")
    return data


def _gunzip(path: Path, max_bytes: int) -> bytes:
    # Read one byte past the limit so a gzip bomb is refused without inflating it all.
    try:
        with gzip.open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise FileRefused(f"broken gzip file: {e}") from e
    if len(data) > max_bytes:
        raise FileRefused(f"file too large once decompressed (limit {max_bytes:,} bytes)")
    return data
