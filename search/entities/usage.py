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
elsewhere). Words (:func:`used_as_word`): a common English word capitalised only where a
sentence or a line starts ("Proceeds will be used"). Acronyms (:func:`common_acronyms`):
one spelled out by lower-case words ("the cash reserve ratio ( CRR )").

NER takes towns and sites no gazetteer here holds ("Tavildara", "Longyear", "Headingley")
for organisations or people; the words around the name say what it is, in any archive.
Only cues that hardly ever follow or precede a person or a firm are read ("in X" and
"at X" alone are not: "a stake in Ford", "an analyst at Merrill Lynch"). All patterns are
compiled once; each is tried only at the occurrences of a candidate's name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from search.entities import countries
from search.entities.canonical import GENERIC_WORDS, junk_reason
from search.entities.names import first_names
from search.entities.spans import lower_case_words, opens_sentence
from search.entities.sports import CLUB_ROLE_AFTER
from search.entities.words import is_common_word

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
    r"| (?:region|county|province|district|area|airport|airfield|harbour|harbor|port|"
    # Sites named after their place: "the Heysel stadium", "the Salang highway", "the
    # Adige river", "Erez checkpoint", "the Omari mosque".
    r"stadium|velodrome|racecourse|highway|bypass|checkpoint|river|valley|canal|mountain|"
    r"mosque)\b"
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


# Two places joined by a slash: a shipping route ("Okinawa / Inchon", "Pembroke / US") or
# a pair of towns in a table ("Leipzig / Halle 1,806").
_PAIR_BEFORE = re.compile(r"([A-Z][\w.'-]*(?: [A-Z][\w.'-]*)?) ?/ ?\Z")
_PAIR_AFTER = re.compile(r" ?/ ?([A-Z][\w.'-]*(?: [A-Z][\w.'-]*)?)")
# A list of names ("Auckland , Christchurch and Dunedin", "between Phnom Penh and Stung
# Treng"), and what makes all of its names places: a plural place noun after it ("Oaxaca
# and Guerrero states") or before it ("the towns of Rousse and Veliko Tarnovo").
_MEMBER = r"[A-Z][\w'.-]*(?: [A-Z][\w'.-]*){0,2}"
_NAME_LIST = re.compile(rf"(?<![\w.]){_MEMBER}(?: ?, {_MEMBER})* ?,? and {_MEMBER}(?![\w])")
_LIST_SPLIT = re.compile(r" ?, (?:and )?| and ")
_PLACES_NOUN = (
    r"(?:towns|cities|villages|islands|provinces|regions|districts|suburbs|states|counties|"
    r"ports|rivers|capitals)"
)
_PLACES_AFTER = re.compile(rf" {_PLACES_NOUN}\b")
_PLACES_BEFORE = re.compile(rf"\b{_PLACES_NOUN} of (?:the )?\Z")
# A word that joins a name to the list's first name: the list may start inside a name.
_JOINED_BEFORE = re.compile(r"\b(?:of|de|du|des|del|di|da|la|le|van|von|y) \Z")
# Kinds of place a list member must be for its list to be one of places: not a country
# or a people, which a list may give beside a body ("Israel and Hezbollah").
_TOWN_KINDS = frozenset({"capital", "city", "town", "minor", "state", "region"})


def _pair_of_places(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is one side of a slash whose other side is a place."""
    before = _PAIR_BEFORE.search(text, max(0, start - 30), start)
    after = _PAIR_AFTER.match(text, end)
    sides = [m.group(1) for m in (before, after) if m is not None]
    sides += [side.split()[0] for side in sides if " " in side]  # "Pembroke / US W145"
    return any(
        (place := countries.place_of(side)) is not None and place.kind != "demonym"
        for side in sides
    )


def _list_of_places(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a name in a list of places: the list has a town or a
    region of the place table in it, or a plural place noun right before or after it."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    for m in _NAME_LIST.finditer(text, max(line_start, start - 200), min(line_end, end + 200)):
        if not m.start() <= start < end <= m.end():
            continue
        members = _LIST_SPLIT.split(m.group())
        if text[start:end] not in members:
            return False  # a piece of a longer name in the list
        if _PLACES_AFTER.match(text, m.end()) or _PLACES_BEFORE.search(
            text, max(0, m.start() - 20), m.start()
        ):
            return True
        if _JOINED_BEFORE.search(text, max(0, m.start() - 8), m.start()):
            return False  # "Banque Nationale de Paris and ...", "Bentsen of Texas and ..."
        if text[start:end].split()[-1].lower().removesuffix("s") in GENERIC_WORDS:
            return False  # a town's body: "the Tokyo and London Stock Exchanges"
        others = [member for member in members if member != text[start:end]]
        towns = sum(
            (place := countries.place_of(member)) is not None and place.kind in _TOWN_KINDS
            for member in others
        )
        # Most of the others: a firm named by its partners has a town among them ("Spear,
        # Leeds and Kellogg", "Cleary, Gottlieb, Steen and Hamilton").
        return towns * 2 > len(others)
    return False


def used_as_place(
    text: str,
    names: Iterable[str],
    is_place: Callable[[str], bool],
    sports: Callable[[], bool] = lambda: False,
) -> set[str]:
    """The ``names`` the article uses as a place somewhere (see the module docstring).

    ``is_place`` tells a known place ("Leeds") for the "at X , Leeds" cue. In a sports
    story, or where the name has a score after it ("Wigan 42"), the dateline's town is
    often a club too: there only the dateline itself is a place (the caller drops it),
    and a list of names is one of clubs as often as one of towns.
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
                or _pair_of_places(text, start, end)
                or (not sports() and _list_of_places(text, start, end))
            ):
                found.add(name)
                break
    return found


