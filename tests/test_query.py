"""The one parser of the user's query (search/query.py), table-driven plus Hypothesis."""

from __future__ import annotations

import ast
import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.backends.typesense.query import translate
from search.errors import QueryError
from search.models import SearchRequest
from search.query import MAX_QUERY_CHARS, MESSAGES, Query, Token, parse_query
from search.settings import PROJECT_ROOT


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
        ("oil^3 title:gas^0.5", "oil^3 title:gas^0.5"),
    ],
)
def test_valid_queries_are_normalised(q: str, expected: str) -> None:
    assert parse_query(q).text == expected


@pytest.mark.parametrize(
    ("q", "tokens"),
    [
        ("", ()),
        ("U.S.", (Token("word", "U.S."),)),
        ('"oil  prices" opec', (Token("phrase", "oil prices"), Token("word", "opec"))),
        ("oil NOT gas", (Token("word", "oil"), Token("op", "NOT"), Token("word", "gas"))),
        ('Actor:"Vladimir Putin"', (Token("phrase", "Vladimir Putin", "actor"),)),
        ("country:Russia", (Token("word", "Russia", "country"),)),
        (
            "title:(oil OR gas)",
            (
                Token("open", "(", "title"),
                Token("word", "oil"),
                Token("op", "OR"),
                Token("word", "gas"),
                Token("close", ")"),
            ),
        ),
        ("oil^2 sanct*", (Token("word", "oil", boost="2"), Token("word", "sanct*"))),
        ("oil-producing -gulf", (Token("word", "oil-producing"), Token("word", "-gulf"))),
    ],
)
def test_queries_parse_into_tokens(q: str, tokens: tuple[Token, ...]) -> None:
    assert parse_query(q).tokens == tokens


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("U.S.", ("u.s",)),  # one word with content, on every engine (issue 12)
        ("U.K.", ("u.k",)),
        ("the U.S. and the UK", ("u.s", "uk")),
        ("oil-producing -gulf", ("oil", "producing", "gulf")),
        ("Putin's", ("putin",)),  # one-letter words are dropped
        ("10:30", ("10", "30")),
        ("!!!", ()),
    ],
)
def test_one_token_rule(text: str, words: tuple[str, ...]) -> None:
    assert Token("word", text).words == words


def test_u_s_has_content() -> None:
    """``U.S.`` passed validation and then vanished from the Typesense translation, which
    then searched everything (issue 12): one rule now decides both."""
    query = parse_query("U.S.")
    assert query.tokens[0].words == ("u.s",)
    assert translate(query).q == "u.s"
    assert translate(parse_query("U.K. trade")).q == "u.k trade"


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
        parse_query(q)
    assert str(info.value) == message
    assert info.value.status == 400


def _reparses(query: Query) -> None:
    again = parse_query(query.text)
    assert again.tokens == query.tokens  # the rendering is faithful
    assert again.text == query.text  # normalisation is idempotent


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=120))
def test_any_text_parses_or_raises_query_error(q: str) -> None:
    try:
        query = parse_query(q)
    except QueryError:
        return
    _reparses(query)


_PIECES = st.sampled_from(
    ["putin", "oil", "AND", "OR", "NOT", "(", ")", '"', "actor:", "title:", "foo:", "*", "x*"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=8).map(" ".join))
def test_operator_soup_parses_or_raises_query_error(q: str) -> None:
    try:
        query = parse_query(q)
    except QueryError:
        return
    _reparses(query)


def test_search_request_parses_its_query_once() -> None:
    request = SearchRequest(q="putin  oil")
    assert request.query == parse_query("putin  oil")
    assert replace(request, page=2).query is request.query  # carried, not parsed again
    assert replace(request, q="gas").query.text == "gas"
    assert SearchRequest().query.tokens == ()
    with pytest.raises(QueryError, match="AND needs a word on each side"):
        SearchRequest(q="putin AND")


# -- every 400 about the query is written once ------------------------------------------

