"""How well an article fits a story: weighted cosines, protagonist conflicts, distance in time.

``score = sum_f FIELD_WEIGHTS[f] * cos(article_f, centroid_f) - conflicts - time``

* the centroid of a field is the sum of its members' unit vectors, so the cosine with it
  weighs each member alike and needs only the article's keys and the centroid's length;
* a **protagonist conflict** is the rule that tells two events of one kind apart (two
  celebrities entering rehab, two boxers defending one title): the article's main person
  never appears among the story's people, or the story's main person is not named anywhere
  in the article. One of the two costs ``CONFLICT_ONE``, both ``CONFLICT_BOTH`` (on ECB+ dev
  both hold for 0.9% of an article's own event and for 42% of the other event of its topic);
* **time**: a dated article more than ``TIME_GRACE_DAYS`` outside a dated story's span loses
  up to ``TIME_PENALTY`` (reached ``TIME_SCALE_DAYS`` later). Undated articles are placed
  in time by the years they mention (the ``y`` field).

An article joins the best story scoring at least ``JOIN_THRESHOLD``, else opens one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from search.stories.features import DocFeatures
from search.stories.vectors import FIELD_WEIGHTS

JOIN_THRESHOLD = 0.3
CONFLICT_ONE = 0.05
CONFLICT_BOTH = 0.2
TIME_GRACE_DAYS = 7
TIME_SCALE_DAYS = 30
TIME_PENALTY = 0.15


@dataclass(frozen=True, slots=True)
class StoryView:
    """What scoring needs of a story besides its rows (see ``StoryStore.views``)."""

    id: str
    size: int
    norms: Mapping[str, float]  # squared length of each field's centroid
    main_person: str | None  # surname key most often the main person of its articles
    first_day: int | None
    last_day: int | None
    main_count: int = 0  # how many of its articles have that main person


@dataclass(frozen=True, slots=True)
class Fit:
    """The score of an article against one story, and its per-field dot products."""

    story: str
    score: float
    dots: Mapping[str, float]


def score(
    story: StoryView,
    dots: Mapping[str, float],
    doc: DocFeatures,
    doc_sq: Mapping[str, float],
    person_count: float,
    member: bool = False,
) -> float:
    """The fit of an article to a story; ``member``: the article is in it (scored as if not).

    ``dots`` are the per-field dot products of the article's vector with the centroid,
    ``doc_sq`` the squared length of each field of the article's vector, and
    ``person_count`` how many of the story's articles name the article's main person.
    """
    total = 0.0
    for field, weight in FIELD_WEIGHTS.items():
        dot = dots.get(field, 0.0)
        norm_sq = story.norms.get(field, 0.0)
        if member:  # the centroid without this article: c - d
            self_sq = doc_sq.get(field, 0.0)
            norm_sq = norm_sq - 2.0 * dot + self_sq
            dot -= self_sq
        if norm_sq > 1e-9 and dot > 0.0:
            total += weight * dot / math.sqrt(norm_sq)
    return total - _conflict(story, doc, person_count, member) - _time(story, doc)


def _conflict(story: StoryView, doc: DocFeatures, person_count: float, member: bool) -> float:
    own = 1.0 if member and doc.main_person in doc.persons else 0.0
    absent_here = doc.main_person is not None and person_count - own <= 0.0
    # The article's own main person is named in it, so membership needs no correction here.
    absent_there = story.main_person is not None and story.main_person not in doc.vocabulary
    if absent_here and absent_there:
        return CONFLICT_BOTH
    if absent_here or absent_there:
        return CONFLICT_ONE
    return 0.0


def _time(story: StoryView, doc: DocFeatures) -> float:
    if doc.day is None or story.first_day is None or story.last_day is None:
        return 0.0
    gap = max(story.first_day - doc.day, doc.day - story.last_day, 0)
    excess = gap - TIME_GRACE_DAYS
    if excess <= 0:
        return 0.0
    return TIME_PENALTY * min(1.0, excess / TIME_SCALE_DAYS)
