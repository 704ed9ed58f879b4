"""Request parameters: one parser for the web, the API and the CLI."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.errors import QueryError
from search.models import SearchRequest
from search.params import SEARCH_PARAMS, parse_date_bound, parse_search_params


def test_defaults_browse_newest_first() -> None:
    assert parse_search_params({}) == SearchRequest(sort="newest")


def test_full_request() -> None:
    request = parse_search_params(
        {
            "q": " putin ",
            "actor": ["Vladimir Putin", "Vladimir Putin", "Dmitry Peskov"],
            "country": ["ru", "Iran"],
            "from": "2025-06",
            "to": "2025",
            "page": "2",
            "per_page": "5",
            "facet_size": "3",
        }
    )
    assert request == SearchRequest(
        q="putin",
        actors=("Vladimir Putin", "Dmitry Peskov"),
        countries=("RU", "IR"),
        date_from=date(2025, 6, 1),
        date_to=date(2025, 12, 31),
        sort="relevance",
        page=2,
        per_page=5,
        facet_size=3,
        from_text="2025-06",
        to_text="2025",
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "0"}, "page must be between 1 and 10000"),
        ({"per_page": "1000"}, "per_page must be between 1 and 100"),
        ({"per_page": "ten"}, "per_page must be a whole number"),
        ({"from": "notadate"}, "from must be YYYY, YYYY-MM or YYYY-MM-DD"),
        ({"to": "2025-02-30"}, "to is not a real date"),
        ({"from": "2025-13"}, "from is not a real date"),
        ({"from": "2025-06-02", "to": "2025-06-01"}, "is after to"),
        ({"sort": "random"}, "sort must be one of relevance, newest, oldest"),
        ({"country": "Atlantis"}, "unknown country 'Atlantis'"),
        ({"q": ["a", "b"]}, "q was given 2 times"),
        ({"q": "x" * 501}, "query too long"),
        ({"q": "putin AND"}, "AND needs a word on each side"),
        ({"actor": ["x"] * 21}, "at most 20 actor values"),
    ],
)
def test_bad_parameters_say_what_is_wrong(params: dict, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse_search_params(params)


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2025", False, date(2025, 1, 1)),
        ("2025", True, date(2025, 12, 31)),
        ("2024-02", True, date(2024, 2, 29)),
        ("2025-06-23", True, date(2025, 6, 23)),
        ("", False, None),
        (None, True, None),
    ],
)
def test_date_bounds(text: str | None, end: bool, expected: date | None) -> None:
    assert parse_date_bound(text, "from", end=end) == expected


PARAM_NAMES = [*SEARCH_PARAMS, "x"]


@given(
    st.dictionaries(
        st.sampled_from(PARAM_NAMES),
        st.one_of(st.text(max_size=30), st.lists(st.text(max_size=30), max_size=4)),
    )
)
def test_any_parameters_parse_or_raise_query_error(params: dict) -> None:
    try:
        parse_search_params(params)
    except QueryError as e:
        assert str(e)
