"""``dateline extract``: articles read, cleaned and extracted as the index would store them.

Each article becomes the ``IndexDocument`` a reindex would write (actors named within the
article only: the archive-wide alias table belongs to an index), so its JSON is the shape
of ``/api/articles/<id>``, with mention offsets into the title and body.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from search.models import Article, FileProblem, IndexDocument, RawArticle
from search.settings import Settings

STDIN = "-"
# Articles sent through NER together (spaCy's batch); bounds memory on a big file.
CHUNK = 64


def extract_paths(
    paths: Sequence[str], settings: Settings, stdin_text: str | None = None
) -> Iterator[IndexDocument | FileProblem]:
    """Every article of each path (a file, a folder, or ``-`` for ``stdin_text``) as an
    index document, in order; a path or article that cannot be read is a ``FileProblem``."""
    for path in paths:
        if path == STDIN:
            raws: Iterable[RawArticle | FileProblem] = [
                RawArticle(key="<stdin>", format="text", text=stdin_text or "")
            ]
        elif not os.path.lexists(path):
            yield FileProblem(path, "no such file or folder")
            continue
        else:
            from search.sources import read_paths

            raws = read_paths([path], settings)
        found = False
        for item in _extracted(raws, settings):
            found = True
            yield item
        if not found:
            yield FileProblem(path, "no article found")


def _extracted(
    raws: Iterable[RawArticle | FileProblem], settings: Settings
) -> Iterator[IndexDocument | FileProblem]:
    from search.documents import build_document
    from search.entities import extract_many
    from search.sources import clean_each

    items = clean_each(raws, settings)
    while chunk := list(islice(items, CHUNK)):
        articles = [item for item in chunk if isinstance(item, Article)]
        documents = iter(
            build_document(article, entities)
            for article, entities in zip(articles, extract_many(articles), strict=True)
        )
        for item in chunk:
            yield item if isinstance(item, FileProblem) else next(documents)
