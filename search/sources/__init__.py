"""Sources: files and folders of articles in any supported format -> RawArticle.

Formats: plain text (.txt .text .md, with ``<stem>.json`` metadata), HTML (.html .htm,
gzipped too), JSON and JSON Lines records, RSS/Atom feeds, Reuters-21578 SGML (.sgm).
A file or record that cannot be read becomes a ``FileProblem``; reading never stops.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from search.errors import SourceError
from search.models import Article, FileProblem, RawArticle
from search.settings import Settings
from search.sources.decode import BinaryContent
from search.sources.dispatch import Reader, looks_like_documentation, reader_for
from search.sources.files import FileRefused
from search.sources.meta import is_sidecar
from search.sources.walk import iter_files
from search.timeouts import time_limit

__all__ = [
    "article_files",
    "clean_each",
    "clean_one",
    "is_sidecar",
    "looks_like_documentation",
    "read_articles",
    "read_file",
    "read_paths",
    "source_files",
]

log = logging.getLogger(__name__)


def read_paths(
    paths: Iterable[str | Path], settings: Settings
) -> Iterator[RawArticle | FileProblem]:
    """Every article in the given files and folders, in a deterministic order.

    Raises ``SourceError`` at once if a given path does not exist; every other problem
    (unreadable, binary, malformed files or records) is yielded as a ``FileProblem``.
    """
    roots = [Path(p) for p in paths]
    for root in roots:
        if not root.exists() and not root.is_symlink():
            raise SourceError(f"no such file or folder: {root}")
    return _read_roots(roots, settings)


def _read_roots(roots: list[Path], settings: Settings) -> Iterator[RawArticle | FileProblem]:
    for item in _walk_roots(roots):
        if isinstance(item, FileProblem):
            yield item
        else:
            yield from read_file(item[0], settings, item[1])


def source_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, Reader] | FileProblem]:
    """Each article file under ``paths`` with its reader, in ``read_paths``'s order, and the
    problems met walking; ``SourceError`` at once if a given path does not exist."""
    roots = [Path(p) for p in paths]
    for root in roots:
        if not root.exists() and not root.is_symlink():
            raise SourceError(f"no such file or folder: {root}")
    return _walk_roots(roots)


def _walk_roots(roots: list[Path]) -> Iterator[tuple[Path, Reader] | FileProblem]:
    seen: set[tuple[int, int]] = set()  # (device, inode): overlapping roots read once
    for root in roots:
        for item in iter_files(root, seen):
            if isinstance(item, FileProblem):
                yield item
            elif is_sidecar(item):
                continue  # read together with the article it describes
            elif (reader := reader_for(item)) is not None:
                yield item, reader
            elif item == root:
                yield FileProblem(str(item), "unsupported file type")
            else:
                log.debug("skipping %s: not a supported format", item)


def article_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, int]]:
    """(path, size) of each file under ``paths`` that ``read_paths`` reads for articles."""
    seen: set[tuple[int, int]] = set()
    for root in map(Path, paths):
        for item in iter_files(root, seen):
            if isinstance(item, Path) and not is_sidecar(item) and reader_for(item):
                try:
                    yield item, item.stat().st_size
                except OSError:
                    continue  # reported by the reader with its reason


def read_file(
    path: Path, settings: Settings, reader: Reader | None = None
) -> Iterator[RawArticle | FileProblem]:
    """The articles of one file; its problems become ``FileProblem``s, never exceptions."""
    reader = reader or reader_for(path)
    if reader is None:
        yield FileProblem(str(path), "unsupported file type")
        return
    try:
        yield from reader(path, settings)
    except (FileRefused, BinaryContent) as e:
        yield FileProblem(str(path), str(e))
    except RecursionError:
        yield FileProblem(str(path), "too deeply nested to parse")
    except Exception as e:  # one hostile file must never stop a reindex
        log.exception("unexpected error reading %s", path)
        yield FileProblem(str(path), f"unexpected error: {type(e).__name__}: {e}")


def read_articles(
    paths: Iterable[str | Path], settings: Settings
) -> Iterator[Article | FileProblem]:
    """``read_paths`` followed by ``clean``: cleaned articles, and problems for the rest."""
    return clean_each(read_paths(paths, settings), settings)


def clean_each(
    items: Iterable[RawArticle | FileProblem],
    settings: Settings,
    timings: dict[str, float] | None = None,
) -> Iterator[Article | FileProblem]:
    """The one cleaning loop (reindex, ``dateline extract``, ``read_articles``): each raw
    article cleaned, or a ``FileProblem`` naming it and why; problems pass through.

    ``timings["clean"]``, when given, gains the seconds spent cleaning.
    """
    for item in items:
        if isinstance(item, FileProblem):
            yield item
            continue
        started = time.perf_counter()
        cleaned = clean_one(item, settings)
        if timings is not None:
            timings["clean"] = timings.get("clean", 0.0) + time.perf_counter() - started
        yield cleaned


def clean_one(raw: RawArticle, settings: Settings) -> Article | FileProblem:
    """``clean(raw)`` within the settings' time and size limits; never raises for one article.

    Every failure becomes a ``FileProblem``: one hostile page or a library bug must never
    stop a reindex of the rest.
    """
    # Imported here: cleaning loads trafilatura (~0.5 s), which a reindex that finds
    # every file unchanged never needs.
    from search.cleaning import clean

    try:
        with time_limit(settings.article_timeout_s):
            return clean(raw, settings.max_article_chars)
    except TimeoutError:
        return FileProblem(raw.key, f"cleaning took over {settings.article_timeout_s:g} s")
    except ValueError as e:  # EmptyArticle and unparseable content
        return FileProblem(raw.key, str(e) or "no article text")
    except RecursionError:
        return FileProblem(raw.key, "too deeply nested to clean")
    except Exception as e:
        log.exception("unexpected error cleaning %s", raw.key)
        return FileProblem(raw.key, f"unexpected error: {type(e).__name__}: {e}")
