""" "Did you mean" on Typesense: the words its typo tolerance finds, chosen like Whoosh's.

Two round trips, only when a query finds fewer than ``SUGGEST_BELOW`` articles: for each
plain query word, a search for the word exactly (is it in the archive at all?) and one
with typos allowed, whose highlights name the words of the articles that matched
("OPEC" for "opek"); then the number of articles of each candidate word, exactly. The
choice is the rule both engines share (``search.backends.spelling``), and the word is
offered as the articles write it.

Pure functions over the searches and their answers, plus ``suggest``, which takes the
backend's "several searches" callable: no ``typesense`` import.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from search.backends import spelling
from search.query import MIN_WORD_CHARS, STOP_WORDS, Query

SUGGEST_BELOW = 3
# Query words looked at (a long query of typos costs no more than this).
MAX_WORDS = 4
# Articles whose highlights are read for candidate words, per query word.
TYPO_HITS = 30
# Candidate words whose frequency is asked, per query word.
MAX_CANDIDATES = 8

Many = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
_PLAIN = re.compile(r"^[^\W\d_]+$")
_MARKED = re.compile(r"<mark>(.*?)</mark>")


def plain_words(query: Query) -> list[str]:
    """The query's plain words (no field, no wildcard, not after NOT),
    lower case, in order, each once: the ones a correction may replace."""
    out: list[str] = []
    negated = False
    for tok in query.tokens:
        if tok.kind == "op":
            negated = tok.text in ("NOT", "ANDNOT")
            continue
        if tok.kind != "word":
            negated = False
            continue
        word = tok.text.lower()
        field_ok = tok.field is None
        if field_ok and not negated and not tok.is_wildcard and _PLAIN.match(word):
            if len(word) >= MIN_WORD_CHARS and word not in STOP_WORDS and word not in out:
                out.append(word)
        negated = False
    return out[:MAX_WORDS]


def _count(word: str) -> dict[str, Any]:
    return {
        "q": word,
        "query_by": "title,body",
        "num_typos": 0,
        "typo_tokens_threshold": 0,
        "drop_tokens_threshold": 0,
        "prefix": "false",
        "per_page": 0,
    }


def _typos(word: str) -> dict[str, Any]:
    return {
        "q": word,
        "query_by": "title,body",
        "num_typos": spelling.MAX_EDITS,
        "typo_tokens_threshold": TYPO_HITS,
        "drop_tokens_threshold": 0,
        "prefix": "false",
        "per_page": TYPO_HITS,
        "include_fields": "id",
        "highlight_fields": "title,body",
        "highlight_affix_num_tokens": 1,
    }


def matched_words(answer: dict[str, Any]) -> Counter[str]:
    """The words of the articles a typo-tolerant search matched, as written inside a
    sentence of a body (every occurrence when none is), counted."""
    seen: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    for hit in answer.get("hits") or ():
        for highlight in hit.get("highlights") or ():
            for token in highlight.get("matched_tokens") or ():
                tokens = token if isinstance(token, list) else [token]
                anywhere.update(
                    spelling.uncapitalised(str(t)) for t in tokens if _PLAIN.match(str(t))
                )
            if highlight.get("field") != "body":
                continue
            snippet = str(highlight.get("snippet") or "")
            for m in _MARKED.finditer(snippet):
                if _PLAIN.match(m.group(1)) and spelling.mid_sentence(snippet, m.start()):
                    seen[m.group(1)] += 1
    return seen or anywhere


def suggest(many: Many, query: Query) -> str | None:
    """``query.text`` with each plain word no article has replaced by the archive word it
    most likely means, or None when there is nothing to correct."""
    words = plain_words(query)
    if not words:
        return None
    first = many([search for w in words for search in (_count(w), _typos(w))])
    unknown: dict[str, Counter[str]] = {}
    for i, word in enumerate(words):
        if int(first[2 * i].get("found") or 0) == 0:
            unknown[word] = matched_words(first[2 * i + 1])
    pools: dict[str, list[str]] = {}
    for word, seen in unknown.items():
        forms = {form.lower() for form in seen} - {word}
        close = [w for w in forms if spelling.edit_distance(word, w) <= spelling.MAX_EDITS]
        pools[word] = sorted(close, key=lambda w: -seen_total(seen, w))[:MAX_CANDIDATES]
    asked = [w for pool in pools.values() for w in pool]
    if not asked:
        return None
    answers = many([_count(w) for w in asked])
    counts = {w: int(a.get("found") or 0) for w, a in zip(asked, answers, strict=True)}
    fixes: dict[str, str] = {}
    for word, pool in pools.items():
        chosen = spelling.best(
            word,
            [spelling.Candidate(w, spelling.edit_distance(word, w), counts[w]) for w in pool],
        )
        if chosen is not None:
            fixes[word] = spelling.surface_form(chosen.word, unknown[word])
    if not fixes:
        return None
    return re.sub(
        r"(?<![\w:])[^\W\d_]+(?![\w*?])",
        lambda m: fixes.get(m.group().lower(), m.group()),
        query.text,
    )


def seen_total(seen: Counter[str], word: str) -> int:
    """Occurrences of ``word`` in any case among ``seen``."""
    return sum(n for form, n in seen.items() if form.lower() == word)
