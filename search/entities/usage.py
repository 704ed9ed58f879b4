"""What the article itself uses a name as, when that is no person or organisation.

Places (:func:`used_as_place`): "the town of X", "the state of X", "X , 200 km east of",
"two km from X", "east of X", "the X region", "the X area", "X airport", "X is a town",
"at X , <known place>", and the place of the story's dateline line ("TAVILDARA ,
Tajikistan 1996-08-31"). Things (:func:`used_as_thing`): a market index ("the Dow Jones
industrial average", "the Nasdaq composite index"), a ship ("the aircraft carrier Carl
Vinson"), an event ("the Jackson Hole symposium"), an accord ("the Dayton peace accords";
"the Louvre accord" where the article names the Louvre only so),
a section head of a table ("Division one" alone on a line), a unit counted ("121 RBI as"),
a common word capitalised only where a sentence starts ("Death is ..." and "death"
elsewhere).

NER takes towns and sites no gazetteer here holds ("Tavildara", "Longyear", "Headingley")
for organisations or people; the words around the name say what it is, in any archive.
Only cues that hardly ever follow or precede a person or a firm are read ("in X" and
"at X" alone are not: "a stake in Ford", "an analyst at Merrill Lynch"). All patterns are
compiled once; each is tried only at the occurrences of a candidate's name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from search.entities.canonical import GENERIC_WORDS
from search.entities.spans import opens_sentence

_COMPASS = r"(?:north|south|east|west)(?:-?(?:east|west))?"
_DISTANCE = (
    r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|a few|several) ?"
    r"(?:km|kms|kilometres|kilometers|miles)\b"
)
# Words right before the name, up to its first letter.
_BEFORE = re.compile(
    r"(?:"
    r"\b(?:town|towns|city|cities|village|villages|island|islands|province|region|district|"
    r"suburb|suburbs|outskirts|port|settlement|enclave|oasis|capital|state|county|prefecture|"
    r"municipality) of (?:the )?"
    rf"|\b{_COMPASS} of "
    rf"|{_DISTANCE}(?: \( [^()\n]{{1,20}} \))? (?:{_COMPASS} )?(?:of|from) "
    r"|\bthe (?:[a-z]+ )?capital(?: ,)? "
    r")\Z",
    re.IGNORECASE,
)
# Nouns of a body's people and offices: "the X area executive" names a post of body X.
_OFFICE_NOUNS = (
    r"(?:executives?|offices?|officials?|officers?|managers?|directors?|heads?|chiefs?|"
    r"authority|authorities|council|commission|board|committee|administration|government|"
    r"branch(?:es)?|representatives?|spokes(?:man|woman|person)|president|staff|unit)"
)
# Words right after the name.
_AFTER = re.compile(
    r"(?:"
    rf" ?,? (?:about |some |just |nearly |around |only )?{_DISTANCE}[^\n]{{0,25}}?"
    r"\b(?:of|from|off|outside|away)\b"
    r"| (?:region|county|province|district|area|airport|airfield|harbour|harbor|port)\b"
    # Not the first word of a longer noun: "Chase Manhattan area executive", "the FmHA
    # county office", "the port authority".
    rf"(?! {_OFFICE_NOUNS}\b)"
    r"| (?:is|was|lies|remains) (?:a|an|the) (?:[A-Za-z-]+ ){0,2}?"
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
# "Wigan 42 Bradford Bulls 36": a club with its score, even in a town's dateline story.
_SCORE_AFTER = re.compile(r" \d")
# A dateline is in the first lines of a story.
_DATELINE_SPAN = 600


def dateline_line_places(text: str) -> list[tuple[int, int, str]]:
    """(start, end, upper-cased place) of the dateline lines near the top of ``text``: an
    upper-case place opening a line, then a date ("TAVILDARA , Tajikistan 1996-08-31",
    "ROCHESTER, N.H., Aug 30 -"). The country a dateline gives is found apart, by
    ``countries.body_dateline``; this only says which names there are places."""
    found = _DATELINE.finditer(text, 0, _DATELINE_SPAN)
    return [(m.start(1), m.end(1), " ".join(m.group(1).split())) for m in found]


def used_as_place(
    text: str,
    names: Iterable[str],
    is_place: Callable[[str], bool],
    sports: Callable[[], bool] = lambda: False,
) -> set[str]:
    """The ``names`` the article uses as a place somewhere (see the module docstring).

    ``is_place`` tells a known place ("Leeds") for the "at X , Leeds" cue. In a sports
    story, or where the name has a score after it ("Wigan 42"), the dateline's town is
    often a club too: there only the dateline itself is a place (the caller drops it).
    """
    datelines = {d[2] for d in dateline_line_places(text)}
    found: set[str] = set()
    for name in set(names):
        if not name[:1].isalpha():
            continue
        if name.upper() in datelines:
            # "UNITED NATIONS 1996-08-28": a body's seat, named by the body.
            body = any(w.lower() in GENERIC_WORDS for w in name.split())
            if (
                not body
                and not sports()
                and not any(
                    _SCORE_AFTER.match(text, i + len(name)) for i in _occurrences(text, name)
                )
            ):
                found.add(name)
            continue
        if _acronym_like(name) or name.split()[-1].lower() in GENERIC_WORDS:
            # A body named by initials or as a body: "the OECD area", "the state of EC
            # finances", "the state of the New Mexico Public Service Commission".
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


def _acronym_like(name: str) -> bool:
    """A capital after a word's first letter: "OECD", "FmHA" (not "Tavildara")."""
    return any(c.isupper() for word in name.split() for c in word[1:])


