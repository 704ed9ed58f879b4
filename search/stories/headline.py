"""The headline of a story: the title of its articles that the others' titles echo most.

A story is grown by linking articles one by one, so its oldest article may sit at its edge:
Reuters' 36-article story of the 1987 Gulf tanker war starts with "U.S. TROOPS GET
COST-OF-LIVING INCREASE". The title that shares the most words with the rest ("IRAN SAYS
IT INTENDS NO THREAT TO GULF SHIPPING") names what the story is about.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence

# Words of four letters or more: short function words ("the", "to", "in") tie every title.
_WORD = re.compile(r"[^\W\d_]{4,}")
# Scores this close are equal (float sums in another order): the oldest title wins.
_TIE = 1e-9


def _words(title: str) -> frozenset[str]:
    return frozenset(_WORD.findall(title.casefold()))


def headline(titles: Sequence[str]) -> str:
    """The title most like the others (summed cosine of their word sets); of equals, and
    when no two titles share a word, the first non-empty one (callers pass them oldest
    first)."""
    sets = [_words(t) for t in titles]
    norms = [1 / math.sqrt(len(words)) if words else 0.0 for words in sets]
    # Summed over the titles holding each word, the cosines of one title with all others
    # take one pass over the words, not one per pair (a story page lists 200 articles).
    held: defaultdict[str, float] = defaultdict(float)
    for words, norm in zip(sets, norms, strict=True):
        for word in words:
            held[word] += norm
    best, best_score = "", 0.0
    for title, words, norm in zip(titles, sets, norms, strict=True):
        if not title:
            continue
        score = norm * sum(held[word] - norm for word in words)
        if not best or score > best_score + _TIE:
            best, best_score = title, score
    return best
