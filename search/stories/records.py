"""What the stories API hands back: an article's assignment, a batch's outcome, a story."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where one article belongs.

    ``copy_group`` is the id of the first article (canonical order: publication date,
    undated last, then content hash and id) of the article's copies, its own id when it
    has none; ``copies`` counts the group's articles (1: no copy). ``story`` is the story
    id, ``story_size`` its number of articles when the batch was committed.
    """

    doc_id: str
    copy_group: str
    copies: int
    story: str
    story_size: int


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The outcome of ``StoryIndex.assign_batch`` or ``StoryIndex.remove``.

    ``assignments``: the batch's own articles. ``regrouped``: other articles whose copy
    group id changed (an earlier copy arrived, or the group's first article was removed);
    their stored ``copy_group`` must be rewritten. ``story_sizes``: every story the batch
    touched and its size now (0: the story is gone), for callers that store sizes.
    """

    assignments: dict[str, Assignment] = field(default_factory=dict)
    regrouped: dict[str, str] = field(default_factory=dict)
    story_sizes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Story:
    """A story as the file knows it (titles, sources and texts live in the search backend)."""

    id: str
    size: int
    articles: tuple[str, ...]  # canonical order: the first is the earliest
    first_date: date | None
    last_date: date | None
    actors: tuple[str, ...]  # most weight in the centroid first
    countries: tuple[str, ...]
    copy_groups: int  # distinct copy groups among its articles
