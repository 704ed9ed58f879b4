"""What a person's name looks like: a known given name, then capitalised words.

Used where NER missed a name or gave it the wrong label: "Guy Forget" (ORG), "Ines
Gorrochategui" (LOC), a rugby line-up NER skipped entirely. The given names come from
``data/first_names.txt`` (US census lists plus common international names).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from search.entities.canonical import spelling_key
from search.entities.spans import PARTICLES

DATA = Path(__file__).resolve().parent / "data"
# Last words that make a name a company ("Pirelli SpA", "Salomon Bros", "Kloof Gold Mining Co").
ORG_SUFFIXES = frozenset(
    """inc corp co ltd plc ag sa spa nv bv gmbh llc bros brothers group holdings bank mining
    airlines airways motors company corporation limited trust fund partners associates
    industries international systems technologies energy oil resources securities capital
    financial controls cables investments insurance chemicals steel pharmaceuticals""".split()
)
# Words that make a capitalised run a place, event or body, not a person.
NOT_PERSON_WORDS = ORG_SUFFIXES | frozenset(
    """road street avenue park stadium hall house square bridge river lake mountain island
    county city airport hospital university college school centre center cup open league
    tour trophy prize award party church palace museum institute foundation agency ministry
    council committee commission court army navy force club team fc games championship
    championships series day week month year""".split()
)
# Firms named after people that business news mentions often, without a suffix.
EPONYMOUS_ORGS = frozenset(
    """Morgan Stanley|Merrill Lynch|Charles Schwab|Walt Disney|Arthur Andersen|Paine Webber|
    Dean Witter|Louis Vuitton|Ralph Lauren|Calvin Klein|Tommy Hilfiger|Estee Lauder|
    John Lewis|Thomas Cook|Dow Jones|Thomson Reuters|Ford Motor|Philip Morris|Procter Gamble|
    Jack Daniels|Hewlett Packard|Johnson Matthey|Christian Dior|Hugo Boss|Jimmy Choo""".replace(
        "\n", ""
    )
    .replace("    ", "")
    .split("|")
)
# Given names that are also English words, which first_names.txt leaves out (a capitalised
# "Will" or "Grant" opens sentences and names places; see build_first_names.NOT_NAMES).
# Where a name is already a person's candidate full name, they count ("Bill Clinton").
WORD_GIVEN_NAMES = frozenset(
    "Bill Mark Frank Will Grant Dean Ray Rose Joy Hope Faith Grace Earl Max Rod June May".split()
)
_CAP = r"[A-Z][a-zA-Z'\u2019]+(?:-[A-Z][a-zA-Z'\u2019]+)?"
_PARTICLE = (
    r"(?:(?:de|De|van|Van|von|Von|da|Da|di|Di|del|Del|le|Le|la|La|van der|Van Der|al|bin|ibn) )"
)
# A given name, then one surname (with an optional particle): "Steffi Graf", "Gilles De Bilde".
UNLABELLED_NAME = re.compile(
    rf"(?<![\w.\-])([A-Z][a-z]+(?:-[A-Z][a-z]+)?) ({_PARTICLE}?{_CAP})(?![\w\-])"
)


@cache
def first_names() -> frozenset[str]:
    """Known given names, title case."""
    with open(DATA / "first_names.txt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip() and not line.startswith("#"))


def person_key(name: str) -> str:
    """:func:`~search.entities.canonical.spelling_key`, with a leading given name folded to
    its sound: "Marc Dutroux" and "Mark Dutroux", "Aleksander Lebed" and "Alexander Lebed",
    "Allan Mullally" and "Alan Mullally" are one person spelled two ways. The surname must
    agree: the sound of a given name alone tells nobody apart."""
    words = name.split()
    given = words[0].title() if words else ""
    if not 2 <= len(words) <= 4 or (given not in first_names() and given not in WORD_GIVEN_NAMES):
        return spelling_key(name)
    return f"{given_sound(words[0])} {spelling_key(' '.join(words[1:]))}"


def given_sound(word: str) -> str:
    """A given name as it sounds in English: "Marc" and "Mark", "Aleksei" and "Alexey",
    "Allan" and "Alan", "Dmitry" and "Dmitri" agree."""
    w = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    w = w.casefold().replace("ks", "x").replace("ck", "k").replace("c", "k")
    w = re.sub(r"(.)\1+", r"\1", w)
    return w[:-1] + "i" if w.endswith("y") else w


def has_org_suffix(name: str) -> bool:
    """True when a name ends like a company ("Pirelli SpA", "Johnson Controls")."""
    words = name.replace(".", "").split()
    # "Citibank NA" (National Association, a U.S. bank's legal form); "Kim Na" is a person.
    # Nordic and Turkish legal forms count in capitals only ("Turk Henkel A.S.", "Volvo
    # AB", "Aker ASA"): in lower case they are English words.
    return len(words) >= 2 and (words[-1].lower() in ORG_SUFFIXES or words[-1] in _CAPS_FORMS)


_CAPS_FORMS = frozenset({"NA", "AS", "ASA", "AB", "OY", "OYJ"})


def looks_like_person(name: str) -> bool:
    """True for "Given Surname" shapes: a known given name and 1-3 capitalised words."""
    words = name.split()
    if name in EPONYMOUS_ORGS or "," in name:  # "Henri Temeer, Genzyme": a list, not a name
        return False
    if not 2 <= len(words) <= 4 or words[0].split("-")[0] not in first_names():
        return False  # "Anne-Gaelle" counts through "Anne"
    if any(w.lower().strip(".,") in NOT_PERSON_WORDS for w in words):
        return False
    return all(w[:1].isupper() or w in PARTICLES for w in words[1:])