# What makes a word opening a sentence a name all the same: an owner's "'s" ("Celtic 's
# Jackie McNamara"), a ticker ("Siemens (SIEG.F) was next") or, after a singular word,
# a speech verb ("Dryer said the company": "Bankers said" is plural, a common noun's).
_ACTOR_AFTER = re.compile(r" ?['\u2019]s\b| ?[(<][A-Z][A-Z0-9.]{0,7}[)>]")
_SAID_AFTER = re.compile(r" (?:said|says)\b")
# An initial or a short abbreviation before a full stop ("L.K. Evans", "M.P. Green",
# "Mr. Reagan"): the stop ends no sentence.
_ABBREVIATION_BEFORE = re.compile(r"(?<![A-Za-z])[A-Z][a-z]{0,3}\.[ \t]*\Z")
# A line that ends in a given name: the next line's first word finishes the name a wrapped
# line cut ("Willie\nWood", "Derrick\nCooper") and opens no sentence.
_LINE_ENDS_IN_NAME = re.compile(r"(?<![\w'-])([A-Z][a-z]+)[ \t]*\n[ \t]*\Z")


def used_as_word(text: str, names: Iterable[str], is_word: Callable[[str], bool]) -> set[str]:
    """The one-word title-case ``names`` that are common words (``is_word``, in lower
    case) and that the article writes with a capital only where a sentence or a line
    starts: "Attendance not given .", "Total 326", "Press spokesman Alexander Barkhatov",
    "Recriminations built up". Not a name that a club's role ("Ajax defender") or one of
    the cues of ``_ACTOR_AFTER`` follows anywhere: a body that owns or fields someone acts."""
    if lost_capitals(text):
        return set()  # every name may be written as a word of the language there
    found: set[str] = set()
    for name in set(names):
        if " " in name or not name[:1].isupper() or not name[1:].islower():
            continue
        if not is_word(name.lower()):
            continue
        singular = not name.endswith("s")
        starts = list(_occurrences(text, name))
        if starts and all(
            opens_sentence(text, start)
            and not _ABBREVIATION_BEFORE.search(text, max(0, start - 6), start)
            and not _wrapped_name(text, start)
            and not _ACTOR_AFTER.match(text, start + len(name))
            and not CLUB_ROLE_AFTER.match(text, start + len(name))
            and not (singular and _SAID_AFTER.match(text, start + len(name)))
            for start in starts
        ):
            found.add(name)
    return found


