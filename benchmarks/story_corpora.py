"""The corpora eval_stories reads: ECB+ dev with entities (cached) and Reuters-21578 text.

ECB+ articles go through the project's reader (``search.sources``), cleaning, entity
extraction in this process (``search.entities.extract_many``, one NER process, as
``DATELINE_EXTRACT_WORKERS=1``), the archive-wide alias pass a reindex ends with, and
``build_document``: the IndexDocuments a ``dateline reindex`` of ``articles.jsonl`` holds.
Extraction takes minutes, so the extracted articles are cached in a pickle under the system
temporary folder, keyed by the corpus files' digest and ``search.entities.VERSION``.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import tempfile
from collections import Counter
from pathlib import Path

from search.aliases import AliasTable
from search.documents import apply_aliases, build_document
from search.models import Article, Entities, FileProblem, IndexDocument
from search.settings import Settings, corpora_dir
from search.sources import read_articles

ECB_DIR = "ecbplus-dev"
REUTERS_DIR = "reuters21578"


def ecb_root() -> Path:
    """The ECB+ dev folder (``$DATELINE_CORPORA/ecbplus-dev``)."""
    return corpora_dir() / ECB_DIR


def reuters_root() -> Path:
    """The Reuters-21578 folder (``$DATELINE_CORPORA/reuters21578``)."""
    return corpora_dir() / REUTERS_DIR


def record_id(key: str) -> str:
    """The corpus record id of a JSON Lines article key (``path#<id>``)."""
    return key.rsplit("#", 1)[-1]


def read_clean(paths: list[Path]) -> list[Article]:
    """Cleaned articles of ``paths`` in the reader's order.

    A record a reindex would skip (ECB+ dev has one with an empty body) is skipped here
    too: the scores count it as an article alone, as the search engine would hold it.
    """
    return [a for a in read_articles(paths, Settings.from_env()) if not isinstance(a, FileProblem)]


def ecb_gold(root: Path | None = None) -> dict[str, str]:
    """``{ECB+ file name: story label}`` from ``stories.json``."""
    root = root or ecb_root()
    gold: dict[str, str] = json.loads((root / "stories.json").read_text(encoding="utf-8"))
    return gold


def ecb_documents(root: Path | None = None, aliases: bool = True) -> list[IndexDocument]:
    """The ECB+ dev IndexDocuments (entities extracted, corpus aliases applied), cached."""
    root = root or ecb_root()
    docs = extracted_documents([root / "articles.jsonl"], "ecb")
    return corpus_named(docs) if aliases else docs


def reuters_documents(root: Path | None = None, entities: bool = False) -> list[IndexDocument]:
    """Reuters-21578 as IndexDocuments; without entities unless asked (copies need none).

    With entities, extraction of the 21,578 articles in one process takes about half an
    hour the first time (then the pickle cache answers).
    """
    root = root or reuters_root()
    files = sorted(root.glob("reut2-*.sgm"))
    if not entities:
        return [build_document(a, Entities()) for a in read_clean(files)]
    return corpus_named(extracted_documents(files, "reuters"))


def extracted_documents(paths: list[Path], name: str) -> list[IndexDocument]:
    """Read, clean, extract (one process) and build the documents of ``paths``, cached."""
    from search.entities import VERSION

    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    tag = f"{name}-{digest.hexdigest()[:16]}-{VERSION}"
    cache = Path(tempfile.gettempdir()) / f"dateline-stories-{tag}.pickle"
    if cache.exists():
        pairs: list[tuple[Article, Entities]] = pickle.loads(cache.read_bytes())
    else:
        from search.entities import extract_many

        articles = read_clean(paths)
        pairs = list(zip(articles, extract_many(articles), strict=True))
        tmp = cache.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(pairs))
        tmp.replace(cache)  # a killed run leaves no truncated cache behind
    return [build_document(article, entities) for article, entities in pairs]


def corpus_named(docs: list[IndexDocument]) -> list[IndexDocument]:
    """``docs`` with the archive-wide alias pass applied, as a reindex ends."""
    from search.entities import corpus_aliases

    counts = Counter(a for d in docs for a in d.actors)
    table = AliasTable().with_corpus(corpus_aliases(counts), counts)
    # A rename can settle another name's evidence: derive again until nothing changes,
    # as search.indexing.merge_corpus_aliases does (at most 3 rounds).
    for _ in range(3):
        renamed = [apply_aliases(d, table) for d in docs]
        if renamed == docs:
            break
        docs = renamed
        counts = Counter(a for d in docs for a in d.actors)
        table = table.with_corpus(corpus_aliases(counts, table.corpus), counts)
    return docs
