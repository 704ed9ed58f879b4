"""Entity extraction: actors, countries and dates from one spaCy NER pass per article.

``import search.entities`` does not import spaCy (only :mod:`search.entities.nlp` does, and
lazily), so the serving path can use :func:`corpus_aliases` and
:mod:`search.entities.countries` without loading a model.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

from search.entities import nlp
from search.entities.actors import corpus_aliases, extract_actors
from search.entities.countries import country_name, extract_countries, resolve_country
from search.entities.dates import extract_dates
from search.entities.lines import LineIndex
from search.models import Article, Entities

__all__ = [
    "VERSION",
    "corpus_aliases",
    "country_name",
    "extract",
    "extract_many",
    "resolve_country",
]

# Changes whenever extraction gives different output for the same article, so a cache of
# extracted entities (search.cache) can key on it and drop stale results.
VERSION = "2026-11-27.4"


def _build(article: Article, text: str, spans: tuple[nlp.EntSpan, ...]) -> Entities:
    rows = [(s.label, s.start, s.end, s.text) for s in spans]
    lines = LineIndex(text)
    actors, people_spans = extract_actors(text, rows, lines)
    headings = frozenset((s, e) for _, s, e, _ in rows if lines.line_of(s).heading)
    places = extract_countries(text, rows, article.dateline, skip=people_spans, headings=headings)
    dates = extract_dates(text, rows, article.published)
    return Entities(actors=actors, countries=places, dates=dates)


def extract(article: Article) -> Entities:
    """Actors, countries and dates of one article; offsets refer to ``article.text``."""
    text = article.text
    return _build(article, text, nlp.ner(text))


def extract_many(articles: Iterable[Article], batch_size: int = 64) -> Iterator[Entities]:
    """Same as :func:`extract` for many articles, batched through ``nlp.pipe``, in order."""
    # Two passes over the input would consume a generator; pair each text with its article.
    pending: deque[Article] = deque()

    def texts() -> Iterator[str]:
        for article in articles:
            pending.append(article)
            yield article.text

    for spans in nlp.ner_many(texts(), batch_size=batch_size):
        article = pending.popleft()
        yield _build(article, article.text, spans)
