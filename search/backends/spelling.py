""" "Did you mean": how both engines choose the word to offer for one they cannot find.

Candidates are real words of the archive's text (Whoosh: its vocabulary field; Typesense:
the words its typo tolerance matched in articles), never stems. The best is the one with
the fewest edits, then one that sounds like the typed word (same Soundex code: "opek"
-> "OPEC", not "oper" or "open", which are as close in letters and far more frequent),
then the most frequent, then the first in alphabetical order. It is offered in the form
the archive writes it most often ("OPEC", "Volcker", "oil").

Pure Python: neither engine is imported here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_EDITS = 2
_SOUNDEX = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}


def edit_distance(a: str, b: str, limit: int = MAX_EDITS) -> int:
    """Levenshtein distance of ``a`` and ``b`` (any value over ``limit`` is ``limit + 1``)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return min(previous[-1], limit + 1)


def soundex(word: str) -> str:
    """The American Soundex code of ``word`` ("OPEC" and "opek" -> "O120")."""
    letters = [c for c in word.lower() if c.isalpha()]
    if not letters:
        return ""
    code = letters[0].upper()
    last = _SOUNDEX.get(letters[0], "")
    for c in letters[1:]:
        digit = _SOUNDEX.get(c, "")
        if digit and digit != last:
            code += digit
        if c not in "hw":  # h and w do not separate equal codes; vowels do
            last = digit
    return (code + "000")[:4]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A word of the archive that could be meant: its edits from the typed word and the
    articles it is in."""

    word: str  # lower case
    edits: int
    frequency: int


def best(typed: str, candidates: Iterable[Candidate]) -> Candidate | None:
    """The candidate to offer for ``typed`` (see the module's rule), or None."""
    sound = soundex(typed)
    usable = [c for c in candidates if 0 < c.edits <= MAX_EDITS and c.frequency > 0]
    if not usable:
        return None
    return min(usable, key=lambda c: (c.edits, soundex(c.word) != sound, -c.frequency, c.word))


def mid_sentence(text: str, start: int) -> bool:
    """Whether the word at ``text[start:]`` follows another word of its sentence: its
    capital then tells how the archive writes it ("OPEC", "Volcker"), not where the
    sentence or headline starts ("Wheat prices rose")."""
    before = text[:start].rstrip()
    return bool(before) and (before[-1].isalnum() or before[-1] in ",;(")


def uncapitalised(form: str) -> str:
    """A word seen only where a sentence starts: its first capital says nothing, so
    "Wheat" is "wheat"; capitals further in ("OPEC", "McCain") are kept."""
    return form.lower() if form[1:] == form[1:].lower() else form


def surface_form(word: str, seen: Mapping[str, int] | Counter[str]) -> str:
    """The spelling of ``word`` the archive uses most (``seen``: spellings -> occurrences),
    ties by the one with more capitals ("OPEC" over "Opec"); ``word`` when none was seen."""
    forms = {form: n for form, n in seen.items() if form.lower() == word.lower()}
    if not forms:
        return word
    return max(forms, key=lambda f: (forms[f], sum(c.isupper() for c in f), f))
