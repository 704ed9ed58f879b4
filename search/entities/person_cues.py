"""Where the words around a name show a person that NER cut short or called an organisation
(or an organisation that NER called a person).

* A name NER cut in two: "Aung San" + "Suu Kyi" (two PERSON spans with one space between)
  are one name; "Edgar" + "Martinez" (a known given name right before a PERSON span) too.
* Two people NER took for one organisation: "Given Surname and Given Surname".
* A name after a role word in lower case ("State Department spokesman Glyn Davies",
  "defender Dirk Medved") or followed by an age in commas ("Wang , 45 , a veteran
  dissident") is a person, whatever NER labelled it. Role words in lower case name a job
  someone holds; in title case they may start an organisation's name ("Speaker").
* A name followed by a word only an organisation has ("Deportivo chairman Augusto
  Lendoiro", "Zycie Warszawy daily said", "Jones stock closed"), or after a lower-case
  word for a kind of organisation ("the daily Sueddeutsche Zeitung", "firm Multico"), is
  an organisation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from search.entities import countries
from search.entities.names import (
    NOT_PERSON_WORDS,
    WORD_GIVEN_NAMES,
    first_names,
    has_org_suffix,
    looks_like_person,
)
from search.entities.spans import CALENDAR, PARTICLES, lower_case_words, opens_sentence
from search.entities.sports import is_sports

# Lower-case words for what a person does, which put the name after them on a person.
ROLE_WORDS = frozenset(
    """
    spokesman spokeswoman spokesperson chairman chairwoman president minister secretary
    director officer executive ceo premier chancellor governor mayor judge senator
    congressman congresswoman ambassador envoy negotiator speaker leader founder lawyer
    attorney counsel analyst economist official editor reporter correspondent columnist
    historian author writer novelist poet actor actress singer coach manager captain
    striker midfielder defender goalkeeper fullback winger halfback pitcher catcher
    batsman bowler jockey trainer rider champion finalist semifinalist quarterfinalist
    seed medallist medalist sprinter hurdler golfer swimmer skater cyclist boxer centre
    center flanker hooker prop fly-half scrum-half forward opener wicketkeeper spinner
    dissident activist broker dealer trader banker businessman businesswoman tycoon
    """.split()
)
# Lower-case words after a name that only an organisation has: its chairman, shares and
# shareholders, subsidiary, or the paper it is ("Zycie Warszawy daily"). A person has a
# spokesman and aides too, so those are no cue.
ORG_WORDS = frozenset(
    """chairman chairwoman ceo shares stock shareholders stockholders subsidiary subsidiaries
    daily newspaper weekly""".split()
)
_HELD_WORDS = frozenset({"shares", "stock"})  # what a person may hold as well
_WORD_AFTER = re.compile(r" (?:['\u2019]s )?([a-z]+)\b")
# Lower-case words before a name that say what kind of organisation it is ("the daily
# Sueddeutsche Zeitung", "mineral water firm Multico", "publishers group UWP").
ORG_NOUNS = frozenset(
    """firm company group daily weekly newspaper magazine agency bank airline carrier
    distributor publisher insurer retailer manufacturer conglomerate club""".split()
)
# The word right before a name, in lower case: a role ("spokesman Glyn Davies") or a kind
# of organisation ("firm Multico").
_WORD_BEFORE = re.compile(r"(?:^|[\s(\"'])([a-z]+) $")
# ", 45 ," after a name: the person's age in apposition (1 to 119 years).
_AGE_AFTER = re.compile(r" ?, ?(?:[1-9]|[1-9][0-9]|1[01][0-9]) ?,(?!\d)")
# What ends a name that another name cannot go on from: a possessive ("Jardine Fleming's
# Edwards"), a closing bracket or punctuation.
_ENDS_A_NAME = re.compile(r"(?:['\u2019]s?|[^\w.])$")
# A capitalised word right before a span: "Edgar " of "Edgar Martinez".
_GIVEN_BEFORE = re.compile(r"(?:^|(?<=[\s(\"']))([A-Z][a-z]+(?:-[A-Z][a-z]+)?) $")

Span = tuple[str, int, int, str]


def join_person_parts(text: str, spans: Sequence[Span]) -> list[Span]:
    """PERSON spans NER cut apart, made whole: two PERSON spans with one space between
    ("Aung San" + "Suu Kyi"; not after a possessive or a legal form, "Amylum NV"), a known
    given name in a span of its own before a PERSON or ORG span ("Natasha" (ORG) +
    "Zvereva"), and a known given name left outside a PERSON span ("Edgar" before
    "Martinez"; not a month or day, not inside another span)."""
    out: list[Span] = []
    for span in spans:
        label, start, end, _ = span
        if label in ("PERSON", "ORG") and out and text[out[-1][2] : start] == " ":
            prev = out[-1]
            given = prev[0] in ("PERSON", "ORG") and _given_name(text, prev[3])
            whole = not _ENDS_A_NAME.search(prev[3]) and not has_org_suffix(prev[3])
            if whole and (
                (label == "PERSON" and (prev[0] == "PERSON" or given))
                or (label == "ORG" and prev[0] == "PERSON" and given)
            ):
                out[-1] = ("PERSON", prev[1], end, text[prev[1] : end])
                continue
        if label == "PERSON":
            lower = out[-1][2] if out else 0
            m = _GIVEN_BEFORE.search(text, max(lower, start - 40), start)
            if m and _given_name(text, m.group(1)):
                span = ("PERSON", m.start(1), end, text[m.start(1) : end])
        out.append(span)
    return out


def _given_name(text: str, word: str) -> bool:
    """A known given name, not a month or day, that the text never writes in lower case
    (the given-name list holds "In", a Korean name and an English word)."""
    if " " in word or word.lower() in CALENDAR or word.split("-")[0] not in first_names():
        return False
    return word.lower() not in lower_case_words(text)


def has_person_cue(text: str, start: int, end: int) -> bool:
    """True when the words around ``text[start:end]`` make it a person: a role word in lower
    case right before it, an age in commas right after it, or in a sports story a country
    in brackets after a name of two or more words ("Naoko Kijimuta ( Japan ) beat"; a firm
    in a business list is named so too: "Petronas ( Malaysia )")."""
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    if before and before.group(1) in ROLE_WORDS:
        return True
    if _AGE_AFTER.match(text, end):
        return True
    return " " in text[start:end] and country_after(text, end) and _results(text, start)


# "( Spain )" after a name in a results list: the competitor's country. A small whole number
# after the bracket is a club's score ("Gloria Bistrita ( Romania ) 2"); a time is not
# ("Michael Johnson ( U.S. ) 19.32").
_COUNTRY_AFTER = re.compile(r" ?\( ?([A-Z][\w.]*(?: [A-Za-z][\w.]*){0,3}) ?\)")
_SCORE_AFTER = re.compile(r" ?\d{1,2}(?=\s|$)")
# A set or match score near the name ("6-2", "2-1"): a results list, whatever the story.
_LINE_SCORE = re.compile(r"\b\d{1,2}-\d{1,2}\b")


def _results(text: str, start: int) -> bool:
    """A sports story, or a score on the line or just after it (a results list)."""
    around = text[text.rfind("\n", 0, start) + 1 : start + _RESULT_REACH]
    return _LINE_SCORE.search(around) is not None or is_sports(text)


_RESULT_REACH = 120  # characters after the name: "beat Naoko Kijimuta ( Japan )\n1-6 6-4"


def country_after(text: str, end: int) -> bool:
    """True when a country in brackets follows ``end`` and no score follows the bracket:
    a competitor named with their country ("Arantxa Sanchez Vicario ( Spain ) beat")."""
    m = _COUNTRY_AFTER.match(text, end)
    if m is None or _SCORE_AFTER.match(text, m.end()):
        return False
    place = countries.place_of(m.group(1))
    return place is not None and place.kind in ("name", "code")


def two_people(name: str) -> bool:
    """True for "Given Surname and Given Surname" ("John Smith and Mary Jones"), which NER
    may label one organisation; firms named after two people rarely carry both given names
    ("Marks and Spencer")."""
    parts = name.split(" and ")
    return len(parts) == 2 and all(looks_like_person(p.strip()) for p in parts)


def has_org_cue(text: str, start: int, end: int) -> bool:
    """True when the word after ``text[start:end]`` (or after its possessive) is one only an
    organisation has ("Deportivo chairman", "Magna 's shareholders", "Zycie Warszawy
    daily"), or the word before it in lower case says what organisation it is ("the daily
    Zycie Warszawy", "firm Multico"). A person holds shares too: "Icahn 's shares" is no
    cue, "Magna shares" is."""
    after = _WORD_AFTER.match(text, end)
    if after is not None and after.group(1) in ORG_WORDS:
        possessive = "'" in after.group() or "\u2019" in after.group()
        return not (possessive and after.group(1) in _HELD_WORDS)
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    return before is not None and before.group(1) in ORG_NOUNS


def sentence_opener(text: str, start: int, end: int) -> int:
    """Where a person's name starts once a capitalised sentence opener is cut off
    ("Unseeded Patrick Rafter", "Opener Gooch 's decision"); ``start`` when there is none.

    Only the first word of a sentence, only when it is no given name (nor one that is also
    an English word, "Bill") and no particle ("De Clercq"), and only when it is a role
    ("Fullback Andre Joubert") or the article writes that word in lower case elsewhere
    ("the opener", "unseeded"). Names from other lists stay whole: "Lal Krishna Advani",
    "Nursultan Nazarbayev" are never written in lower case.
    """
    words = text[start:end].split()
    if len(words) < 2 or not opens_sentence(text, start) or _given_name(text, words[0]):
        return start
    first = words[0]
    if not first[:1].isupper() or first.isupper() or first.lower() in PARTICLES:
        return start
    if first in WORD_GIVEN_NAMES:
        return start  # "Bill Emerson" in a story about a farm bill
    if first.lower() not in lower_case_words(text) and first.lower() not in ROLE_WORDS:
        return start  # a role is cut wherever it opens ("Fullback Andre Joubert")
    return start + len(first) + text[start + len(first) : end].find(words[1])


# A capitalised run right before a bracket: a competitor NER left unlabelled
# ("Arantxa Sanchez Vicario ( Spain ) beat Naoko Kijimuta").
_BEFORE_BRACKET = re.compile(
    r"(?<![\w'.-])([A-Z][\w'-]+(?: (?:[A-Z][\w'-]+|de|van|von|da|di|del|la|le|der|dos)){1,3})"
    r"(?= ?\( ?[A-Z])"
)
_NAME_LABELS = frozenset({"PERSON", "ORG"})


def competitors(
    text: str, spans: Sequence[Span], taken: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Names of two to four words that NER left out (or took for a date or place) before a
    country in brackets in a sports story: offsets of each, a sentence opener cut off."""
    if "(" not in text:
        return []
    named = [(s, e) for label, s, e, _ in spans if label in _NAME_LABELS] + list(taken)
    found: list[tuple[int, int]] = []
    for m in _BEFORE_BRACKET.finditer(text):
        start, end = sentence_opener(text, m.start(1), m.end(1)), m.end(1)
        name = text[start:end]
        if " " not in name or any(s < end and start < e for s, e in named):
            continue
        if not country_after(text, end) or has_org_suffix(name) or not _results(text, start):
            continue
        words = [w.lower().strip(".,") for w in name.split()]
        if any(w in NOT_PERSON_WORDS or w in CALENDAR for w in words):
            continue
        if any(countries.place_of(part) for part in (name, *name.split())):
            continue  # "Trinidad and Tobago"; a club named after its town, "Gloria Bistrita"
        found.append((start, end))
    return found
