"""Validation of the user's query string (search/query.py), table-driven plus Hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.errors import QueryError
from search.query import MAX_QUERY_CHARS, validate_query


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("", ""),
        ("   \t\n ", ""),
        ("putin", "putin"),
        ("  Putin   oil\u200b ", "Putin oil"),
        ('"Vladimir Putin" sanctions', '"Vladimir Putin" sanctions'),
        ("putin AND oil", "putin AND oil"),
        ("putin OR trump", "putin OR trump"),
        ("oil NOT gas", "oil NOT gas"),
        ("NOT gas", "NOT gas"),
        ("oil AND NOT gas", "oil AND NOT gas"),
        ("( oil OR gas )  prices", "(oil OR gas) prices"),
        ('actor:"Vladimir Putin"', 'actor:"Vladimir Putin"'),
        ("Country:RU", "country:RU"),
        ("title:(oil OR gas)", "title:(oil OR gas)"),
        ("source:reuters mentioned:2025-06-23", "source:reuters mentioned:2025-06-23"),
        ("sanct*", "sanct*"),
        ("http://example.com/news", "http://example.com/news"),
        ("10:30 meeting", "10:30 meeting"),
        ("US", "US"),
        ("U.S.", "U.S."),
        ("actor:the", "actor:the"),
    ],
)
def test_valid_queries_are_normalised(q: str, expected: str) -> None:
    assert validate_query(q) == expected


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ('"unclosed phrase', 'unclosed quote in query: add the closing " or remove the quote'),
        ("AND", "AND needs a word on each side"),
        ("putin AND", "AND needs a word on each side"),
        ("OR x", "OR needs a word on each side"),
        ("putin OR OR oil", "OR needs a word on each side"),
        ("NOT", "NOT needs a word after it"),
        ("putin NOT", "NOT needs a word after it"),
        ("(oil AND) gas", "AND needs a word on each side"),
        ("(oil", "unbalanced parentheses in query: a '(' is never closed"),
        ("oil)", "unbalanced parentheses in query: a ')' has no matching '('"),
        ("()", "empty parentheses in query: put words inside or remove them"),
        (
            "foo:bar",
            "unknown field 'foo' in query; fields are: title, body, actor, country, source, "
            "mentioned",
        ),
        ("title:", "field title: needs a value, e.g. title:word"),
        (
            "*",
            "wildcard '*' is too expensive: put at least 2 letters before * or ? (e.g. sanct*)",
        ),
        (
            "*tin",
            "wildcard '*tin' is too expensive: put at least 2 letters before * or ? (e.g. sanct*)",
        ),
        (
            "p?tin",
            "wildcard 'p?tin' is too expensive: put at least 2 letters before * or ? (e.g. sanct*)",
        ),
        (
            "x" * (MAX_QUERY_CHARS + 1),
            "query too long (501 characters; at most 500): too expensive to run, shorten it",
        ),
        (
            "the of and",
            "query has only common words or punctuation (like 'the', 'of'), which match "
            "nothing: add a meaningful word",
        ),
        (
            '"to be" !!!',
            "query has only common words or punctuation (like 'the', 'of'), which match "
            "nothing: add a meaningful word",
        ),
    ],
)
def test_invalid_queries_say_what_to_fix(q: str, message: str) -> None:
    with pytest.raises(QueryError) as info:
        validate_query(q)
    assert str(info.value) == message
    assert info.value.status == 400


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=120))
def test_any_text_validates_or_raises_query_error(q: str) -> None:
    try:
        out = validate_query(q)
    except QueryError:
        return
    assert isinstance(out, str)
    assert validate_query(out) == out  # normalisation is idempotent


_PIECES = st.sampled_from(
    ["putin", "oil", "AND", "OR", "NOT", "(", ")", '"', "actor:", "title:", "foo:", "*", "x*"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=8).map(" ".join))
def test_operator_soup_validates_or_raises_query_error(q: str) -> None:
    try:
        out = validate_query(q)
    except QueryError:
        return
    assert validate_query(out) == out
