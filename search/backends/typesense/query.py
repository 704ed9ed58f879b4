"""Dateline's query language (``search/query.py``) translated to Typesense 0.24 parameters.

Typesense 0.24 has no boolean query syntax. What translates exactly:

- words: ANDed (``drop_tokens_threshold=0``), searched in title (weight 2) and body, no
  typos, no prefix matching; stop words and one-letter words are dropped first, as the
  Whoosh analyser drops them (otherwise Typesense would require them);
- ``"exact phrase"`` (a Typesense phrase); ``NOT word`` / ``ANDNOT word`` (``-word``);
- ``actor:``, ``country:`` (code or name), ``source:``, ``mentioned:`` become filters
  (``NOT actor:X`` an exclusion filter); ``AND`` and parentheses around ANDed terms;
- one trailing wildcard ``sanct*`` (Typesense prefix-matches the last query word).

What differs, documented in docs/operations.md: no stemming (``oil`` does not find
``oils``); ``title:``/``body:`` search both fields; ``a ANDMAYBE b`` is ``a``. What cannot
be expressed is refused with a ``QueryError`` (HTTP 400) naming the construct: ``OR``,
``NOT`` before a phrase or parentheses, ``?`` or more than one ``*`` wildcard.
Pure functions: no ``typesense`` import.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from search.backends.typesense.schema import FACET_STORAGE, fold_key
from search.errors import QueryError
from search.facets import FACETS
from search.models import SearchRequest
from search.query import STOP_WORDS

_TOKEN = re.compile(
    r"""
    (?P<field>[^\W\d_][\w-]*:)(?=[\w"(*?])
    | (?P<quote>"[^"]*")
    | (?P<open>\()
    | (?P<close>\))
    | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)
FILTER_FIELDS = {
    "actor": "actor_fold",
    "country": "countries",
    "source": "source_fold",
    "mentioned": "dates_mentioned",
}
_HINT = "the Typesense backend cannot express it; search for the words without it"


@dataclass(slots=True)
class TypesenseQuery:
    """``q`` (``*`` for none), extra ``filter_by`` clauses and whether to prefix-match."""

    q: str = "*"
    filters: list[str] = field(default_factory=list)
    prefix: bool = False

    @property
    def has_text(self) -> bool:
        """Whether there is a full-text part (else only filters: browse order applies)."""
        return self.q != "*"


def quote(value: str) -> str:
    """A filter value in backticks (Typesense cannot escape a backtick: it is dropped)."""
    return "`" + value.replace("`", "") + "`"


def translate(q: str, resolve_country: Callable[[str], str | None] | None = None) -> TypesenseQuery:
    """Typesense parameters for a ``q`` already checked by ``validate_query``."""
    out = TypesenseQuery()
    words: list[str] = []
    wildcard: str | None = None
    tokens = [(m.lastgroup or "word", m.group(m.lastgroup or "word")) for m in _TOKEN.finditer(q)]
    negate = False
    skip_next = False
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        i += 1
        if skip_next:  # the optional side of ANDMAYBE only changes ranking in Whoosh
            skip_next = kind == "field"
            continue
        if kind == "word" and text in ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"):
            if text == "OR":
                raise QueryError(f"OR is not supported: {_HINT}")
            negate = text in ("NOT", "ANDNOT")
            skip_next = text == "ANDMAYBE"
            continue
        if kind in ("open", "close"):
            if negate:
                raise QueryError(f"NOT before parentheses is not supported: {_HINT}")
            continue
        if kind == "field":
            name = text[:-1].lower()
            value_kind, value = tokens[i] if i < len(tokens) else ("word", "")
            i += 1
            if value_kind == "open":
                raise QueryError(f"{name}:( … ) is not supported: {_HINT}")
            value = value.strip('"')
            if name in FILTER_FIELDS:
                out.filters.append(_field_filter(name, value, negate, resolve_country))
            else:  # title:/body: -> the words, searched in both fields
                kind, text = value_kind, value if value_kind == "word" else f'"{value}"'
                if negate:
                    words.append(_negated(kind, text))
                else:
                    words.extend(_words(kind, text))
            negate = False
            continue
        if "*" in text or "?" in text:
            if negate or "?" in text or not text.endswith("*") or text.count("*") > 1:
                raise QueryError(f"wildcard {text!r} is not supported: {_HINT} (use word*)")
            if wildcard is not None:
                raise QueryError(f"only one wildcard word per query is supported: {_HINT}")
            wildcard = text[:-1].lower()
            continue
        if negate:
            words.append(_negated(kind, text))
            negate = False
        else:
            words.extend(_words(kind, text))
    if wildcard:
        # Typesense prefix-matches only the last query word.
        words.append(wildcard)
        out.prefix = True
    positive = [w for w in words if not w.startswith("-")]
    if positive:
        out.q = " ".join(words)
    elif words:
        # Typesense needs something to match before it can exclude: everything.
        raise QueryError(f"a query made only of NOT terms is not supported: {_HINT}")
    return out


def _words(kind: str, text: str) -> list[str]:
    if kind == "quote":
        inner = " ".join(text.strip('"').split())
        return [f'"{inner}"'] if _content(inner) else []
    # A leading "-" would mean exclusion to Typesense; in Dateline it is just a dash.
    return [w for w in re.findall(r"[^\W_]+(?:[.'][^\W_]+)*", text) if _content(w)]


def _negated(kind: str, text: str) -> str:
    if kind == "quote":
        raise QueryError(f"NOT before a phrase is not supported: {_HINT}")
    words = _words(kind, text)
    if len(words) != 1:
        raise QueryError(f"NOT {text!r}: exclude one plain word at a time ({_HINT})")
    return "-" + words[0]


def _content(word: str) -> bool:
    tokens = re.findall(r"\w+", word.lower())
    return any(len(t) >= 2 and t not in STOP_WORDS for t in tokens)


def _field_filter(
    name: str, value: str, negate: bool, resolve_country: Callable[[str], str | None] | None
) -> str:
    if name == "country":
        code = value.upper() if len(value) == 2 else None
        if code is None and resolve_country is not None:
            code = resolve_country(value)
        value = code or value
    elif name in ("actor", "source"):
        value = fold_key(value)
    return f"{FILTER_FIELDS[name]}:{'!=' if negate else '='}{quote(value)}"


def request_filters(request: SearchRequest) -> list[str]:
    """``filter_by`` clauses of the request's facet and date filters.

    A facet that narrows gets one clause per value (ANDed), one that widens one clause
    matching any value; dates are inclusive days and exclude undated articles.
    """
    clauses: list[str] = []
    for spec in FACETS.values():
        fields = FACET_STORAGE[spec.doc_field]
        # Folded fields hold hex keys (one opaque token); codes are quoted as they are.
        keys = [fold_key(v) if fields.spellings else quote(v) for v in spec.selected(request)]
        if spec.narrows:
            clauses += [f"{fields.counted}:={key}" for key in keys]
        elif keys:
            clauses.append(f"{fields.counted}:=[" + ",".join(keys) + "]")
    if request.date_from or request.date_to:
        low = request.date_from.toordinal() if request.date_from else 0
        high = request.date_to.toordinal() if request.date_to else date.max.toordinal()
        clauses.append(f"day_n:[{low}..{high}]")
    return clauses
