"""The row cache of the stories scored against often (search.stories.rowcache).

Placing one article per call, with stories' rows read from the cache or from the file,
must give the same placements and the same file; the cache follows the writer's own
writes and forgets what another connection or a rollback changed.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from search.stories import StoryIndex
from search.stories.rowcache import RowCache, dot_products
from search.stories.scoring import StoryView
from tests.test_stories import ALL, QUAKE_PERU, check_consistent, reprint, synthetic_docs


def dump(path: Path) -> list[list[tuple]]:
    """Every row of the tables placement writes, in a fixed order."""
    db = sqlite3.connect(path)
    try:
        return [
            db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("articles", "stories", "story_keys", "copies", "backlog", "df_log")
        ]
    finally:
        db.close()


def place_one_per_call(path: Path, cached: bool) -> list[tuple]:
    """Synthetic reports one per call, some removed and placed again; every assignment."""
    docs = synthetic_docs(160, events=12)
    out = []
    with StoryIndex(path) as index:
        if not cached:
            index._store.rows = RowCache(max_entries=0)  # keeps nothing: every row read
        for doc in docs[:120]:
            result = index.assign_batch([doc])
            out += sorted(
                (a.doc_id, a.story, a.copy_group, a.story_size) for a in result.assignments.values()
            )
        index.remove([d.id for d in docs[:30:3]])
        for doc in [*docs[:30:3], *docs[120:]]:
            result = index.assign_batch([doc])
            out += sorted((a.doc_id, a.story, a.story_size) for a in result.assignments.values())
        if cached:
            assert index._store.rows._rows, "the cache was never used"
    return out


def test_cached_rows_place_as_the_file_does(tmp_path: Path) -> None:
    with_cache = place_one_per_call(tmp_path / "cached.sqlite", cached=True)
    without = place_one_per_call(tmp_path / "read.sqlite", cached=False)
    assert with_cache == without
    assert dump(tmp_path / "cached.sqlite") == dump(tmp_path / "read.sqlite")
    check_consistent(tmp_path / "cached.sqlite", removals=True)


def test_cache_follows_the_writers_rows(tmp_path: Path) -> None:
    # After every call, each kept story's rows and view are what the file holds.
    path = tmp_path / "stories.sqlite"
    with StoryIndex(path) as index:
        for doc in synthetic_docs(80, events=6):
            index.assign_batch([doc])
            cache = index._store.rows
            for story, rows in cache._rows.items():
                stored = dict(
                    index._db.execute(
                        "SELECT key, weight FROM story_keys WHERE story = ?", (story,)
                    )
                )
                assert rows == {k: stored.get(k) for k in rows}
                view = cache.view(story)
                if view is not None:
                    size, norms = index._db.execute(
                        "SELECT size, norms FROM stories WHERE id = ?", (story,)
                    ).fetchone()
                    assert (view.size, dict(view.norms)) == (size, json.loads(norms))
        assert cache._rows


def test_another_connections_commit_empties_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "stories.sqlite"
    with StoryIndex(path) as first, StoryIndex(path) as second:
        for doc in ALL:
            first.assign_batch([doc])
        first._store.rows.learn("kept", {"w:x": 1.0})
        second.assign_batch([reprint(QUAKE_PERU[0], "outlet-b/quake")])
        first.assign_batch([reprint(QUAKE_PERU[1], "outlet-c/quake")])
        assert first._store.rows.known("kept") == {}


def test_a_rolled_back_call_empties_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with StoryIndex(tmp_path / "stories.sqlite") as index:
        index.assign_batch(ALL[:2])
        index._store.rows.learn("kept", {"w:x": 1.0})

        def interrupted(body: str) -> None:
            raise KeyboardInterrupt  # mid-call, inside the transaction

        monkeypatch.setattr("search.stories.index.fingerprint", interrupted)
        with pytest.raises(KeyboardInterrupt):
            index.assign_batch(ALL[2:4])
        assert index._store.rows.known("kept") == {}


def test_row_cache_mirrors_upserts_and_evicts_the_least_recent() -> None:
    cache = RowCache(max_entries=5)
    assert cache.known("a") == {}
    cache.learn("a", {"w:x": 0.5, "w:y": 0.25, "w:z": None})
    cache.keep_view(StoryView("a", 2, {"w": 1.0}, None, None, None))
    cache.apply("a", [("w:x", 0.25), ("w:z", 0.125), ("w:new", 1.0)], 1e-6)
    # A key never read stays unknown (its weight in the file is not known here).
    assert cache.known("a") == {"w:x": 0.75, "w:y": 0.25, "w:z": 0.125}
    cache.apply("a", [("w:y", -0.25)], 1e-6)  # a falling weight: rows under the floor go
    assert cache.known("a") == {"w:x": 0.75, "w:y": None, "w:z": 0.125}
    cache.learn("b", {"w:x": 1.0})
    cache.known("a")  # "a" used last: "b" is the least recent
    cache.learn("c", {"w:x": 1.0, "w:r": 1.0})
    assert cache.known("b") == {} and cache.known("a")
    assert cache.view("a") is not None
    cache.drop("a")
    assert cache.known("a") == {} and cache.view("a") is None


def test_dot_products_sum_in_the_vectors_order() -> None:
    rows = {"w:a": 0.1, "w:b": 0.2, "w:c": None, "n:1": 0.5}
    vec = {"w:b": 0.3, "w:c": 0.9, "w:a": 0.7, "n:1": 1.0}
    assert dot_products(rows, vec) == {"w": (0.0 + 0.2 * 0.3) + 0.1 * 0.7, "n": 0.5}
