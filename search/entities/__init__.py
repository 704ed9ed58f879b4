"""Entity extraction: actors, countries and dates from one spaCy NER pass per article.

``import search.entities`` does not import spaCy (only :mod:`search.entities.nlp` does, and
lazily), so the serving path can use :func:`corpus_aliases` and
:mod:`search.entities.countries` without loading a model.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence

from search.entities import nlp
from search.entities.actors import extract_actors, qualify_institutions
from search.entities.corpus import corpus_aliases
from search.entities.countries import (
    body_dateline,
    body_dateline_span,
    country_name,
    dateline_country,
    extract_countries,
    resolve_country,
)
from search.entities.dates import extract_dates
from search.entities.lines import LineIndex
from search.extraction_version import VERSION
from search.models import Article, CountryMention, Entities

__all__ = [
    "VERSION",
    "corpus_aliases",
    "country_name",
    "entities_from_spans",
    "extract",
    "extract_many",
    "ner_text",
    "resolve_country",
]


def _build(article: Article, text: str, spans: tuple[nlp.EntSpan, ...]) -> Entities:
    rows = [(s.label, s.start, s.end, s.text) for s in spans]
    lines = LineIndex(text)
    actors, people_spans = extract_actors(text, rows, lines, source=article.source)
    headings = frozenset((s, e) for _, s, e, _ in rows if lines.line_of(s).heading)
    places = extract_countries(
        text, rows, article.dateline, people_spans, headings, published=article.published
    )
    home = _home_country(article, text, places)
    actors = qualify_institutions(actors, text, home, article.published)
    dates = extract_dates(text, rows, article.published)
    return Entities(actors=actors, countries=places, dates=dates)


def _home_country(article: Article, text: str, places: Sequence[CountryMention]) -> str | None:
    """The story's own country: its dateline's, else the one it names clearly most."""
    given = dateline_country(article.dateline, article.published)
    if given:
        return given[0]
    opening = body_dateline(text, article.published)
    if opening:
        return opening[2]
    ranked = sorted(places, key=lambda p: -len(p.mentions))
    if ranked and (len(ranked) == 1 or len(ranked[0].mentions) > len(ranked[1].mentions)):
        return ranked[0].code
    return None


def entities_from_spans(article: Article, spans: tuple[nlp.EntSpan, ...]) -> Entities:
    """What :func:`extract` does after NER, given the NER spans of
    :func:`ner_text` of ``article.text``."""
    return _build(article, article.text, spans)


def extract(article: Article) -> Entities:
    """Actors, countries and dates of one article; offsets refer to ``article.text``."""
    text = article.text
    return _build(article, text, nlp.ner(ner_text(text)))


def ner_text(text: str) -> str:
    """The text NER reads: ``text`` with a dateline that opens its body blanked out (same
    length, so offsets hold). Read through it, NER takes the name after the dash for part
    of a date or of the place ("March 30 - Tenneco Inc said" gave no Tenneco); the .sgm
    reader keeps the dateline apart, and the countries read it from the text itself. The
    blank ends in a line break: after spaces alone NER still missed the first name
    ("Comdata Network Inc said"), as if the sentence had no start."""
    span = body_dateline_span(text)
    if span is None:
        return text
    start, end = span
    return text[:start] + " " * (end - start - 1) + "\n" + text[end:]


def extract_many(articles: Iterable[Article], batch_size: int = 64) -> Iterator[Entities]:
    """Same as :func:`extract` for many articles, batched through ``nlp.pipe``, in order."""
    # Two passes over the input would consume a generator; pair each text with its article.
    pending: deque[Article] = deque()

    def texts() -> Iterator[str]:
        for article in articles:
            pending.append(article)
            yield ner_text(article.text)

    for spans in nlp.ner_many(texts(), batch_size=batch_size):
        article = pending.popleft()
        yield _build(article, article.text, spans)
