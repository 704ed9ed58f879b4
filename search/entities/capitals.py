"""Names an article already knows, found again in its lines written in capitals.

A wire headline in capitals ("SOCCER - SHEARER NAMED AS ENGLAND CAPTAIN .") names the
story's actors, but NER reads capitals badly and :func:`spans.is_junk` drops what it finds
there. The body, in mixed case, says who they are ("Alan Shearer"); a headline word that
spells one of those names is that actor, unless the name is also a word of the story.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from search.entities.consistency import Ranges, find_names
from search.entities.lines import LineIndex
from search.entities.spans import lower_case_words, surname

# Shorter capitals are acronyms only when the body writes them so ("EC", "GM").
_MIN_LETTERS = 3


def names_in_capitals(
    text: str,
    actors: Sequence[tuple[str, str, Sequence[str]]],
    lines: LineIndex,
    covered: Iterable[tuple[int, int]],
) -> list[tuple[int, int, int]]:
    """Where the capitals lines of ``text`` spell a known actor's name, as ``(start, end,
    i)`` with ``i`` the index of the actor in ``actors``.

    ``actors`` holds ``(name, kind, surfaces)``: the canonical name, "person" or "org",
    and the texts of its mentions. A person is also found by the surname of a full name
    ("SHEARER" for "Alan Shearer"). A spelling two actors share is left alone, as is one
    the story also writes in lower case ("LITTLE" when it says "little"), and any place
    ``covered`` already holds.
    """
    owners: dict[str, set[int]] = {}
    for i, (name, kind, surfaces) in enumerate(actors):
        spellings = {name, *surfaces}
        if kind == "person":
            spellings |= {surname(s) for s in spellings if " " in s}
        for spelling in spellings:
            if _letters(spelling) >= _MIN_LETTERS or spelling.isupper():
                owners.setdefault(spelling.upper(), set()).add(i)
    lower = lower_case_words(text)
    wanted = {
        caps: next(iter(ids))
        for caps, ids in owners.items()
        if len(ids) == 1 and not (" " not in caps and caps.lower() in lower)
    }
    if not wanted:
        return []
    taken = Ranges(covered)
    found = []
    for start, end in find_names(text, wanted):
        if lines.line_of(start).all_caps and not taken.overlaps(start, end):
            found.append((start, end, wanted[text[start:end]]))
    return found


def _letters(word: str) -> int:
    return sum(c.isalpha() for c in word)
