""" "Did you mean" on Whoosh: a word of the index's vocabulary for each unknown query word.

The choice among candidates is the rule both engines share (``search.backends.spelling``).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from search.backends import spelling
from search.backends.whoosh.schema import TEXT_ANALYZER, WORDS_FIELD

# Articles read to find how the archive writes a suggested word ("OPEC", not "opec").
SPELLING_SAMPLE = 20


def suggest(searcher: Any, parsed: Any, q_text: str) -> str | None:
    """``q_text`` with each word unknown to the body replaced by the word of the archive
    it most likely means (``search.backends.spelling``), as the archive spells it.

    Candidates come from the index's vocabulary (``words``: unstemmed words of titles and
    bodies) within one, then two edits, first letter fixed (how most typos look, and it
    keeps the lookup fast).
    """
    reader = searcher.reader()
    spans: dict[tuple[int, int], str] = {}
    for token in parsed.all_tokens():
        if token.fieldname != "body" or ("body", token.text) in reader:
            continue
        if token.startchar is None or token.endchar is None:
            continue
        surface = q_text[token.startchar : token.endchar].lower()
        found = _closest_word(searcher, surface)
        if found:
            spans[(token.startchar, token.endchar)] = found
    if not spans:
        return None
    out = q_text
    for (start, end), word in sorted(spans.items(), reverse=True):
        out = out[:start] + word + out[end:]
    return out


def _closest_word(searcher: Any, word: str) -> str | None:
    """The vocabulary word ``word`` most likely means, in the archive's spelling."""
    reader = searcher.reader()
    if WORDS_FIELD not in reader.schema:
        return None
    for maxdist in (1, spelling.MAX_EDITS):
        found = {w for w in reader.terms_within(WORDS_FIELD, word, maxdist, prefix=1) if w != word}
        candidates = [
            spelling.Candidate(w, spelling.edit_distance(word, w), _body_frequency(reader, w))
            for w in found
        ]
        chosen = spelling.best(word, candidates)
        if chosen is not None:
            return spelling.surface_form(chosen.word, _spellings(searcher, chosen.word))
    return None


def _body_frequency(reader: Any, word: str) -> int:
    """Documents whose body holds ``word`` (through its stem), 0 for a stop word."""
    stems = [t.text for t in TEXT_ANALYZER(word)]
    return reader.doc_frequency("body", stems[0]) if stems else 0


def _spellings(searcher: Any, word: str) -> Counter[str]:
    """How the first ``SPELLING_SAMPLE`` articles with ``word`` write it inside a sentence
    ("OPEC", "Opec", "wheat"; every occurrence when it is never inside one)."""
    stems = [t.text for t in TEXT_ANALYZER(word)]
    seen: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    if not stems:
        return seen
    pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
    reader = searcher.reader()
    postings = reader.postings("body", stems[0])
    for i, docnum in enumerate(postings.all_ids()):
        if i >= SPELLING_SAMPLE:
            break
        stored = searcher.stored_fields(docnum)
        text = str(stored.get("body", ""))
        for m in pattern.finditer(text):
            anywhere[spelling.uncapitalised(m.group())] += 1
            if spelling.mid_sentence(text, m.start()):
                seen[m.group()] += 1
    return seen or anywhere
