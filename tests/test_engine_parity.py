"""Both engines answer every kind of query alike: the same articles, the same totals.

The same dozen articles go into a Whoosh index (a temporary folder) and a real Typesense
server; every query kind of the language (search/query.py) runs on both. Each case names
the articles Whoosh finds, so an engine finding nothing cannot pass by agreeing with the
other. Differences the analysers make unavoidable are asserted as such, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from search.backends.typesense.server import Cluster
from search.errors import QueryError
from search.models import IndexDocument, SearchRequest
from search.service import SearchService
from search.settings import Settings
from tests.typesense_helpers import start_cluster, ts_settings

pytestmark = pytest.mark.slow


def _article(
    name: str,
    title: str,
    body: str,
    *,
    countries: tuple[str, ...] = (),
    actors: tuple[str, ...] = (),
    source: str = "Reuters",
    day: int | None = 1,
    mentioned: tuple[str, ...] = (),
) -> IndexDocument:
    return IndexDocument(
        id=name,
        key=f"/parity/{name}.txt",
        title=title,
        body=body,
        content_hash=name,
        source=source,
        published=datetime(1987, 3, day, 12, tzinfo=UTC) if day else None,
        actors=actors,
        actor_kinds=tuple("org" for _ in actors),
        countries=countries,
        dates_mentioned=mentioned,
    )


# Words appear in one form only ("oil", never "oils"): Typesense does not stem.
ARTICLES = (
    _article(
        "opec",
        "OPEC agrees output cut",
        "OPEC ministers agreed to cut crude output as oil prices fell. Saudi Arabia led "
        "the talks in Vienna.",
        countries=("SA", "AT"),
        actors=("OPEC",),
        day=2,
    ),
    _article(
        "kremlin",
        "Kremlin warns on sanctions",
        "Vladimir Putin said new sanctions would hurt oil exports. The Kremlin rejected the plan.",
        countries=("RU",),
        actors=("Vladimir Putin",),
        day=3,
    ),
    _article(
        "us_wheat",
        "U.S. wheat exports rise",
        "The U.S. Agriculture Department said wheat exports rose to Egypt and Japan.",
        countries=("US", "EG", "JP"),
        actors=("Agriculture Department",),
        day=4,
    ),
    _article(
        "us_sanctions",
        "Treasury widens sanctions",
        "U.S. sanctions on Iranian oil tankers took effect on Monday, officials said.",
        countries=("US", "IR"),
        actors=("Treasury",),
        day=5,
    ),
    _article(
        "uk_trade",
        "U.K. trade gap narrows",
        "The U.K. trade deficit narrowed as exports of machinery grew, the statistics office said.",
        countries=("GB",),
        day=6,
    ),
    _article(
        "uk_us",
        "Talks in London",
        "U.K. and U.S. negotiators met in London to discuss wheat tariffs.",
        countries=("GB", "US"),
        day=7,
    ),
    _article(
        "pronoun",
        "Farmers speak",
        "Farmers told us the harvest was poor and wheat prices would stay high.",
        countries=("BR",),
        day=8,
    ),
    _article(
        "coffee",
        "Brazil coffee harvest",
        "Coffee growers in Brazil expect a record harvest despite dry weather.",
        countries=("BR",),
        source="AP",
        day=9,
    ),
    _article(
        "gulf",
        "Gulf oil-producing states meet",
        "Oil-producing states of the Gulf discussed crude quotas in Riyadh.",
        countries=("SA",),
        actors=("OPEC",),
        day=10,
    ),
    _article(
        "cocoa",
        "Cocoa prices rise",
        "Cocoa prices rose in Ivory Coast after heavy rain.",
        countries=("CI",),
        source="AP",
        day=None,
    ),
    _article(
        "summit",
        "Putin meets Xi",
        "Vladimir Putin and Xi Jinping discussed gas pipelines and oil supplies.",
        countries=("RU", "CN"),
        actors=("Vladimir Putin", "Xi Jinping"),
        day=11,
        mentioned=("1987-03-02",),
    ),
)
OIL = {"opec", "kremlin", "us_sanctions", "gulf", "summit"}

# (q, the articles both engines find)
SAME = [
    # words
    ("oil", OIL),
    ("Oil", OIL),
    ("exports wheat", {"us_wheat"}),
    ("the oil of Riyadh", {"gulf"}),  # stop words are dropped by both
    ("Putin's", {"kremlin", "summit"}),  # "s" is a one-letter word: dropped by both
    ("oil-producing", {"gulf"}),
    ("sanct*", {"kremlin", "us_sanctions"}),
    ("oil^2 crude", {"opec", "gulf"}),  # a boost changes ranking only
    ("nonexistentword", set()),
    # phrases
    ('"oil exports"', {"kremlin"}),
    ('"exports oil"', set()),
    ('"wheat exports" Egypt', {"us_wheat"}),
    # boolean
    ("oil AND prices", {"opec"}),
    ("oil AND (crude AND quotas)", {"gulf"}),
    ("(oil AND crude) quotas", {"gulf"}),
    ("oil NOT sanctions", OIL - {"kremlin", "us_sanctions"}),
    ("oil AND NOT sanctions", OIL - {"kremlin", "us_sanctions"}),
    ("oil ANDNOT sanctions", OIL - {"kremlin", "us_sanctions"}),
    ("oil ANDMAYBE crude", OIL),  # the optional side ranks, never filters
    ("oil ANDMAYBE (gas pipelines)", OIL),
    # a leading dash is a dash, not NOT (in the language since its start, on both)
    ("oil -sanctions", {"kremlin", "us_sanctions"}),
    # fields
    ('actor:"Vladimir Putin"', {"kremlin", "summit"}),
    ("actor:opec", {"opec", "gulf"}),  # any case
    ("oil NOT actor:OPEC", OIL - {"opec", "gulf"}),
    ("country:GB", {"uk_trade", "uk_us"}),
    ("country:gb", {"uk_trade", "uk_us"}),
    ("country:Britain", {"uk_trade", "uk_us"}),  # by name
    ('country:"United Kingdom"', {"uk_trade", "uk_us"}),
    ("country:Russia oil", {"kremlin", "summit"}),
    ("source:AP", {"coffee", "cocoa"}),
    ("mentioned:1987-03-02", {"summit"}),
    ("body:crude", {"opec", "gulf"}),
    # dotted abbreviations: one word with content (issue 12: Typesense searched everything)
    ("U.K.", {"uk_trade", "uk_us"}),
    ("U.K. trade", {"uk_trade"}),
    ('"U.S. sanctions"', {"us_sanctions"}),
    ("U.S. oil", {"us_sanctions"}),
    ("U.S. NOT wheat", {"us_sanctions"}),
]

US = {"us_wheat", "us_sanctions", "uk_us"}
# Where the analysers differ: (q, Whoosh finds, Typesense finds). Typesense drops the
# dots of "U.S." (its tokenizer keeps letters and digits only) and reads "us", which is
# also the pronoun and the undotted "US": where an article says "told us", Typesense finds
# it too; Whoosh keeps "U.S." as the word "u.s", apart from "us". No setting of Typesense
# 0.24 keeps the dots without keeping them at the end of every sentence as well. Never the
# whole archive any more (issue 12: 1,000 of 1,000 Reuters articles for "U.S.").
DIFFERENT = [
    ("U.S.", US, US | {"pronoun"}),
    ("U.S. wheat", {"us_wheat", "uk_us"}, {"us_wheat", "uk_us", "pronoun"}),
    ("US", {"pronoun"}, US | {"pronoun"}),
    # title: and body: search both fields on Typesense (docs/operations.md).
    ("title:oil", {"gulf"}, OIL),
]

# Filters without words: the browse list.
FILTERS = [
    {},
    {"countries": ("US",)},
    {"countries": ("RU", "CN")},
    {"actors": ("opec",)},
    {"sources": ("AP",)},
    {"sources": ("AP", "Reuters"), "countries": ("BR",)},
    {"date_from": date(1987, 3, 4), "date_to": date(1987, 3, 8)},
    {"date_to": date(1987, 3, 31)},  # the undated article is left out
    # Exclusions (issue 14): an article with any excluded value is dropped.
    {"not_countries": ("US",)},
    {"not_countries": ("RU", "CN"), "sources": ("Reuters",)},
    {"not_actors": ("opec",)},  # any case, as the inclusion
    {"not_sources": ("AP",), "date_to": date(1987, 3, 31)},
]


@pytest.mark.parametrize(
    ("q", "filters"),
    [
        ("oil", {"not_countries": ("RU",)}),
        ("exports", {"not_actors": ("Vladimir Putin",)}),
        ("wheat", {"not_sources": ("Reuters",)}),
    ],
)
def test_same_articles_for_words_and_exclusions(engines, q: str, filters: dict) -> None:  # noqa: ANN001
    """Words and exclusions together: the same articles, and with the inclusion of the
    same value they make up the words' whole result on both engines."""
    whoosh, typesense = engines
    expected = _found(whoosh, q=q, **filters)
    assert _found(typesense, q=q, **filters) == expected
    included = {k.replace("not_", ""): v for k, v in filters.items()}
    for service in engines:
        assert expected[1] | _found(service, q=q, **included)[1] == _found(service, q=q)[1]


