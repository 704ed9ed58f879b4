"""Country rules: places inside longer names, US states, historical states, datelines.

Small hand-written strings through the real spaCy model (``extract``) or the lookup
functions; the corpus-level figures are in tests/test_entities_quality.py.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from search.entities import country_name, extract, resolve_country
from search.entities.countries import body_dateline, dateline_country, resolve_span
from search.models import Article

IN_1987 = datetime(1987, 3, 3, 12, tzinfo=UTC)
IN_1995 = datetime(1995, 6, 1, 12, tzinfo=UTC)


def codes(body: str, published: datetime | None = None, title: str = "") -> set[str]:
    """Country codes extracted from one article."""
    article = Article(id="t", key="t", title=title, body=body, published=published)
    return {c.code for c in extract(article).countries}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # A small capital is never read inside a longer place name, nor alone.
        ("Farmers in the San Joaquin Valley and the Rift Valley planted cotton.", set()),
        ("Growers in the Hudson Valley expect a late harvest.", set()),
        ("He was born in Jamestown, New York, and moved to Texas.", {"US"}),
        # ...but adds to a country the article names otherwise.
        ("Malta's government in Valletta said the plan was fair.", {"MT"}),
        # An alternative spelling that is an English word ("Island", Iceland) counts whole only.
        ("Fishermen on Prince Edward Island landed more lobster.", set()),
    ],
)
def test_places_inside_longer_names(body: str, expected: set[str]) -> None:
    assert codes(body) == expected


@pytest.mark.parametrize(
    ("surface", "label", "code"),
    [
        ("San Joaquin Valley", "LOC", None),
        ("The Valley", "GPE", "AI"),  # whole: the span itself; the article context decides
        ("Jersey City", "GPE", None),  # a US town named after Jersey, not Jersey
        ("Central Jersey", "LOC", None),
        ("Misima Island", "LOC", None),
        ("Moscow-Washington", "GPE", "RU"),  # a known-safe place inside still counts
        ("West Texas", "LOC", "US"),
    ],
)
def test_resolve_span_inside(surface: str, label: str, code: str | None) -> None:
    place = resolve_span(surface, label)
    assert (place.code if place else None) == code


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("The company is based in Jersey City, N.J., and sells paper.", {"US"}),
        ("The island of Jersey in the Channel Islands cut its tax rate.", {"JE"}),
        ("Georgia-Pacific Corp said profit rose. Georgia-Pacific shares fell.", set()),
        ("Storms hit Atlanta, Georgia, and parts of Alabama on Tuesday.", {"US"}),
        ("The Georgian government in Tbilisi protested over Georgia's border.", {"GE"}),
    ],
)
def test_us_states_and_companies(body: str, expected: set[str]) -> None:
    assert codes(body) == expected


@pytest.mark.parametrize(
    ("body", "published", "expected"),
    [
        ("Moscow said the Kremlin would reply to Russian critics.", IN_1987, {"SU"}),
        ("Moscow said the Kremlin would reply to Russian critics.", IN_1995, {"RU"}),
        ("Moscow said the Kremlin would reply to Russian critics.", None, {"RU"}),
        ("The Soviet Union said the plan was fair.", None, {"SU"}),
        ("The Soviet Union said the plan was fair.", IN_1995, {"RU"}),
        ("Officials met in Prague and Belgrade on Monday.", IN_1987, {"CS", "YU"}),
        ("Officials met in Zagreb and Belgrade on Monday.", IN_1995, {"HR", "YU"}),
        ("East German officials in East Berlin met bankers in Bonn.", IN_1987, {"DD", "DE"}),
        ("East German officials in East Berlin met bankers in Bonn.", IN_1995, {"DE"}),
        ("Ukraine's harvest was poor, officials in Kiev said.", IN_1987, {"SU"}),
    ],
)
def test_historical_states(body: str, published: datetime | None, expected: set[str]) -> None:
    assert codes(body, published) == expected


def test_historical_names_and_filters() -> None:
    assert country_name("SU") == "Soviet Union"
    assert [country_name(c) for c in ("YU", "CS", "DD")] == [
        "Yugoslavia",
        "Czechoslovakia",
        "East Germany",
    ]
    assert [resolve_country(x) for x in ("Soviet Union", "SU", "USSR", "su")] == ["SU"] * 4
    assert resolve_country("East Germany") == "DD"
    assert resolve_country("Russia") == "RU"


@pytest.mark.parametrize(
    ("text", "code", "surface"),
    [
        ("NEW YORK, Oct 19 - Stocks fell.", "US", "NEW YORK"),
        ("Stocks fall on Wall Street\n\nNEW YORK, Oct 19 - Stocks fell.", "US", "NEW YORK"),
        ("Steel output up\n\nTOKYO, MARCH 2 - Output rose.", "JP", "TOKYO"),
        ("Unit sold\n\nBALDWIN Park, Calif, March 30 - The unit.", "US", "Calif"),
        ("Talks open\n\nLONDON (Reuters) - Talks opened.", "GB", "LONDON"),
        # A sentence first, not a headline: what follows is not read as a dateline.
        ("He said so.\n\nLONDON - x", None, None),
        ("The company - said it would sell.", None, None),
    ],
)
def test_body_dateline(text: str, code: str | None, surface: str | None) -> None:
    found = body_dateline(text)
    assert (found[2] if found else None) == code
    assert (text[found[0] : found[1]] if found else None) == surface


def test_dateline_dates() -> None:
    assert dateline_country("MOSCOW, March 3", IN_1987) == ("SU", "MOSCOW")
    assert dateline_country("MOSCOW, March 3") == ("RU", "MOSCOW")
    assert body_dateline("BELGRADE, March 3 - x", IN_1987) == (0, 8, "YU")


def test_plain_text_wire_story_keeps_its_dateline() -> None:
    body = "Steel output up\n\nPITTSBURGH, Pa., March 3 - Output rose 5 pct, the firm said."
    assert codes(body, title="Steel output up") == {"US"}
