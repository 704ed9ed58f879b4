"""HTML snippets for the shown hits: escaped text with ``<mark>`` around matched words.

Only the hits on the page get a snippet, built from the stored body. Words are found the
way the index analysed them (Whoosh's tokenizer pattern, lower case, Porter stem), but
without Whoosh's highlighter: its token objects and fragment scoring cost ~2.5 ms per
hit, about as much as the whole rest of a query. Fragments follow Whoosh's
``ContextFragmenter`` idea: runs of nearby matches with some context either side, the
best two (most distinct words, then most matches) in document order, made one where
their context would overlap. Every match a fragment shows is marked.

Everything but the ``<mark>`` tags is HTML-escaped, so a body holding ``<script>`` is
shown as text. Adjacent matches (the words of a phrase) share one ``<mark>``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import lru_cache

from whoosh.analysis.tokenizers import default_pattern
from whoosh.lang.porter import stem

from search.backends.shared import lead

SNIPPET_CHARS = 200  # per fragment
SURROUND = 60  # context before the first / after the last match of a fragment
FRAGMENTS = 2
# Only a window of the body around the first likely match is scanned.
WINDOW_CHARS = 1_500
WINDOW_LEAD = 300
_BETWEEN = " "  # a cut fragment already ends or starts with an ellipsis


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return stem(word)


def snippet(text: str, words: Iterable[str]) -> str:
    """Best fragments of ``text`` with the analysed query ``words`` marked, else its lead."""
    wordset = frozenset(words)
    if not wordset or not text:
        return lead(text)
    start = _window_start(text, wordset)
    matches = _matches(text, start, wordset)
    if not matches:
        return lead(text)
    out = ""
    groups = _joined(_best_groups(text, matches))
    for i, group in enumerate(groups):
        # A fragment stops where the next one starts, so no text is shown twice.
        stop = groups[i + 1][0][0] - SURROUND if i + 1 < len(groups) else len(text)
        part = _render(text, group, max(stop, group[-1][1]), matches)
        if out:
            # One ellipsis between two cut fragments, not two.
            out += _BETWEEN + (part[2:] if out.endswith("…") and part.startswith("… ") else part)
        else:
            out = part
    return out


def _matches(text: str, start: int, words: frozenset[str]) -> list[tuple[int, int, str]]:
    """``(start, end, word)`` of every token in the window whose analysed form is a query word."""
    found = []
    for m in default_pattern.finditer(text, start, start + WINDOW_CHARS):
        token = m.group().lower()
        if len(token) < 2:
            continue
        if token in words:
            found.append((m.start(), m.end(), token))
        else:
            stemmed = _stem(token)
            if stemmed in words:
                found.append((m.start(), m.end(), stemmed))
    return found


def _best_groups(
    text: str, matches: list[tuple[int, int, str]]
) -> list[list[tuple[int, int, str]]]:
    """Matches grouped into fragment-sized runs; the best ``FRAGMENTS`` in text order."""
    groups: list[list[tuple[int, int, str]]] = []
    for match in matches:
        if groups and match[1] - groups[-1][0][0] <= SNIPPET_CHARS - 2 * SURROUND:
            groups[-1].append(match)
        else:
            groups.append([match])
    ranked = sorted(
        range(len(groups)),
        key=lambda i: (-len({m[2] for m in groups[i]}), -len(groups[i]), i),
    )
    return [groups[i] for i in sorted(ranked[:FRAGMENTS])]


def _joined(groups: list[list[tuple[int, int, str]]]) -> list[list[tuple[int, int, str]]]:
    """Groups whose fragments would overlap made one, so no text is shown twice."""
    out = [groups[0]]
    for group in groups[1:]:
        last = out[-1]
        reach = max(last[-1][1] + SURROUND, last[0][0] - SURROUND + SNIPPET_CHARS)
        if group[0][0] - SURROUND <= reach:
            out[-1] = last + group
        else:
            out.append(group)
    return out


def _render(
    text: str, group: list[tuple[int, int, str]], stop: int, matches: list[tuple[int, int, str]]
) -> str:
    """One fragment ending by ``stop``: context, escaped text and marks, ellipses at cuts.

    The fragment is placed around ``group``; every one of ``matches`` that its context
    shows is marked too, so no query word is shown unmarked.
    """
    begin = max(0, group[0][0] - SURROUND)
    end = min(stop, len(text), max(group[-1][1] + SURROUND, begin + SNIPPET_CHARS))
    if begin > 0:  # start at a word boundary
        space = text.find(" ", begin, group[0][0])
        begin = space + 1 if space >= 0 else begin
    if end < len(text):
        space = text.rfind(" ", group[-1][1], end)
        end = space if space >= 0 else end
    out = ["… "] if begin > 0 else []
    pos = begin
    for m_start, m_end, _word in (m for m in matches if begin <= m[0] and m[1] <= end):
        gap = text[pos:m_start]
        if out and out[-1] == "</mark>" and gap.isspace():
            out.pop()  # extend the previous mark over the gap: a phrase reads as one
            out.append(html.escape(gap, quote=False))
        else:
            out.append(html.escape(gap, quote=False))
            out.append("<mark>")
        out.append(html.escape(text[m_start:m_end], quote=False))
        out.append("</mark>")
        pos = m_end
    out.append(html.escape(text[pos:end], quote=False))
    if end < len(text):
        out.append(" …")
    return "".join(out)


def _window_start(text: str, words: frozenset[str]) -> int:
    """Where to start scanning: a little before the first word starting with a query stem.

    Stems are nearly always prefixes of the words they come from ("sanction" of
    "sanctions"); when none is found the window starts at the beginning.
    """
    if len(text) <= WINDOW_CHARS:
        return 0
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    found = re.search(rf"\b(?:{alternatives})", text, re.IGNORECASE)
    if found is None or found.start() < WINDOW_LEAD:
        return 0
    space = text.rfind(" ", 0, found.start() - WINDOW_LEAD)
    return space + 1 if space >= 0 else 0
