"""What story assignment reads of an IndexDocument: counts per field, its main person, its day.

Entities were extracted at index time; nothing here runs NER. Fields:

* ``w``: words of the title and body (letters first, two characters or more, and four-digit
  years), case-folded: what the article is about;
* ``n``: numbers (``23``, ``5.6``, ``200,000``): two events of one kind differ in their
  tolls, scores and sums even where their words agree;
* ``a``: actors (canonical names), ``c``: countries;
* ``y``: the years the article is about: its publication year, else the years it mentions
  (ECB+ has no publication dates, and the two events of a topic are often years apart).

The main person is the person mentioned most, at least twice: the singer in one rehab
story, the actor in the other. It is compared by surname, so a later "Quinlan" alone
matches "Mara Quinlan".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from search.models import IndexDocument
from search.stories.text import words

FIELDS = ("w", "n", "a", "c", "y")
# Two characters or more: a lone letter is skipped by the pattern itself (it is followed
# by no word character, so the search goes on after it as it would after a match).
_TERM = re.compile(r"[^\W\d_][\w'-]+|\b\d{4}\b")
_NUMBER = re.compile(r"\b\d[\d.,]*\d\b|\b\d\b")
# Name endings that are no surname ("Arcade Joseph Comeaux Jr.").
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


@dataclass(frozen=True, slots=True)
class DocFeatures:
    """Raw counts per field (``{field: {key: count}}``) and the facts the conflict rules use."""

    counts: dict[str, dict[str, int]]
    main_person: str | None  # surname key of the most mentioned person (>= 2 mentions)
    persons: frozenset[str]  # surname keys of every person actor
    vocabulary: frozenset[str]  # every word of the text, case-folded
    day: int | None  # proleptic ordinal of the publication date


def surname(name: str) -> str | None:
    """The key a person is compared by: the last word of the name, case-folded."""
    parts = [w for w in words(name) if len(w) > 1 and not w.isdigit() and w not in _SUFFIXES]
    return parts[-1] if parts else None


def doc_features(doc: IndexDocument, vocabulary: bool = True) -> DocFeatures:
    """The fields of one document (see the module docstring).

    ``vocabulary=False`` leaves its set of words empty (the largest part, only the conflict
    rules read it: :func:`vocabulary_of` gives it when they do).
    """
    text = doc.text
    folded = text.casefold()
    terms = Counter(_TERM.findall(folded))
    numbers = Counter(_NUMBER.findall(text))
    published = doc.published.date() if doc.published else None
    years = (
        {str(published.year): 1}
        if published
        else dict.fromkeys(sorted({d[:4] for d in doc.dates_mentioned}), 1)
    )
    persons = [a for a, k in zip(doc.actors, doc.actor_kinds, strict=False) if k == "person"]
    return DocFeatures(
        counts={
            "w": dict(terms),
            "n": dict(numbers),
            "a": dict.fromkeys(doc.actors, 1),
            "c": dict.fromkeys(doc.countries, 1),
            "y": years,
        },
        main_person=_main_person(doc),
        persons=frozenset(k for k in map(surname, persons) if k),
        vocabulary=frozenset(words(folded)) if vocabulary else frozenset(),
        day=_ordinal(published),
    )


def vocabulary_of(doc: IndexDocument, body_words: list[str] | None = None) -> frozenset[str]:
    """Every word of the document's text, case-folded (``body_words``: ``words(doc.body)``,
    if the caller has them: only the title's are then read)."""
    if body_words is None:
        return frozenset(words(doc.text.casefold()))
    if len(doc.text) == len(doc.body):  # the text is the body alone (see compose_text)
        return frozenset(body_words)
    # The text is the title, a blank line and the body: no word spans the blank line.
    return frozenset(words(doc.title.casefold())).union(body_words)


def _main_person(doc: IndexDocument) -> str | None:
    mentions = Counter(s.value for s in doc.spans if s.type == "person")
    if not mentions:
        return None
    # most_common keeps first-seen order on ties: the earlier mention wins, as a reader's would.
    name, count = mentions.most_common(1)[0]
    return surname(name) if count >= 2 else None


def _ordinal(day: date | None) -> int | None:
    return day.toordinal() if day else None
