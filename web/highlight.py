"""The article page's text as HTML: entity marks, the search's words marked, subheadings.

Everything from the article goes through ``escape``; the only markup is ours: ``<mark>``
around entities (classed by type) and around the words of the search the reader came
from (``class="q"``), and ``<h2 class="subhead">`` for a line the cleaned text kept as a
subheading.

Which words count as the search's is decided here, for every engine alike: a body word
matches a query word when both fold to the same form (lower case, a few English endings
dropped: "strikes" and "striking" fold like "strike"), or starts with a wildcard's
letters. Close to what the engines match, not identical (Whoosh stems with Porter,
Typesense does not stem): a marked word is always one the reader searched for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from markupsafe import Markup, escape

from search.models import MarkedSpan
from search.query import TEXT_FIELDS, WORD_PATTERN, Query, analysed_words

SPAN_TYPES = ("person", "org", "country", "date")
_WORD = re.compile(WORD_PATTERN)
# Endings dropped before comparing words, longest first (the word keeps 3+ letters).
_ENDINGS = ("ings", "ing", "ies", "ied", "es", "ed", "s", "e", "y")
# A subheading: a short line, no sentence punctuation at its end, between two paragraphs.
MAX_SUBHEAD_CHARS = 80
MAX_SUBHEAD_WORDS = 12
MIN_PARAGRAPH_CHARS = 60
_SENTENCE_END = tuple('.!?,;:"”’)…-–—')

Matcher = Callable[[str], bool]


def fold(word: str) -> str:
    """``word`` lower-cased without a possessive or a common English ending."""
    word = word.lower().removesuffix("'s").removesuffix("’s")
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def query_matcher(query: Query) -> Matcher | None:
    """A test of text words for the searched words of ``query`` (not those after NOT,
    nor actor:/country:/source:/mentioned: values); None when there are none."""
    exact: set[str] = set()
    prefixes: list[str] = []
    negated = False
    for tok in query.tokens:
        if tok.kind == "op":
            negated = tok.text in ("NOT", "ANDNOT")
            continue
        if tok.kind not in ("word", "phrase"):
            continue
        skip = negated or (tok.field is not None and tok.field not in TEXT_FIELDS)
        negated = False
        if skip:
            continue
        if tok.is_wildcard:
            stem = re.split(r"[*?]", tok.text.lower(), maxsplit=1)[0]
            if len(stem) >= 2:
                prefixes.append(stem)
            continue
        exact.update(fold(w) for w in analysed_words(tok.text))
    if not exact and not prefixes:
        return None
    wanted = tuple(prefixes)

    def matches(word: str) -> bool:
        lower = word.lower()
        return fold(lower) in exact or (bool(wanted) and lower.startswith(wanted))

    return matches


def mark_words(text: str, matcher: Matcher | None) -> Markup:
    """``text`` escaped, each word ``matcher`` accepts in ``<mark class="q">``."""
    if matcher is None:
        return escape(text)
    out: list[str] = []
    pos = 0
    for m in _WORD.finditer(text):
        if matcher(m.group()):
            out.append(escape(text[pos : m.start()]))
            out.append(Markup('<mark class="q">{}</mark>').format(m.group()))
            pos = m.end()
    out.append(escape(text[pos:]))
    return Markup("".join(out))


def article_html(
    text: str,
    spans: Iterable[MarkedSpan],
    start: int = 0,
    matcher: Matcher | None = None,
    labels: dict[str, str] | None = None,
) -> Markup:
    """``text[start:]`` as HTML, line by line: entity spans in ``<mark class="ent ...">``
    (spans outside the text, overlapping an earlier one or crossing a line are skipped,
    not trusted), the search's words marked, subheadings as ``<h2 class="subhead">``."""
    labels = labels or {}
    ordered = sorted(
        (s for s in spans if s.type in SPAN_TYPES and start <= s.start < s.end <= len(text)),
        key=lambda s: (s.start, -s.end),
    )
    lines = _lines(text, start)
    heads = subheadings([text[a:b] for a, b in lines])
    out: list[str] = []
    k = 0
    for i, (a, b) in enumerate(lines):
        pieces: list[str] = []
        pos = a
        while k < len(ordered) and ordered[k].start < b:
            span = ordered[k]
            k += 1
            if span.start < pos or span.end > b:
                continue
            pieces.append(mark_words(text[pos : span.start], matcher))
            title = f"{span.type}: {labels.get(span.value, span.value)}"
            inner = mark_words(text[span.start : span.end], matcher)
            pieces.append(
                Markup('<mark class="ent ent-{}" title="{}">{}</mark>').format(
                    span.type, title, inner
                )
            )
            pos = span.end
        pieces.append(mark_words(text[pos:b], matcher))
        line = "".join(pieces)
        if i in heads:
            out.append(f'<h2 class="subhead">{line}</h2>')
        else:
            out.append(line + ("\n" if i + 1 < len(lines) and i + 1 not in heads else ""))
    return Markup("".join(out))


def _lines(text: str, start: int) -> list[tuple[int, int]]:
    """``(start, end)`` of each line of ``text[start:]`` (without its newline)."""
    out = []
    pos = start
    while pos <= len(text):
        end = text.find("\n", pos)
        if end < 0:
            out.append((pos, len(text)))
            break
        out.append((pos, end))
        pos = end + 1
    return out


def subheadings(lines: list[str]) -> set[int]:
    """Indexes of the lines that read as subheadings: short, no sentence punctuation at
    the end, starting with a capital or digit, with a paragraph of prose before and after
    (blank lines between them skipped). Table rows and lists sit among short lines, so
    they never qualify; the first line (often a dateline or standfirst) never does."""

    def prose(j: int, step: int) -> bool:
        while 0 <= j < len(lines) and not lines[j].strip():
            j += step
        if not 0 <= j < len(lines):
            return False
        line = lines[j].strip()
        return len(line) >= MIN_PARAGRAPH_CHARS and line.endswith(_SENTENCE_END)

    heads = set()
    for i, raw in enumerate(lines):
        line = raw.strip()
        if i == 0 or not line or len(line) > MAX_SUBHEAD_CHARS:
            continue
        if len(line.split()) > MAX_SUBHEAD_WORDS or line.endswith(_SENTENCE_END):
            continue
        if ": " in line:  # "Read more: …", "Related: …", "Q: …": links and labels
            continue
        if not (line[0].isupper() or line[0].isdigit()):
            continue
        if prose(i - 1, -1) and prose(i + 1, 1):
            heads.add(i)
    return heads
