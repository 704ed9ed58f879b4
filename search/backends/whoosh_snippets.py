"""HTML snippets for the shown hits: escaped text with ``<mark>`` around matched terms.

Only the hits on the page are highlighted, from their stored body, by re-analysing at
most ``CHAR_LIMIT`` characters (cheaper than storing term vectors for every document).
Everything but the ``<mark>`` tags is HTML-escaped, so a body holding ``<script>`` is
shown as text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from whoosh import highlight

from search.backends.whoosh_schema import TEXT_ANALYZER

SNIPPET_CHARS = 200
CHAR_LIMIT = 20_000
FRAGMENTS = 2
_ADJACENT_MARKS = re.compile(r"</mark>(\s+)<mark>")


class _MarkFormatter(highlight.Formatter):
    """Escapes text and wraps matches in <mark>; joins fragments with an ellipsis."""

    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text, quote=False)

    def format_token(self, text: str, token: highlight.Token, replace: bool = False) -> str:
        return (
            "<mark>"
            + html.escape(highlight.get_text(text, token, replace), quote=False)
            + ("</mark>")
        )

    def format_fragment(self, fragment: highlight.Fragment, replace: bool = False) -> str:
        out = super().format_fragment(fragment, replace=replace)
        # Words of a phrase (or neighbouring matches) read as one highlighted run.
        out = _ADJACENT_MARKS.sub(r"\1", out)
        prefix = "… " if fragment.startchar > 0 else ""
        suffix = " …" if fragment.endchar < len(fragment.text) else ""
        return prefix + out + suffix


_FORMATTER = _MarkFormatter()
_SCORER = highlight.BasicFragmentScorer()


def lead(text: str, chars: int = SNIPPET_CHARS) -> str:
    """The first ``chars`` characters, cut at a word boundary, escaped."""
    text = " ".join(text[: chars * 2].split())
    if len(text) > chars:
        cut = text.rfind(" ", 0, chars)
        text = text[: cut if cut > chars // 2 else chars] + " …"
    return html.escape(text, quote=False)


def snippet(text: str, words: Iterable[str]) -> str:
    """Best fragments of ``text`` with the analysed query ``words`` marked, else its lead."""
    wordset = frozenset(words)
    if not wordset or not text:
        return lead(text)
    fragmenter = highlight.ContextFragmenter(
        maxchars=SNIPPET_CHARS, surround=60, charlimit=CHAR_LIMIT
    )
    tokens = TEXT_ANALYZER(text, positions=True, chars=True, mode="index", removestops=False)
    tokens = highlight.set_matched_filter(tokens, wordset)
    fragments = fragmenter.fragment_tokens(text, tokens)
    best = highlight.top_fragments(fragments, FRAGMENTS, _SCORER, highlight.FIRST, minscore=1)
    if not best:
        return lead(text)
    out: str = _FORMATTER.format(best)
    return out
