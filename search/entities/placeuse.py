"""Names the article itself uses as places: "the town of X", "X , 200 km east of",
"east of X", "the X region", "X airport", "X is a town", "at X , <known place>", and the
place of the story's dateline line ("TAVILDARA , Tajikistan 1996-08-31").

NER takes towns and sites no gazetteer here holds ("Tavildara", "Longyear", "Headingley")
for organisations or people; the words around the name say what it is, in any archive.
Only cues that hardly ever follow or precede a person or a firm are read ("in X" and
"at X" alone are not: "a stake in Ford", "an analyst at Merrill Lynch"). All patterns are
compiled once; each is tried only at the occurrences of a candidate's name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_COMPASS = r"(?:north|south|east|west)(?:-?(?:east|west))?"
_DISTANCE = r"\d[\d,.]* ?(?:km|kms|kilometres|kilometers|miles)\b"
# Words right before the name, up to its first letter.
_BEFORE = re.compile(
    r"(?:"
    r"\b(?:town|towns|city|cities|village|villages|island|islands|province|region|district|"
    r"suburb|suburbs|outskirts|port|settlement|enclave|oasis) of (?:the )?"
    rf"|\b{_COMPASS} of "
    rf"|{_DISTANCE}(?: \( [^()\n]{{1,20}} \))? (?:{_COMPASS} )?(?:of|from) "
    r"|\bthe (?:[a-z]+ )?capital ,? "
    r")\Z",
    re.IGNORECASE,
)
# Words right after the name.
_AFTER = re.compile(
    r"(?:"
    rf" ?,? (?:about |some |just |nearly |around |only )?{_DISTANCE}[^\n]{{0,25}}?"
    r"\b(?:of|from|off|outside|away)\b"
    r"| (?:region|county|province|district|airport|airfield|harbour|harbor|port)\b"
    r"| (?:is|was|lies|remains) (?:a|an|the) (?:[a-z]+ ){0,2}?"
    r"(?:town|city|village|settlement|port|island|region|province|district)\b"
    r")"
)
# "at X , Leeds": a site followed by the town it is in (checked against the place table).
_AT = re.compile(r"\b(?:at|in|near) \Z")
_THEN_PLACE = re.compile(r" ?,\s*([A-Z][\w.'-]*(?: [A-Z][\w.'-]*)?)")
# The dateline line of a story: an upper-case place, maybe a region, then the date
# ("TAVILDARA , Tajikistan 1996-08-31", "ROCHESTER, N.H., Aug 30 -").
_DATELINE = re.compile(
    r"^[ \t]*([A-Z][A-Z'.\-]+(?: [A-Z][A-Z'.\-]+){0,3})"
    r"(?: ?,[^\n,]{1,30}){0,2}?,? "
    r"(?:\d{4}-\d\d-\d\d\b|\d{1,2}/\d{1,2}/\d{2,4}\b|[A-Z][a-z]{2,8}\.? \d{1,2} ?[-\u2013\u2014])",
    re.MULTILINE,
)
# A dateline is in the first lines of a story.
_DATELINE_SPAN = 600


def dateline_names(text: str) -> frozenset[str]:
    """Upper-cased places of the dateline lines near the top of ``text``."""
    return frozenset(" ".join(m.group(1).split()) for m in _DATELINE.finditer(text, 0, _DATELINE_SPAN))


def used_as_place(text: str, names: Iterable[str], is_place: Callable[[str], bool]) -> set[str]:
    """The ``names`` the article uses as a place somewhere (see the module docstring).

    ``is_place`` tells a known place ("Leeds") for the "at X , Leeds" cue.
    """
    datelines = dateline_names(text)
    found: set[str] = set()
    for name in set(names):
        if not name[:1].isalpha():
            continue
        if name.upper() in datelines:
            found.add(name)
            continue
        for start in _occurrences(text, name):
            end = start + len(name)
            if (
                _BEFORE.search(text, max(0, start - 60), start)
                or _AFTER.match(text, end)
                or (
                    _AT.search(text, max(0, start - 6), start)
                    and (m := _THEN_PLACE.match(text, end)) is not None
                    and is_place(m.group(1))
                )
            ):
                found.add(name)
                break
    return found


def _occurrences(text: str, name: str) -> Iterable[int]:
    """Starts of ``name`` as whole words in ``text``."""
    i = text.find(name)
    while i >= 0:
        end = i + len(name)
        if (i == 0 or not text[i - 1].isalnum()) and (end >= len(text) or not text[end].isalnum()):
            yield i
        i = text.find(name, end)
