"""Countries: ISO 3166-1 alpha-2 codes from NER spans and datelines.

The place table itself (names, demonyms, capitals, metonyms, historical states) lives in
:mod:`search.places`, below this package and the backends; this module decides which
spans and datelines name a country in an article.

Resolution runs on NER spans only, never on raw text, so "Michael Jordan" (PERSON),
"Chad Johnson" (PERSON) and "turkey prices" (no span, lower case) give no country.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache

from search.entities.salience import mark_salient
from search.models import CountryMention, Mention
from search.places import (
    Place,
    alpha3,
    code_on,
    country_name,
    normalize,
    places,
    resolve_country,
)

__all__ = [
    "Place",
    "body_dateline",
    "code_on",
    "country_name",
    "dateline_country",
    "extract_countries",
    "normalize",
    "places",
    "resolve_country",
    "resolve_span",
]

# Labels whose spans may name a country; PERSON never does.
PLACE_LABELS = frozenset({"GPE", "NORP", "LOC", "ORG", "FAC"})
# Labels whose longer spans count through a place inside them ("Moscow-Washington",
# "South African"); an organisation's name does not place the story ("Union Bank of
# Switzerland", "Morgan Stanley" is not in Stanley, Falklands).
INSIDE_LABELS = frozenset({"GPE", "NORP", "LOC"})
# Inside a longer span only these kinds count ("West Texas", "Moscow-Washington"). Not
# "minor" (a small or shared capital: "The Valley" in "San Joaquin Valley"), "alt" (a
# native spelling that is an English word: "Island" in "Prince Edward Island"), "shared"
# ("Jersey" in "Central Jersey") or "town".
_SUBSPAN_KINDS = frozenset({"name", "demonym", "metonym", "capital", "city", "state"})
# Kinds that name a town rather than a country: never from an organisation's name or an
# upper-case heading ("Toyota" the company, "SALE" in a headline).
_TOWN_KINDS = frozenset({"city", "minor", "town"})
# Evidence that "Georgia" is the country and not the US state.
# Title-cased function words inside a span mark a heading, not an institution.
_HEADING_WORDS = frozenset("Its His Her Their Is Are Was Keeps For To With Not No".split())
_GEORGIA_COUNTRY_CUES = re.compile(
    r"\b(Tbilisi|Georgians?\b|Caucasus|Abkhaz|Ossetia|Saakashvili|Shevardnadze|"
    r"Ivanishvili|Kobakhidze|Batumi)"
)
# A headline line before a dateline paragraph is at most this long.
_HEADLINE_MAX = 200
# A dateline at the top of a body starts upper case ("NEW YORK, March 3 -", "BALDWIN Park,
# Calif, March 30 -"), so an ordinary sentence that starts with a capitalised word and a
# dash is not taken for one; the rest is parsed like a given dateline (dateline_places).
# Anchored by match() at each candidate offset (no "^": it would only match offset 0).
_BODY_DATELINE = re.compile(
    r"[ \t]*(?P<line>[A-Z][A-Z.'\-]+(?: [A-Z][\w.'\-]*){0,3}"
    r"(?:,[^\n,\-\u2013\u2014]{1,30}){0,3}?)[ \t]*"
    r"(?:\((?:Reuters|AP|AFP|dpa|UPI)\)[ \t]*)?[-\u2013\u2014]+\s"
)


def place_of(name: str) -> Place | None:
    """The place-table entry a name is (a country, demonym, capital, city...), or None."""
    return places().get(normalize(name))  # normalize is cached, the table is a dict


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
        if label in ("ORG", "FAC") and place.kind in _TOWN_KINDS:
            return None  # "Toyota" the company, not Toyota the city
        if place.kind == "town":
            return None  # "Jersey City" is not Jersey; too small to place a story alone
        if place.kind == "abbr" and "." not in stripped:
            return None  # "Ind" or "Del" alone are not states; "N.Y." is
        if label == "NORP" and place.kind not in {"demonym", "name", "metonym", "shared"}:
            return None
        return place
    if label == "GPE" and stripped.isupper() and len(stripped) == 3 and stripped in alpha3():
        # Three-letter ISO codes only: two-letter ones collide with ratings ("BB") and
        # initials; the common ones (US, UK, UAE) are in the curated table.
        return Place(alpha3()[stripped], "code")
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


def dateline_country(
    dateline: str | None, published: datetime | date | None = None
) -> tuple[str, str] | None:
    """(code, place text) of a dateline such as "NEW YORK, March 3 -", or None.

    A region after the city wins ("PORTLAND, Maine", "LONDON, Ontario"); a country named
    like a US state is the state after a US city ("ATHENS, Georgia"). With ``published``,
    a place of a state that has since ended takes its code ("MOSCOW" in 1987 is SU).
    """
    picked = _pick_place(dateline_places(dateline)) if dateline else None
    return (code_on(picked[0], published), picked[1]) if picked else None


def _pick_place(parts: list[str]) -> tuple[Place, str] | None:
    """The place of a dateline's parts, the most specific (last) first."""
    found = [(place, part) for part in reversed(parts) if (place := _dateline_place(part))]
    for place, part in found:
        if place.kind == "shared" and any(p.code == "US" for p, _ in found):
            continue  # the US city before it says which: "ATHENS, Georgia"
        return place, part
    return None