def _occurrences(text: str, name: str) -> Iterable[int]:
    """Starts of ``name`` as whole words in ``text``."""
    i = text.find(name)
    while i >= 0:
        end = i + len(name)
        if (i == 0 or not text[i - 1].isalnum()) and (end >= len(text) or not text[end].isalnum()):
            yield i
        i = text.find(name, end)


# "the Dow Jones industrial average", "the Nasdaq composite index", "the Nikkei average".
_INDEX_AFTER = re.compile(
    r"(?: [A-Z][\w&'-]*){0,2} (?:(?:industrial|composite|stock|share|price|transport|"
    r"utilities|all-share|blue-chip|benchmark|key|main) ){0,2}(?:average|index)\b"
)
# "the Trofej Beograd 96 international basketball tournament", "the annual Jackson Hole
# symposium": the name of an event, not of who runs it. The words between describe the
# event; a verb or an article there starts a clause about it ("Paul Jones said the
# championship was open": a person speaking).
_EVENT_AFTER = re.compile(
    r"(?: \d+)?(?:\s+(?!(?:the|a|an|this|that|his|her|their|its|said|says|told|won|wins|"
    r"of|in|at|for|to|and|was|is)\b)[a-z-]+){0,2}\s+(?:tournament|championships?|symposium|"
    r"regatta)\b"
)
# "Division one", "Group B" alone on a line: the head of a section of a table.
_SECTION_AFTER = re.compile(
    r" (?:[A-H]|one|two|three|four|five|six|seven|eight|nine|ten)[ \t]*(?:\n|\Z)"
)
# "the Dayton peace accords": an accord named after the place it was made.
_ACCORD_AFTER = re.compile(r" peace (?:treaty|treaties|accords?|agreements?)\b")
# "the Louvre accord", "the Plaza agreement": a name the article only ever writes before
# an accord names the accord (where it was made), not an actor; "the Chrysler agreement"
# in an article that also names Chrysler alone is Chrysler's.
_ACCORD_NAMED = re.compile(
    r"(?: (?:peace|monetary|currency|trade|arms|cease-?fire))? (?:accords?|agreements?|"
    r"pacts?|treaty|treaties)\b",
    re.IGNORECASE,
)
# "the aircraft carrier Carl Vinson", "the tanker Exxon Valdez": a ship's name ("the
# carrier Lufthansa" alone is an airline).
_VESSEL_BEFORE = re.compile(
    r"\b(?:aircraft carriers?|warships?|frigates?|destroyers?|submarines?|tankers?|"
    r"freighters?|cargo ships?|ships?|vessels?|liners?|ferry|ferries|yachts?|cruisers?) \Z"
)
_COUNT = (
    r"(?:\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"[a-z]+teen|twenty|thirty|forty|fifty)"
)
# "121 RBI broke", "three RBI as": a unit counted, then a verb or a function word, where a
# body counted names what it counts ("16 NATO members").
_COUNT_BEFORE = re.compile(rf"(?<![\w.,$\u00a3\u20ac])(?<![$\u00a3\u20ac] ){_COUNT} \Z")
_UNIT_AFTER = re.compile(
    r" ?(?:[,.;:)]|(?:as|and|in|on|to|for|with|while|of|this|last|off|against|but|or|"
    r"to|from|at|after|before|broke|set|gave|tied|is|was|are|were)\b)"
)
# A paragraph that starts in lower case: the article lost its capitals (some wire copy).
_LOWER_PARAGRAPH = re.compile(r"^[ \t]*[a-z]", re.MULTILINE)


def used_as_thing(text: str, names: Iterable[str], lower_words: frozenset[str]) -> set[str]:
    """The ``names`` the article uses as a market index, a ship, a counted unit, or a
    common word: a one-word title-case name written with a capital only where a sentence
    starts and also in lower case (``lower_words``: the article's lower-case words)."""
    found: set[str] = set()
    lower_cased = _LOWER_PARAGRAPH.search(text) is not None
    for name in set(names):
        if not name[:1].isalpha():
            continue
        index_ok = name.split()[-1].lower() not in GENERIC_WORDS  # "American Stock Exchange"
        starts = list(_occurrences(text, name))
        # A body's accord is the body's ("this week's European Community agreement").
        if index_ok and starts and all(_ACCORD_NAMED.match(text, s + len(name)) for s in starts):
            found.add(name)
            continue
        word = " " not in name and name[1:].islower()
        common = word and name.lower() in lower_words
        acronym = " " not in name and name.isupper() and name.isalpha()
        # In an article written in lower case ("finance minister manuel azpurua"), every
        # name is also a lower-case word: there the cue says nothing.
        starts_only = common and not lower_cased
        for start in starts:
            end = start + len(name)
            if (
                (index_ok and _INDEX_AFTER.match(text, end))
                or (not acronym and _EVENT_AFTER.match(text, end))  # "the ATP tournament"
                or (not acronym and index_ok and _ACCORD_AFTER.match(text, end))
                or (
                    " " not in name
                    and (start == 0 or text[start - 1] == "\n")
                    and _SECTION_AFTER.match(text, end)
                )
                or _VESSEL_BEFORE.search(text, max(0, start - 20), start)
                or (
                    acronym
                    and _COUNT_BEFORE.search(text, max(0, start - 12), start)
                    and _UNIT_AFTER.match(text, end)
                )
            ):
                found.add(name)
                break
            if starts_only and not opens_sentence(text, start):
                starts_only = False
        else:
            if starts_only:
                found.add(name)
    return found
