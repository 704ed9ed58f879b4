"""``dateline extract``: one file's cleaned text and its entities, with character offsets."""

from __future__ import annotations

import os
from typing import IO, Any

from search.errors import SourceError
from search.models import Article, FileProblem, RawArticle
from search.serialize import entities_json
from search.settings import Settings


def article_json(article: Article) -> dict[str, Any]:
    """Metadata, text and entities of one cleaned article; offsets index ``text``."""
    from search.entities import extract

    entities = extract(article)
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "published": article.published.isoformat() if article.published else None,
        **entities_json(entities, text=article.text),
    }


def extract_file(path: str, stdin: IO[str]) -> dict[str, Any]:
    """Read ``path`` (``-`` = plain text on stdin); one article -> its JSON, several -> a list."""
    from search.cleaning import clean

    if path == "-":
        raws: list[RawArticle] = [RawArticle(key="<stdin>", format="text", text=stdin.read())]
    else:
        from search.sources import read_paths

        if not os.path.exists(path):
            raise SourceError(f"{path}: no such file")
        raws = []
        for item in read_paths([path], Settings.from_env()):
            if isinstance(item, FileProblem):
                raise SourceError(f"{item.path}: {item.reason}")
            raws.append(item)
    if not raws:
        raise SourceError(f"{path}: no article found")
    try:
        articles = [article_json(clean(raw)) for raw in raws]
    except ValueError as e:
        raise SourceError(f"{path}: {e}") from e
    return articles[0] if len(articles) == 1 else {"articles": articles}