def body_dateline(
    text: str, published: datetime | date | None = None
) -> tuple[int, int, str] | None:
    """(start, end, code) of an upper-case dateline opening the text, or None.

    The dateline may open the text or the paragraph after a headline line, as in a
    plain-text wire story ("Stocks fall\n\nNEW YORK, Oct 19 - ...").
    """
    found = _opening_dateline(text)
    if found is None:
        return None
    m, place, surface = found
    start = m.start("line") + m.group("line").index(surface)
    return start, start + len(surface), code_on(place, published)


def body_dateline_span(text: str) -> tuple[int, int] | None:
    """(start, end) of the whole dateline opening the text, up to its dash ("NEWPORT NEWS,
    Va., March 30 - "), when it names a place; else None."""
    found = _opening_dateline(text)
    return (found[0].start("line"), found[0].end()) if found else None


def _opening_dateline(text: str) -> tuple[re.Match[str], Place, str] | None:
    """The dateline opening the text or the paragraph after its headline, with the place it
    names and that place's words in it."""
    for offset in _opening_offsets(text):
        m = _BODY_DATELINE.match(text, offset)
        if not m:
            continue
        picked = _pick_place(dateline_places(m.group("line")))
        if picked:
            return m, picked[0], picked[1]
    return None


def _opening_offsets(text: str) -> list[int]:
    """Where a dateline may start: the text, and the paragraph after a first line that is a
    headline (one line, no sentence end, then a blank line)."""
    first, sep, _ = text.partition("\n\n")
    if not sep or "\n" in first.strip() or len(first) > _HEADLINE_MAX:
        return [0]
    if first.rstrip().endswith((".", "?", "!", ":")):
        return [0]  # a sentence, not a headline
    return [0, len(first) + len(sep)]


def _compound_name(text: str, end: int) -> bool:
    """True when a place is the first part of a hyphenated name that is not a place
    ("Georgia-Pacific", a company), as opposed to "Moscow-Washington" or "U.S.-Japan"."""
    m = re.match(r"-([A-Z][\w.]*(?: [A-Z][\w.]*)?)", text[end : end + 40])
    if not m:
        return False
    words = m.group(1).split()
    return not any(
        (p := places().get(normalize(" ".join(words[:n])))) and p.kind != "none"
        for n in range(len(words), 0, -1)
    )


# Up to two capitalised words ending right before a name ("Cleveland " before "Indians").
_WORDS_BEFORE = re.compile(r"([A-Z][\w.'\-]*(?: [A-Z][\w.'\-]*)?) $")
_CAPITALISED_PLURAL = re.compile(r"\b[A-Z][a-z]+s\b")


def _team_after_place(text: str, start: int, name: str) -> bool:
    """A plural demonym at ``start`` that ends a team's name after its home ("the
    Cleveland Indians"): a club, not a people ("Bosnian Serbs" are one)."""
    key = normalize(name)
    singular = places().get(key[:-1]) if key.endswith("s") else None
    if singular is None or singular.kind != "demonym":
        return False
    m = _WORDS_BEFORE.search(text, max(0, start - 40), start)
    words = m.group(1).split() if m else []
    for n in range(len(words), 0, -1):
        place = places().get(normalize(" ".join(words[-n:])))
        if place is not None:
            return place.kind not in ("demonym", "none")
    return False


