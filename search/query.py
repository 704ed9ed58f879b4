"""The user's full-text query ``q``, parsed once into tokens every backend translates.

The query language (documented for users):

- words are ANDed: ``putin oil`` finds articles with both words (stemmed);
- ``"exact phrase"``; ``AND``, ``OR``, ``NOT``, ``ANDNOT``, ``ANDMAYBE`` (upper case) and
  parentheses;
- fields: ``title:``, ``body:``, ``actor:"Vladimir Putin"``, ``country:RU`` (or a country
  name), ``source:``, ``mentioned:2025-06-23``; a field may prefix a group: ``title:(a OR b)``;
- trailing wildcards with at least two letters before them (``sanct*``);
- a boost after a word changes ranking only (``oil^2``).

A leading ``-`` is not an exclusion: ``oil-producing -gulf`` is three words (use ``NOT``).

``parse_query`` is the only place that reads the text: it catches every mistake a user
can fix (Whoosh's parser never raises, it quietly turns ``putin AND`` or ``"unclosed`` into
some query) and returns an immutable ``Query`` of ``Token``\\ s. ``SearchRequest`` carries
it; each backend translates the tokens, and a construct one backend cannot express is
refused with a message from the same table (``MESSAGES``, HTTP 400 via ``query_error``).

One token rule serves validation and both engines: ``WORD_PATTERN`` (the Whoosh analyser's,
which also keeps ``*`` in words; wildcards are tokens of their own here), so ``U.S.`` is
one word, ``u.s``, with content, not two one-letter words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from search.errors import QueryError
from search.places import resolve_country

MAX_QUERY_CHARS = 500
FIELDS = ("title", "body", "actor", "country", "source", "mentioned")
# Fields that search the analysed text (the others match a whole stored value).
TEXT_FIELDS = ("title", "body")
BINARY_OPERATORS = frozenset({"AND", "OR", "ANDNOT", "ANDMAYBE"})
OPERATORS = BINARY_OPERATORS | {"NOT"}
# Whoosh's default stop list minus words that carry meaning in news: "us" (the country,
# lower-cased "US"), "may" (the month). Backends analyse text with this same list, so a
# query made only of these words can never match anything.
STOP_WORDS = frozenset(
    "a an and are as at be by can for from have if in is it not of on or that the this "
    "to we when will with yet you your".split()
)
# How analysers cut text into words: "U.S." is one word ("u.s"), "oil-producing" two.
WORD_PATTERN = r"\w+(?:\.?\w+)*"
# Shorter words are dropped by both engines' analysers.
MIN_WORD_CHARS = 2
# Characters before the first wildcard a pattern needs, so one pattern cannot expand to
# a large part of the term dictionary.
MIN_WILDCARD_PREFIX = 2

# Every message a query can earn (HTTP 400), so each is written once: the parser and the
# backends' translations raise them through ``query_error``.
MESSAGES = {
    "too_long": "query too long ({chars} characters; at most {limit}): too expensive to run, "
    "shorten it",
    "unclosed_quote": 'unclosed quote in query: add the closing " or remove the quote',
    "unopened_paren": "unbalanced parentheses in query: a ')' has no matching '('",
    "unclosed_paren": "unbalanced parentheses in query: a '(' is never closed",
    "empty_parens": "empty parentheses in query: put words inside or remove them",
    "unknown_field": "unknown field {field!r} in query; fields are: {fields}",
    "field_value": "field {field}: needs a value, e.g. {field}:word",
    "binary_operand": "{op} needs a word on each side",
    "not_operand": "NOT needs a word after it",
    "wildcard_prefix": "wildcard {word!r} is too expensive: put at least {prefix} letters "
    "before * or ? (e.g. sanct*)",
    "no_content": "query has only common words or punctuation (like 'the', 'of'), which "
    "match nothing: add a meaningful word",
    # A construct the language has but one engine cannot express.
    "unsupported": "{construct} is not supported: the {engine} backend cannot express it; "
    "search for the words without it{tip}",
    # The engine itself refused a translated query.
    "engine_refused": "the {engine} backend cannot run this query: {reason}",
}

TokenKind = Literal["word", "phrase", "op", "open", "close"]

_LEXEME = re.compile(
    r"""
    (?P<field>[^\W\d_][\w-]*:)(?=[\w"(*?])  # field prefix glued to its value
    | (?P<quote>"[^"]*")                 # phrase (closed)
    | (?P<open>\()
    | (?P<close>\))
    | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)
# Whoosh's boost syntax after a word: "oil^2", "oil^0.5".
_BOOST = re.compile(r"^(?P<word>.+?)\^(?P<boost>\d+(?:\.\d+)?|\.\d+)$")
_WORD = re.compile(WORD_PATTERN)


def query_error(key: str, **details: object) -> QueryError:
    """The ``QueryError`` (HTTP 400) for ``MESSAGES[key]`` filled with ``details``."""
    return QueryError(MESSAGES[key].format(**details))


def analysed_words(text: str) -> tuple[str, ...]:
    """The words of ``text`` an analyser keeps: lower case, ``WORD_PATTERN``, at least
    ``MIN_WORD_CHARS`` characters, no stop words (``"U.S. and the UK"`` -> ``u.s, uk``)."""
    return tuple(
        w for w in _WORD.findall(text.lower()) if len(w) >= MIN_WORD_CHARS and w not in STOP_WORDS
    )


@dataclass(frozen=True, slots=True)
class Token:
    """One unit of a parsed query.

    ``kind`` is ``word`` (``text`` as written, maybe with ``*``/``?``), ``phrase`` (``text``
    the words between the quotes), ``op`` (``AND``, ``OR``, ``NOT``, ``ANDNOT``,
    ``ANDMAYBE``), ``open`` or ``close`` (a parenthesis). ``field`` is the lower-case field
    name a word, phrase or group is prefixed with (``actor:"X"``, ``title:(a OR b)``);
    ``boost`` the ranking weight written after a word (``"2"`` for ``oil^2``).
    """

    kind: TokenKind
    text: str
    field: str | None = None
    boost: str = ""

    @property
    def words(self) -> tuple[str, ...]:
        """The analysed words of a word or phrase (see ``analysed_words``)."""
        return analysed_words(self.text) if self.kind in ("word", "phrase") else ()

    @property
    def is_wildcard(self) -> bool:
        """Whether this is a word with ``*`` or ``?`` in it."""
        return self.kind == "word" and ("*" in self.text or "?" in self.text)

    @property
    def is_operand(self) -> bool:
        """Whether an operator may stand before this token (a word, phrase or group)."""
        return self.kind in ("word", "phrase", "open")

    def render(self) -> str:
        """The token in query syntax (``actor:"Vladimir Putin"``, ``oil^2``, ``(``)."""
        text = f'"{self.text}"' if self.kind == "phrase" else self.text
        prefix = f"{self.field}:" if self.field else ""
        return prefix + text + (f"^{self.boost}" if self.boost else "")


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed, valid query: ``source`` as given and its ``tokens``; empty means browse."""

    source: str = ""
    tokens: tuple[Token, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.tokens)

    @property
    def text(self) -> str:
        """The query normalised (whitespace collapsed, field names lower-cased): what the
        Whoosh parser reads and "did you mean" rewrites; parsing it gives the same tokens."""
        out = ""
        for tok in self.tokens:
            if out and tok.kind != "close" and not out.endswith("("):
                out += " "
            out += tok.render()
        return out


EMPTY_QUERY = Query()


def parse_query(q: str) -> Query:
    """Parse ``q`` into a ``Query``, or raise ``QueryError`` saying what to change."""
    if len(q) > MAX_QUERY_CHARS:
        raise query_error("too_long", chars=len(q), limit=MAX_QUERY_CHARS)
    text = _normalise_whitespace(q)
    if not text:
        return Query(q)
    if text.count('"') % 2:
        raise query_error("unclosed_quote")
    lexemes = _lex(text)
    _check_parentheses(lexemes)
    tokens = _tokens(lexemes)
    _check_operators(tokens)
    _check_wildcards(tokens)
    _check_meaning(tokens)
    return Query(q, tokens)


def country_code(value: str) -> str | None:
    """The ISO code a ``country:`` value stands for: two letters are a code (any case),
    else a name, demonym or capital is resolved; ``None`` when it names no country."""
    if len(value) == 2:
        return value.upper()
    return resolve_country(value)


def _normalise_whitespace(q: str) -> str:
    # Control and format characters (NUL, zero-width, direction marks) carry no meaning
    # for search and confuse tokenisers: treat them as spaces.
    cleaned = "".join(" " if unicodedata.category(ch)[0] in ("C", "Z") else ch for ch in q)
    return " ".join(cleaned.split())


def _lex(text: str) -> list[tuple[str, str]]:
    """``(kind, text)`` pairs: ``field`` (``actor:``), ``quote``, ``open``, ``close``, ``word``."""
    return [(m.lastgroup or "word", m.group(m.lastgroup or "word")) for m in _LEXEME.finditer(text)]


def _check_parentheses(lexemes: list[tuple[str, str]]) -> None:
    depth = 0
    for kind, _text in lexemes:
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth < 0:
                raise query_error("unopened_paren")
    if depth:
        raise query_error("unclosed_paren")


def _tokens(lexemes: list[tuple[str, str]]) -> tuple[Token, ...]:
    """Lexemes -> tokens: a field prefix joins its value, operators are told apart."""
    tokens: list[Token] = []
    i = 0
    while i < len(lexemes):
        kind, text = lexemes[i]
        i += 1
        _check_bare_field(kind, text)
        field = None
        if kind == "field":
            field = text[:-1].lower()
            if field not in FIELDS:
                raise query_error("unknown_field", field=text[:-1], fields=", ".join(FIELDS))
            kind, text = lexemes[i] if i < len(lexemes) else ("", "")
            i += 1
            if kind not in ("word", "quote", "open") or text in OPERATORS:
                raise query_error("field_value", field=field)
            _check_bare_field(kind, text)
        tokens.append(_token(kind, text, field))
    return tuple(tokens)


def _check_bare_field(kind: str, text: str) -> None:
    """``title:`` with nothing glued to it is a field missing its value, not a word."""
    if kind == "word" and text.endswith(":") and text[:-1].lower() in FIELDS:
        raise query_error("field_value", field=text[:-1].lower())


def _token(kind: str, text: str, field: str | None) -> Token:
    if kind == "quote":
        return Token("phrase", text[1:-1], field)
    if kind == "open":
        return Token("open", text, field)
    if kind == "close":
        return Token("close", text)
    if text in OPERATORS and field is None:
        return Token("op", text)
    boosted = _BOOST.match(text)
    if boosted:
        return Token("word", boosted["word"], field, boosted["boost"])
    return Token("word", text, field)


def _check_operators(tokens: tuple[Token, ...]) -> None:
    """Every AND/OR needs an operand on both sides, every NOT one after it."""
    prev: Token | None = None
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.kind == "op":
            needs_left = tok.text in BINARY_OPERATORS
            left_ok = prev is not None and prev.kind in ("word", "phrase", "close")
            right_ok = nxt is not None and (
                nxt.is_operand or (nxt.text == "NOT" and nxt.kind == "op" and tok.text != "NOT")
            )
            if (needs_left and not left_ok) or not right_ok:
                if needs_left:
                    raise query_error("binary_operand", op=tok.text)
                raise query_error("not_operand")
        elif tok.kind == "open" and nxt is not None and nxt.kind == "close":
            raise query_error("empty_parens")
        prev = tok


def _check_wildcards(tokens: tuple[Token, ...]) -> None:
    for tok in tokens:
        if not tok.is_wildcard:
            continue
        first = min(i for i, ch in enumerate(tok.text) if ch in "*?")
        if first < MIN_WILDCARD_PREFIX:
            raise query_error("wildcard_prefix", word=tok.text, prefix=MIN_WILDCARD_PREFIX)


def _check_meaning(tokens: tuple[Token, ...]) -> None:
    """Reject queries whose words all vanish in analysis (stop words, punctuation)."""
    in_field_group = False
    for tok in tokens:
        if tok.kind in ("word", "phrase"):
            # Field values (actor:"The Who", country:US) are matched whole, not analysed;
            # so is the first value of a field's group (title:(the ...)), as ever.
            if tok.field or in_field_group or tok.words:
                return
        in_field_group = tok.kind == "open" and (tok.field is not None or in_field_group)
    raise query_error("no_content")
