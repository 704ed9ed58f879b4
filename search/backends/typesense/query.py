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
``oils``); ``title:``/``body:`` search both fields; ``a ANDMAYBE b`` is ``a``; boosts
(``oil^2``) are ignored; Typesense drops the dots of ``U.S.`` so it also finds ``US`` and
``us``. What cannot be expressed is refused with a ``QueryError`` (HTTP 400, a message of
``search.query.MESSAGES``) naming the construct: ``OR``, ``NOT`` before a phrase,
parentheses or several words, ``?`` or more than one ``*`` wildcard.
Pure functions over the tokens of ``search.query``: no ``typesense`` import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from search.backends.typesense.schema import COPY_KEY, FACET_STORAGE, STORY_KEY, exact_key, fold_key
from search.errors import QueryError
from search.facets import FACETS
from search.models import SearchRequest
from search.query import Query, Token, country_code, query_error

FILTER_FIELDS = {
    "actor": "actor_fold",
    "country": "countries",
    "source": "source_fold",
    "mentioned": "dates_mentioned",
}


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


def translate(query: Query) -> TypesenseQuery:
    """Typesense parameters for a parsed query (``*`` and no filters for an empty one).

    Words are sent as the analysers cut them (``search.query.analysed_words``): stop words
    and one-letter words dropped, ``U.S.`` kept as one word (Typesense then reads it as
    ``us``), a leading ``-`` (exclusion to Typesense, a dash in Dateline) gone.
    """
    out = TypesenseQuery()
    words: list[str] = []
    wildcard: str | None = None
    negate = False
    tokens = query.tokens
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if tok.kind == "op":
            if tok.text == "OR":
                raise _unsupported("OR")
            if tok.text == "ANDMAYBE":
                # Its right side only changes ranking in Whoosh: leave it out.
                i = _after_operand(tokens, i)
            elif tok.text in ("NOT", "ANDNOT"):
                negate = not negate
            continue
        if tok.kind == "open":
            if negate:
                raise _unsupported("NOT before parentheses")
            if tok.field:
                raise _unsupported(f"{tok.field}:( … )")
            continue
        if tok.kind == "close":
            continue
        if tok.field in FILTER_FIELDS:
            out.filters.append(_field_filter(tok, negate))
        elif tok.is_wildcard:  # title:/body: words are searched in both fields, as others
            text = tok.text
            if negate or "?" in text or not text.endswith("*") or text.count("*") > 1:
                raise _unsupported(f"wildcard {text!r}", tip=" (use word*)")
            if wildcard is not None:
                raise _unsupported("more than one wildcard word")
            wildcard = text[:-1].lower()
        elif negate:
            words.extend(_negated(tok))
        else:
            words.extend(_words(tok))
        negate = False
    if wildcard:
        # Typesense prefix-matches only the last query word.
        words.append(wildcard)
        out.prefix = True
    positive = [w for w in words if not w.startswith("-")]
    if positive:
        out.q = " ".join(words)
    elif words:
        # Typesense needs something to match before it can exclude: everything.
        raise _unsupported("a query made only of NOT terms")
    return out


def _unsupported(construct: str, tip: str = "") -> QueryError:
    return query_error("unsupported", construct=construct, engine="Typesense", tip=tip)


def _after_operand(tokens: tuple[Token, ...], i: int) -> int:
    """The index after the operand starting at ``tokens[i]`` (a ``NOT``, then a word, a
    phrase or a whole group)."""
    while i < len(tokens) and tokens[i].kind == "op":  # NOT before the operand
        i += 1
    depth = 0
    while i < len(tokens):
        kind = tokens[i].kind
        depth += (kind == "open") - (kind == "close")
        i += 1
        if depth == 0:
            break
    return i


def _words(tok: Token) -> list[str]:
    if not tok.words:  # only stop words or punctuation: the analysers drop it all
        return []
    if tok.kind == "phrase":
        return ['"' + " ".join(tok.text.split()) + '"']
    return list(tok.words)


def _negated(tok: Token) -> list[str]:
    if tok.kind == "phrase":
        raise _unsupported("NOT before a phrase")
    if len(tok.words) > 1:
        raise _unsupported(f"NOT before {tok.text!r}, several words", tip=" (exclude one word)")
    return ["-" + w for w in tok.words]  # nothing to exclude for a stop word, as in Whoosh


def _field_filter(tok: Token, negate: bool) -> str:
    name, value = tok.field or "", tok.text
    if name == "country":
        value = country_code(value) or value
    elif name in ("actor", "source"):
        value = fold_key(value)
    return f"{FILTER_FIELDS[name]}:{'!=' if negate else '='}{quote(value)}"


def request_filters(request: SearchRequest) -> list[str]:
    """``filter_by`` clauses of the request's facet and date filters.

    A facet that narrows gets one clause per value (ANDed), one that widens one clause
    matching any value; excluded values one ``!=`` clause; dates are inclusive days and
    exclude undated articles.
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
        # Exclusions: an article holding any excluded value is dropped.
        left_out = [fold_key(v) if fields.spellings else quote(v) for v in spec.excluded(request)]
        if left_out:
            clauses.append(f"{fields.counted}:!=[" + ",".join(left_out) + "]")
    # A document has one story and one copy group: two different values keep nothing.
    clauses += [f"{STORY_KEY}:={exact_key(v)}" for v in request.stories]
    clauses += [f"{COPY_KEY}:={exact_key(v)}" for v in request.copy_groups]
    if request.date_from or request.date_to:
        low = request.date_from.toordinal() if request.date_from else 0
        high = request.date_to.toordinal() if request.date_to else date.max.toordinal()
        clauses.append(f"day_n:[{low}..{high}]")
    return clauses
