"""A larger archive generated from a real one, for query benchmarks at 200,000 articles.

Each document of the source index is copied ``factor`` times. Copy k gets a new id, its
publication date shifted by k years and its paragraphs rotated by k, so copies differ in
date facets, snippets and BM25 statistics but keep real text and real entity fields
(extraction is not re-run: this measures search, not NER).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime

from search.models import IndexDocument, article_id


def _shift_years(value: datetime | None, years: int) -> datetime | None:
    if value is None or years == 0:
        return value
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February
        return value.replace(year=value.year + years, day=28)


def _rotate(body: str, k: int) -> str:
    paragraphs = body.split("\n")
    if len(paragraphs) < 2 or k == 0:
        return body
    k %= len(paragraphs)
    return "\n".join(paragraphs[k:] + paragraphs[:k])


def scaled_documents(docs: Iterable[IndexDocument], factor: int) -> Iterator[IndexDocument]:
    """``factor`` varied copies of every document (copy 0 is the original)."""
    for doc in docs:
        for k in range(factor):
            if k == 0:
                yield doc
                continue
            key = f"{doc.key}@copy{k}"
            yield replace(
                doc,
                id=article_id(key),
                key=key,
                body=_rotate(doc.body, k),
                published=_shift_years(doc.published, k),
                spans=(),  # offsets no longer match the rotated body
                dates_mentioned=(),
            )