def place_teams(text: str) -> frozenset[str]:
    """Plural demonyms the article uses as a team's name after its home ("the Cleveland
    Indians ... The Indians had"), as lookup keys: every mention of them is the club."""
    return frozenset(
        m.group().lower()
        for m in _CAPITALISED_PLURAL.finditer(text)
        if _team_after_place(text, m.start(), m.group())
    )


def extract_countries(
    text: str,
    spans: Iterable[tuple[str, int, int, str]],
    dateline: str | None = None,
    skip: frozenset[tuple[int, int]] = frozenset(),
    headings: frozenset[tuple[int, int]] = frozenset(),
    published: datetime | date | None = None,
) -> tuple[CountryMention, ...]:
    """Countries of one article from its NER spans ``(label, start, end, text)``.

    ``skip`` holds span offsets already claimed as people or clubs (a "Jordan" who is
    Michael Jordan); ``headings`` spans that are heading text, resolved only if whole.
    The dateline (given, or an upper-case one opening the text) counts too. ``published``
    dates the article, so places of a state that has since ended take its code. Countries
    mentioned only in passing come back with ``salient=False`` (:mod:`.salience`).
    """
    found: dict[str, list[Mention]] = {}
    shared: list[tuple[Place, Mention]] = []
    minor: list[tuple[str, Mention]] = []
    demonyms: set[int] = set()
    us_evidence = False
    teams = place_teams(text)
    for label, start, end, surface in spans:
        if (start, end) in skip or _compound_name(text, end) or normalize(surface) in teams:
            continue
        place = resolve_span(surface, label, inside=(start, end) not in headings)
        if place is None or (place.kind in _TOWN_KINDS and surface.isupper()):
            continue  # an upper-case "SALE" in a headline is not Sale, Morocco
        mention = Mention(start, end, text[start:end])
        if place.kind == "demonym":
            demonyms.add(start)  # "German marks" is a currency, "Japan marks" a verb
        if place.kind == "shared":
            shared.append((place, mention))
        elif place.kind == "minor":
            minor.append((code_on(place, published), mention))
        else:
            us_evidence = us_evidence or place.kind == "state"
            found.setdefault(code_on(place, published), []).append(mention)
    given = dateline_country(dateline, published)
    if given:
        found.setdefault(given[0], [])
        us_evidence = us_evidence or given[0] == "US"
    opening = body_dateline(text, published)
    if opening:
        start, end, code = opening
        mentions = found.setdefault(code, [])
        if not any(m.start == start for m in mentions):
            mentions.insert(0, Mention(start, end, text[start:end]))
    _add_shared(found, shared, text, us_evidence, published)
    # A small or shared capital ("Jamestown", "Hamilton") only adds a mention to a country
    # the article places otherwise: alone it is more often a namesake elsewhere.
    for code, mention in minor:
        if code in found:
            found[code].append(mention)
    countries = (
        CountryMention(code, country_name(code), tuple(sorted(mentions, key=lambda m: m.start)))
        for code, mentions in found.items()
    )
    datelines = {c for c in (given and given[0], opening and opening[2]) if c}
    return mark_salient(text, countries, datelines, _opening_offsets(text)[-1], demonyms)


def _add_shared(
    found: dict[str, list[Mention]],
    shared: list[tuple[Place, Mention]],
    text: str,
    us_evidence: bool,
    published: datetime | date | None,
) -> None:
    """Countries named like a US state (Georgia, Jersey): the state in a US story."""
    for place in {p for p, _ in shared}:
        mentions = [m for p, m in shared if p == place]
        us_state = _georgia_is_us_state(text, mentions, us_evidence, place.code)
        code = "US" if us_state else code_on(place, published)
        found.setdefault(code, []).extend(mentions)


def _georgia_is_us_state(
    text: str, mentions: list[Mention], us_evidence: bool, code: str = "GE"
) -> bool:
    """The US state, not the country, when the text says so ("Atlanta, Georgia", "Jersey
    City, N.J.", other US states or a US dateline) and gives no cue for the country."""
    if code == "GE" and _GEORGIA_COUNTRY_CUES.search(text):
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