# One query (and how to run it) for each message: the parser's, then the Typesense
# translation's refusals.
MESSAGE_EXAMPLES = [
    ("x" * (MAX_QUERY_CHARS + 1), "too_long", {"chars": 501, "limit": 500}),
    ('"open', "unclosed_quote", {}),
    ("oil)", "unopened_paren", {}),
    ("(oil", "unclosed_paren", {}),
    ("oil ()", "empty_parens", {}),
    (
        "foo:bar",
        "unknown_field",
        {
            "field": "foo",
            "fields": ", ".join(("title", "body", "actor", "country", "source", "mentioned")),
        },
    ),
    ("actor: putin", "field_value", {"field": "actor"}),
    ("oil OR", "binary_operand", {"op": "OR"}),
    ("oil NOT", "not_operand", {}),
    ("o*", "wildcard_prefix", {"word": "o*", "prefix": 2}),
    ("the", "no_content", {}),
]
TYPESENSE = {"engine": "Typesense", "tip": ""}
UNSUPPORTED_EXAMPLES = [
    ("oil OR gas", {**TYPESENSE, "construct": "OR"}),
    ("oil NOT (gas prices)", {**TYPESENSE, "construct": "NOT before parentheses"}),
    ("title:(oil gas)", {**TYPESENSE, "construct": "title:( … )"}),
    ("sa?d", {**TYPESENSE, "construct": "wildcard 'sa?d'", "tip": " (use word*)"}),
    ("sanct* embarg*", {**TYPESENSE, "construct": "more than one wildcard word"}),
    ("NOT oil", {**TYPESENSE, "construct": "a query made only of NOT terms"}),
    ('oil NOT "gas prices"', {**TYPESENSE, "construct": "NOT before a phrase"}),
    (
        "oil NOT oil-producing",
        {
            **TYPESENSE,
            "construct": "NOT before 'oil-producing', several words",
            "tip": " (exclude one word)",
        },
    ),
]


@pytest.mark.parametrize(("q", "key", "details"), MESSAGE_EXAMPLES)
def test_parser_messages_come_from_the_table(q: str, key: str, details: dict) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(q)
    assert str(info.value) == MESSAGES[key].format(**details)


@pytest.mark.parametrize(("q", "details"), UNSUPPORTED_EXAMPLES)
def test_translation_messages_come_from_the_table(q: str, details: dict) -> None:
    with pytest.raises(QueryError) as info:
        translate(parse_query(q))
    assert str(info.value) == MESSAGES["unsupported"].format(**details)


def test_every_message_has_an_example() -> None:
    # engine_refused wraps an answer of a running Typesense server (its own 400).
    covered = {key for _q, key, _d in MESSAGE_EXAMPLES} | {"unsupported", "engine_refused"}
    assert covered == set(MESSAGES)


def _query_errors(path) -> list[str]:
    """``function: first argument`` of every ``QueryError(...)`` call in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef):
            continue
        for node in ast.walk(func):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "QueryError"
            ):
                found.append(f"{func.name}: {ast.unparse(node.args[0]) if node.args else ''}")
    return found


def test_every_query_message_is_written_in_one_place() -> None:
    """Only ``query_error`` builds a QueryError from the query's modules and the backends:
    no second copy of a message, no second limit."""
    search = PROJECT_ROOT / "search"
    paths = [search / "query.py", *sorted((search / "backends").rglob("*.py"))]
    raised = {p.relative_to(PROJECT_ROOT).as_posix(): _query_errors(p) for p in paths}
    assert {p: calls for p, calls in raised.items() if calls} == {
        "search/query.py": ["query_error: MESSAGES[key].format(**details)"]
    }
    limit = re.compile(r"^MAX_QUERY_CHARS\s*=", re.M)
    defined = [
        p.relative_to(PROJECT_ROOT).as_posix()
        for folder in ("search", "web")
        for p in (PROJECT_ROOT / folder).rglob("*.py")
        if limit.search(p.read_text(encoding="utf-8"))
    ]
    assert defined == ["search/query.py"]