def test_did_you_mean_on_both_engines(engines) -> None:  # noqa: ANN001
    """A misspelt word gets the same real word back from both engines, as written."""
    for service in engines:
        assert service.search(SearchRequest(q="opek")).suggestion == "OPEC"
        assert service.search(SearchRequest(q="sanctoins")).suggestion == "sanctions"


def test_timelines_agree(engines) -> None:  # noqa: ANN001
    """Both engines draw the same contiguous histogram, undated apart."""
    whoosh, typesense = engines
    for filters in ({}, {"not_countries": ("US",)}):
        assert (
            whoosh.search(SearchRequest(**filters)).dates
            == typesense.search(SearchRequest(**filters)).dates
        )


@pytest.fixture(scope="module")
def engines(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[SearchService, SearchService]]:
    """(Whoosh, Typesense) services over the same ``ARTICLES``."""
    cluster: Cluster = start_cluster(1)
    root: Path = tmp_path_factory.mktemp("parity")
    whoosh = SearchService(Settings(index_dir=root / "whoosh"))
    typesense = SearchService(ts_settings(cluster, root / "ts", "parity"))
    for service in (whoosh, typesense):
        writer = service.backend.writer(full=True)
        for article in ARTICLES:
            writer.add(article)
        writer.commit()
    yield whoosh, typesense
    cluster.stop()


