"""Institutions that act: named ones ("the Fed", "the Kremlin") and generic ones with a country.

A named institution (``data/institutions.tsv``) is an actor under one canonical name and
still places the story in its country. A generic one ("the Treasury", "Finance Ministry",
"the central bank", "House of Representatives") only means something with its country:
"Japan's Finance Ministry", "U.S. Treasury", or the story's own country (its dateline,
else the country it mentions most). It becomes "Japan Finance Ministry"; without any
country it is no usable actor ("Finance Ministry": which one?).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path

from search.entities import countries

DATA = Path(__file__).resolve().parent / "data"
Day = datetime | date | None
# Words a generic institution's name is made of; at least one must be a head noun.
_HEADS = frozenset(
    """treasury ministry department bank parliament senate house cabinet government court
    commission council assembly congress chamber agency bureau office authority diet
    secretariat""".split()
)
# Bodies a country has one of ("U.S. Navy", "U.S. Customs", "U.S. Administration"): a
# country and one of these names one body, where "U.S. Firms" or "U.S. Market" name a kind.
BODIES = _HEADS | frozenset(
    """administration army navy police customs mint embassy military marines government
    coastguard""".split()
)
_MODIFIERS = frozenset(
    """finance foreign trade agriculture economy economics economic energy oil industry
    industrial defence defense interior justice health labour labor central reserve national
    federal state supreme high constitutional monetary statistics statistical customs
    planning petroleum mines mining commerce external affairs development transport
    communications environment education research budget fiscal international industries
    home of the and for representatives deputies lords commons people's peoples
    legislative""".split()
)
# How the canonical name names a country; the display name otherwise ("Japan Finance
# Ministry"). Short forms where the long one is not how news writes it.
_SHORT = {"US": "U.S.", "GB": "UK", "SU": "Soviet", "AE": "UAE"}
_OF_FORM = re.compile(r"^(Ministry|Department|Bureau|Office) (?:of|for) (?:the )?(.+)$", re.I)
_CONNECTORS = frozenset({"of", "the", "and", "for"})
_POSSESSIVE = re.compile(r"['\u2019]s?$")


@cache
def _named() -> Mapping[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    with open(DATA / "institutions.tsv", encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                alias, canonical, code = line.rstrip("\n").split("\t")
                table[countries.normalize(alias)] = (canonical, code)
    return table


def named_institution(name: str) -> tuple[str, str] | None:
    """``(canonical name, country code)`` of a named institution ("Fed" -> Federal Reserve)."""
    return _named().get(countries.normalize(name))


def is_generic(name: str) -> bool:
    """True for a name made only of institution words ("Finance Ministry", "Treasury")."""
    words = [w.lower() for w in name.split()]
    return (
        bool(words)
        and any(w in _HEADS for w in words)
        and all(w in _HEADS or w in _MODIFIERS for w in words)
    )


def split_country(name: str, published: Day = None) -> tuple[str | None, str]:
    """A country named at the start or end of an institution's name, and the rest.

    "U.S. Treasury" -> ("US", "Treasury"); "Japanese Finance Ministry" -> ("JP", "Finance
    Ministry"); "Central Bank of Brazil" -> ("BR", "Central Bank"); "Treasury" -> (None, ...).
    """
    words = name.split()
    for n in range(min(3, len(words) - 1), 0, -1):
        place = _country_of(" ".join(words[:n]), published)
        if place:
            return place, " ".join(words[n:])
    m = re.match(r"^(.+?) of (?:the )?(.+)$", name)
    if m and is_generic(m.group(1)) and " " in m.group(1):  # not "Bank of France"
        place = _country_of(m.group(2), published)
        if place:
            return place, m.group(1)
    return None, name


def country_before(text: str, start: int, published: Day = None) -> str | None:
    """The country named just before ``start`` ("Japan's Finance Ministry", "the Iranian ...")."""
    words = re.findall(r"[\w.'\u2019-]+", text[max(0, start - 40) : start])
    if words and words[-1].lower() == "the":
        words.pop()
    for n in (3, 2, 1):
        if len(words) >= n:
            code = _country_of(" ".join(words[-n:]), published)
            if code:
                return code
    return None


def qualified_name(code: str, name: str) -> str:
    """The canonical name of a generic institution in country ``code``."""
    m = _OF_FORM.match(name)
    if m:  # "Ministry of Finance" and "Finance Ministry" are one name
        name = f"{m.group(2)} {m.group(1)}"
    if name.lower() in ("treasury department", "department of the treasury"):
        name = "Treasury"  # "U.S. Treasury Department" is the U.S. Treasury
    name = " ".join(
        w if w.isupper() or w in _CONNECTORS else w[:1].upper() + w[1:] for w in name.split()
    )
    return f"{_SHORT.get(code) or countries.country_name(code)} {name}"


def _country_of(words: str, published: Day) -> str | None:
    place = countries.place_of(_POSSESSIVE.sub("", words))
    if place and place.kind in ("name", "demonym", "abbr", "code") and len(place.code) == 2:
        return countries.code_on(place, published)  # "Soviet" in 1987 is SU
    return None
