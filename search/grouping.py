"""Copies and stories at index time: the reindex pipeline's link to :mod:`search.stories`.

The pipeline places its articles before writing them, up to ``indexing.PLACE_SIZE`` at a
time (``StoryIndex.assign_batch``, one SQLite transaction in ``index/stories.sqlite``), so
every document is written once with its ``copy_group`` and ``story``. Placing an article
can rename the copy group of articles written earlier (an earlier-dated copy arrived late)
and removing articles can too; those are rewritten after the run's commit
(:func:`rewrite_groups`), like the alias pass.

The story file and the index commit separately. A run killed between the two leaves
placements for articles the index does not hold yet; the next run reads those articles
again, finds them placed with the same content and keeps their story (stable ids), and
anything the index no longer holds is forgotten at the end of the next run
(:func:`forget_missing`).
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from search.backends import Backend
from search.errors import BackendError
from search.models import IndexDocument

if TYPE_CHECKING:
    from search.stories import StoryIndex

STORIES_FILE = "stories.sqlite"
# The format of the stories file (``search.stories.store.SCHEMA_VERSION``; a test keeps the
# two equal), read here without loading the story code: a no-op reindex stays cheap.
STORIES_FORMAT = "4/bands20x2/shingles5x32"
# Below this much free space a failed write of the stories file is taken for a full disk.
LOW_SPACE_BYTES = 64 * 1024 * 1024


def open_stories(index_dir: Path) -> StoryIndex:
    """The copies and stories file of an index folder (created when missing)."""
    from search.stories import StoryIndex  # numpy and the story code: only when placing

    with guarded(index_dir / STORIES_FILE):
        index_dir.mkdir(parents=True, exist_ok=True)
        return StoryIndex(index_dir / STORIES_FILE)


def discard_stale(index_dir: Path) -> bool:
    """Delete a stories file written in another format by an older Dateline, and say
    whether there was one. Placements are derived data: the full rebuild that must follow
    places every article again (a stale file cannot take today's placements)."""
    path = index_dir / STORIES_FILE
    if not path.is_file():
        return False
    try:
        db = sqlite3.connect(path)
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return False  # not readable here: opening it reports why, with its hint
    if row is None or row[0] == STORIES_FORMAT:
        return False
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()
    return True


class LazyStories:
    """The stories file of a reindex, opened when first needed (a run that changes
    nothing never loads the story code)."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._index: StoryIndex | None = None

    def get(self) -> StoryIndex:
        """The open story index."""
        if self._index is None:
            self._index = open_stories(self.index_dir)
        return self._index

    def close(self) -> None:
        """Close it if it was opened."""
        if self._index is not None:
            self._index.close()
            self._index = None


@contextlib.contextmanager
def guarded(path: Path) -> Iterator[None]:
    """Failures of the stories file as a ``BackendError`` a user can act on."""
    from search.stories import StoriesError

    try:
        yield
    except (StoriesError, sqlite3.Error, OSError) as e:
        raise BackendError(f"cannot write the stories file {path}: {e}{_hint(path)}") from e


def _hint(path: Path) -> str:
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return ""
    if free < LOW_SPACE_BYTES:
        return " (no space left: the disk is full; free space and run the reindex again)"
    return " (the live index is untouched; run the reindex again)"


def place(
    stories: StoryIndex, docs: list[IndexDocument], regrouped: dict[str, str]
) -> list[IndexDocument]:
    """``docs`` with their copy group and story; other articles' new groups go to ``regrouped``."""
    if not docs:
        return docs
    with guarded(stories.path):
        result = stories.assign_batch(docs)
    for doc in docs:  # a later batch's placement supersedes an earlier rename
        regrouped.pop(doc.id, None)
    regrouped.update(result.regrouped)
    placed = []
    for doc in docs:
        found = result.assignments.get(doc.id)
        if found is None:
            placed.append(doc)
        else:
            placed.append(replace(doc, copy_group=found.copy_group, story=found.story))
    return placed


def forget(stories: StoryIndex, ids: Iterable[str], regrouped: dict[str, str]) -> None:
    """Remove deleted articles from their groups and stories."""
    ids = list(ids)
    if ids:
        with guarded(stories.path):
            result = stories.remove(ids)
        for doc_id in ids:
            regrouped.pop(doc_id, None)
        regrouped.update(result.regrouped)


def forget_missing(stories: StoryIndex, live_ids: set[str], regrouped: dict[str, str]) -> None:
    """Forget placements of articles the index does not hold (a killed run, a rebuild)."""
    with guarded(stories.path):
        placed = stories.assignments()
    forget(stories, [i for i in placed if i not in live_ids], regrouped)


def rewrite_groups(backend: Backend, regrouped: Mapping[str, str]) -> int:
    """Store the new copy group of articles renamed by later placements; how many changed."""
    changed = 0
    ids = list(regrouped)
    if not ids:
        return 0
    writer = backend.writer()
    try:
        for start in range(0, len(ids), 256):
            for doc_id in ids[start : start + 256]:
                doc = backend.get(doc_id)
                if doc is not None and doc.copy_group != regrouped[doc_id]:
                    writer.add(replace(doc, copy_group=regrouped[doc_id]))
                    changed += 1
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return changed
