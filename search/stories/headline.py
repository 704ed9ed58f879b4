"""The headline of a story: the title of its articles that the others' titles echo most.

A story is grown by linking articles one by one, so its oldest article may sit at its edge:
Reuters' 36-article story of the 1987 Gulf tanker war starts with "U.S. TROOPS GET
COST-OF-LIVING INCREASE". The title that shares the most words with the rest ("IRAN WARNS
U.S. NOT TO INTERVENE IN THE GULF") names what the story is about.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

# Words of four letters or more: short function words ("the", "to", "in") tie every title.
_WORD = re.compile(r"[^\W\d_]{4,}")


def _words(title: str) -> frozenset[str]:
    return frozenset(_WORD.findall(title.casefold()))


def headline(titles: Sequence[str]) -> str:
    """The title most like the others (summed cosine of their word sets); of equals, and
    when no two titles share a word, the first non-empty one (callers pass them oldest
    first)."""
    sets = [_words(t) for t in titles]
    best, best_score = "", 0.0
    for i, (title, words) in enumerate(zip(titles, sets, strict=True)):
        if not title:
            continue
        score = sum(
            len(words & other) / math.sqrt(len(words) * len(other))
            for j, other in enumerate(sets)
            if j != i and words and other
        )
        if not best or score > best_score:
            best, best_score = title, score
    return best