def _wrapped_name(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a line after a line that ends in a given name."""
    before = _LINE_ENDS_IN_NAME.search(text, max(0, start - 30), start)
    return before is not None and before.group(1) in first_names()


# An acronym in brackets ("( CRR )"), and the words before it that may spell it out.
_BRACKETED_ACRONYM = re.compile(r" \( ?([A-Z]{2,6}) ?\)")
_SPELLED_BEFORE = re.compile(r"(?:[A-Za-z][\w-]* ){0,7}[A-Za-z][\w-]*\Z")
_ACRONYM_SKIPS = frozenset({"of", "and", "the", "for", "on", "in", "to", "&"})


def common_acronyms(text: str) -> set[str]:
    """Acronyms the article spells out as no actor: in lower-case words ("the cash reserve
    ratio ( CRR )", "dark northern spring ( DNS )") or as a name :func:`junk_reason`
    rejects ("the Comprehensive Test Ban Treaty ( CTBT )"). "The Kurdistan Workers Party
    ( PKK )" names a body."""
    found: set[str] = set()
    for m in _BRACKETED_ACRONYM.finditer(text):
        acronym = m.group(1)
        before = _SPELLED_BEFORE.search(text, max(0, m.start() - 120), m.start())
        if before is None:
            continue
        words = before.group().split()
        kept = [i for i, w in enumerate(words) if w.lower() not in _ACRONYM_SKIPS]
        if len(kept) < len(acronym):
            continue
        spelled = [words[i] for i in kept[-len(acronym) :]]
        if not all(w[0].lower() == a.lower() for w, a in zip(spelled, acronym, strict=True)):
            continue
        name = " ".join(words[kept[-len(acronym)] :])
        if all(w.islower() for w in spelled) or (
            all(w[0].isupper() for w in spelled) and junk_reason(name)
        ):
            found.add(acronym)
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
# The last word of an event's name after a name: "the Toshiba Classic", "the Davis Cup".
# A name the article writes only so names the event. Of canonical.EVENT_ENDINGS only the
# words that follow a sponsor's or a founder's name ("Day", "Final" follow anything).
_EVENT_NAME_AFTER = re.compile(
    r" (?:Cup|Classic|Open|Masters|Trophy|Championships?|Series|Prix|Games|Rally|"
    r"Marathon|Invitational)\b"
)
# "thousands of Tamils": a people counted by the crowd, not a body.
_CROWD_BEFORE = re.compile(
    r"\b(?:thousands|hundreds|millions|dozens|scores|tens of thousands|hundreds of "
    r"thousands) of (?:the )?\Z",
    re.IGNORECASE,
)
# Kinds of place whose name in lower case is a lost capital ("venezuela", "peruvian").
_PROPER_KINDS = frozenset({"name", "capital", "demonym"})
# This many distinct ones in lower case and the article has lost its capitals; one alone
# is a typo ("Nastja Rysich ( germany )") unless a paragraph also opens in lower case.
_LOST_CAPITALS = 2
_LOWER_PARAGRAPH = re.compile(r"^[ \t]*[a-z]", re.MULTILINE)


@lru_cache(maxsize=4)  # asked by both rules that read a word's case, per article
def lost_capitals(text: str) -> bool:
    """True for an article that lost its capitals, as some wire copy did ("finance minister
    manuel azpurua said venezuela ..."): it writes two countries, capitals or peoples that
    are no common word in lower case, or one and a paragraph opens in lower case. There
    any name may be a lower-case word, so a word's case says nothing. A paragraph or a
    line that starts in lower case is no sign of it alone: lines wrapped mid-sentence
    ("... of the Dutch first division\nsoccer played on") start so."""
    seen = 0
    for word in lower_case_words(text):
        if len(word) < 3:
            continue  # "us", "uk": a pronoun, or an abbreviation written either way
        place = countries.place_of(word)
        if place is not None and place.kind in _PROPER_KINDS and not is_common_word(word):
            seen += 1
            if seen >= _LOST_CAPITALS:
                return True
    return seen > 0 and _LOWER_PARAGRAPH.search(text) is not None


def used_as_thing(text: str, names: Iterable[str], lower_words: frozenset[str]) -> set[str]:
    """The ``names`` the article uses as a market index, a ship, a counted unit, a people
    counted by the crowd ("thousands of Tamils"), a part of an event's name only ("the
    Toshiba Classic"), or a common word: a one-word title-case name written with a
    capital only where a sentence starts and also in lower case (``lower_words``: the
    article's lower-case words)."""
    found: set[str] = set()
    lower_cased = lost_capitals(text)
    for name in set(names):
        if not name[:1].isalpha():
            continue
        index_ok = name.split()[-1].lower() not in GENERIC_WORDS  # "American Stock Exchange"
        starts = list(_occurrences(text, name))
        # A body's accord is the body's ("this week's European Community agreement").
        if index_ok and starts and all(_ACCORD_NAMED.match(text, s + len(name)) for s in starts):
            found.add(name)
            continue
        if starts and all(_EVENT_NAME_AFTER.match(text, s + len(name)) for s in starts):
            found.add(name)  # "the Toshiba Classic", and never Toshiba alone
            continue
        word = " " not in name and name[1:].islower()
        common = word and name.lower() in lower_words
        acronym = " " not in name and name.isupper() and name.isalpha()
        people = word and name.endswith("s")  # "Tamils", "Kurds"
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
                or (people and _CROWD_BEFORE.search(text, max(0, start - 40), start))
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