def _found(service: SearchService, **kw: object) -> tuple[int, set[str]]:
    page = service.search(SearchRequest(per_page=100, **kw))  # type: ignore[arg-type]
    return page.total, {h.id for h in page.hits}


@pytest.mark.parametrize(("q", "expected"), SAME)
def test_same_articles_for_every_query_kind(engines, q: str, expected: set[str]) -> None:
    whoosh, typesense = engines
    assert _found(whoosh, q=q) == (len(expected), expected)
    assert _found(typesense, q=q) == (len(expected), expected)


@pytest.mark.parametrize(("q", "in_whoosh", "in_typesense"), DIFFERENT)
def test_known_differences(engines, q: str, in_whoosh: set[str], in_typesense: set[str]) -> None:
    whoosh, typesense = engines
    assert _found(whoosh, q=q) == (len(in_whoosh), in_whoosh)
    assert _found(typesense, q=q) == (len(in_typesense), in_typesense)


@pytest.mark.parametrize("filters", FILTERS, ids=repr)
def test_same_articles_for_filters_without_words(engines, filters: dict[str, object]) -> None:
    whoosh, typesense = engines
    expected = _found(whoosh, **filters)
    assert expected[0] > 0
    assert _found(typesense, **filters) == expected


def test_or_is_refused_by_typesense_only(engines) -> None:
    """Typesense 0.24 has no OR: a 400 that names it, where Whoosh answers."""
    whoosh, typesense = engines
    assert _found(whoosh, q="wheat OR coffee") == (4, {"us_wheat", "uk_us", "pronoun", "coffee"})
    with pytest.raises(QueryError, match="OR is not supported"):
        typesense.search(SearchRequest(q="wheat OR coffee"))
