"""The version of entity extraction, and which version an index's articles were made by.

``VERSION`` changes whenever extraction gives different output for the same article. The
extraction cache keys its rows on it, and the index folder records the version under
which every article of the index was extracted (``extraction-version``): a reindex of an
index extracted under another version (or before the record existed) extracts its
articles again, unchanged ones too, so none keeps the entities an older Dateline found.
This module imports nothing heavy: a no-op reindex reads the record without loading the
entities package.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

VERSION = "2026-12-03.22"
MARK_FILE = "extraction-version"


def is_stale(index_dir: Path) -> bool:
    """Whether the index's articles may have been extracted under another version."""
    try:
        return (index_dir / MARK_FILE).read_text(encoding="utf-8").strip() != VERSION
    except OSError:
        return True


def record(index_dir: Path) -> None:
    """Record that every article of the index was extracted under ``VERSION``."""
    path = index_dir / MARK_FILE
    temporary = path.with_suffix(".tmp")
    with contextlib.suppress(OSError):
        temporary.write_text(VERSION + "\n", encoding="utf-8")
        os.replace(temporary, path)
