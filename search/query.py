"""Validation of the user's full-text query ``q``, independent of any search backend.

The query language (documented for users):

- words are ANDed: ``putin oil`` finds articles with both words (stemmed);
- ``"exact phrase"``; ``AND``, ``OR``, ``NOT`` (upper case) and parentheses;
- fields: ``title:``, ``body:``, ``actor:"Vladimir Putin"``, ``country:RU`` (or a country
  name), ``source:``, ``mentioned:2025-06-23``;
- trailing wildcards with at least two letters before them (``sanct*``).

Whoosh's parser never raises: it quietly turns ``putin AND`` or ``"unclosed`` into some
query. So every mistake a user can fix is caught here, before any backend sees the
query, and answered with a message that says what to change (a ``QueryError``, HTTP 400).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from search.errors import QueryError

MAX_QUERY_CHARS = 500
FIELDS = ("title", "body", "actor", "country", "source", "mentioned")
BINARY_OPERATORS = frozenset({"AND", "OR", "ANDNOT", "ANDMAYBE"})
# Whoosh's default stop list minus words that carry meaning in news: "us" (the country,
# lower-cased "US"), "may" (the month). Backends analyse text with this same list, so a
# query made only of these words can never match anything.
STOP_WORDS = frozenset(
    "a an and are as at be by can for from have if in is it not of on or that the this "
    "to we when will with yet you your".split()
)
# Characters before the first wildcard a pattern needs, so one pattern cannot expand to
# a large part of the term dictionary.
MIN_WILDCARD_PREFIX = 2

_TOKEN = re.compile(
    r"""
    (?P<field>[^\W\d_][\w-]*:)(?=[\w"(*?])  # field prefix glued to its value
    | (?P<quote>"[^"]*")                 # phrase (closed)
    | (?P<open>\()
    | (?P<close>\))
    | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "field" | "quote" | "open" | "close" | "word" | "op"
    text: str


def validate_query(q: str) -> str:
    """Return ``q`` normalised (whitespace collapsed, field names lower-cased).

    Raises ``QueryError`` with a message the user can act on. An empty result means
    "browse": no full-text condition.
    """
    text = _normalise_whitespace(q)
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"query too long ({len(text)} characters; at most {MAX_QUERY_CHARS}): "
            "too expensive to run, shorten it"
        )
    if not text:
        return ""
    if text.count('"') % 2:
        raise QueryError('unclosed quote in query: add the closing " or remove the quote')
    tokens = _tokenise(text)
    _check_parentheses(tokens)
    _check_fields(tokens)
    _check_operators(tokens)
    _check_wildcards(tokens)
    _check_meaning(tokens)
    return _render(tokens)


def _normalise_whitespace(q: str) -> str:
    # Control and format characters (NUL, zero-width, direction marks) carry no meaning
    # for search and confuse tokenisers: treat them as spaces.
    cleaned = "".join(" " if unicodedata.category(ch)[0] in ("C", "Z") else ch for ch in q)
    return " ".join(cleaned.split())


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "word"
        value = match.group(kind)
        if kind == "word" and value in BINARY_OPERATORS | {"NOT"}:
            kind = "op"
        tokens.append(_Token(kind, value))
    return tokens


def _check_parentheses(tokens: list[_Token]) -> None:
    depth = 0
    for tok in tokens:
        if tok.kind == "open":
            depth += 1
        elif tok.kind == "close":
            depth -= 1
            if depth < 0:
                raise QueryError("unbalanced parentheses in query: a ')' has no matching '('")
    if depth:
        raise QueryError("unbalanced parentheses in query: a '(' is never closed")


def _check_fields(tokens: list[_Token]) -> None:
    for i, tok in enumerate(tokens):
        if tok.kind == "word" and tok.text.endswith(":") and tok.text[:-1].lower() in FIELDS:
            raise QueryError(f"field {tok.text.lower()} needs a value, e.g. {tok.text.lower()}word")
        if tok.kind != "field":
            continue
        name = tok.text[:-1].lower()
        if name not in FIELDS:
            raise QueryError(
                f"unknown field {tok.text[:-1]!r} in query; fields are: " + ", ".join(FIELDS)
            )
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is None or nxt.kind not in ("word", "quote", "open"):
            raise QueryError(f"field {name}: needs a value, e.g. {name}:word")


def _check_operators(tokens: list[_Token]) -> None:
    """Every AND/OR needs an operand on both sides, every NOT one after it."""
    prev: _Token | None = None
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.kind == "op":
            needs_left = tok.text in BINARY_OPERATORS
            left_ok = prev is not None and prev.kind in ("word", "quote", "close")
            right_ok = nxt is not None and (
                nxt.kind in ("word", "quote", "open", "field")
                or (nxt.text == "NOT" and tok.text != "NOT")
            )
            if (needs_left and not left_ok) or not right_ok:
                raise QueryError(
                    f"{tok.text} needs a word on each side"
                    if needs_left
                    else "NOT needs a word after it"
                ) from None
        elif tok.kind == "open" and nxt is not None and nxt.kind == "close":
            raise QueryError("empty parentheses in query: put words inside or remove them")
        prev = tok


def _check_wildcards(tokens: list[_Token]) -> None:
    for tok in tokens:
        if tok.kind != "word" or not ("*" in tok.text or "?" in tok.text):
            continue
        first = min(i for i, ch in enumerate(tok.text) if ch in "*?")
        if first < MIN_WILDCARD_PREFIX:
            raise QueryError(
                f"wildcard {tok.text!r} is too expensive: put at least "
                f"{MIN_WILDCARD_PREFIX} letters before * or ? (e.g. sanct*)"
            )


def _check_meaning(tokens: list[_Token]) -> None:
    """Reject queries whose words all vanish in analysis (stop words, punctuation)."""
    after_field = False
    for tok in tokens:
        if tok.kind == "field":
            after_field = True
            continue
        if after_field:
            # Field values (actor:"The Who", country:US) are matched whole, not analysed.
            after_field = tok.kind == "open"
            if tok.kind in ("word", "quote"):
                return
            continue
        if tok.kind in ("word", "quote") and _has_content(tok.text):
            return
    raise QueryError(
        "query has only common words or punctuation (like 'the', 'of'), "
        "which match nothing: add a meaningful word"
    )


def _has_content(text: str) -> bool:
    # The analyser's token pattern: "U.S." is one word ("u.s"), not two letters.
    words = re.findall(r"\w+(?:\.?\w+)*", text.lower())
    # Backends drop one-letter words too (minimum token length 2).
    return any(len(w) >= 2 and w not in STOP_WORDS for w in words)


def _render(tokens: list[_Token]) -> str:
    parts: list[str] = []
    glue = False
    for tok in tokens:
        text = tok.text.lower() if tok.kind == "field" else tok.text
        if glue or (parts and tok.kind == "close") or (parts and parts[-1].endswith("(")):
            parts[-1] += text
        else:
            parts.append(text)
        glue = tok.kind == "field"
    return " ".join(parts)
