"""Copies and stories: which articles repeat one text, which cover one real-world event.

``StoryIndex`` (:mod:`search.stories.index`) is the API; the rest are its parts, each with
one job: ``text`` (words, shingles), ``copies`` (near-duplicate groups), ``features`` and
``vectors`` (what an article is about), ``scoring`` (how well it fits a story), ``store``
(the SQLite file), ``records`` (what the API returns), ``headline`` (the title a story
page shows). It reads IndexDocuments only: the entities were extracted at index time, and
nothing here imports a backend, the entity extraction or the web layer.
"""

from __future__ import annotations

from search.stories.index import StoryIndex
from search.stories.records import Assignment, BatchResult, Story
from search.stories.store import StoriesError

__all__ = ["Assignment", "BatchResult", "StoriesError", "Story", "StoryIndex"]
