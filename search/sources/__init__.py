"""Sources: files and folders of articles in any supported format -> RawArticle.

Formats: plain text (.txt .text .md, with ``<stem>.json`` metadata), HTML (.html .htm,
gzipped too), JSON and JSON Lines records, RSS/Atom feeds, Reuters-21578 SGML (.sgm).
A file or record that cannot be read becomes a ``FileProblem``; reading never stops.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from search.cleaning import EmptyArticle, clean
from search.errors import SourceError
from search.models import Article, FileProblem, RawArticle
from search.settings import Settings
from search.sources.decode import BinaryContent
from search.sources.dispatch import Reader, reader_for
from search.sources.files import FileRefused
from search.sources.meta import is_sidecar
from search.sources.walk import iter_files

__all__ = ["is_sidecar", "read_articles", "read_file", "read_paths"]

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
    seen: set[tuple[int, int]] = set()  # (device, inode): overlapping roots read once
    for root in roots:
        for item in iter_files(root, seen):
            if isinstance(item, FileProblem):
                yield item
            elif is_sidecar(item):
                continue  # read together with the article it describes
            elif (reader := reader_for(item)) is not None:
                yield from read_file(item, settings, reader)
            elif item == root:
                yield FileProblem(str(item), "unsupported file type")
            else:
                log.debug("skipping %s: not a supported format", item)


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
    for item in read_paths(paths, settings):
        if isinstance(item, FileProblem):
            yield item
            continue
        try:
            yield clean(item)
        except EmptyArticle as e:
            yield FileProblem(item.key, str(e))
        except RecursionError:
            yield FileProblem(item.key, "too deeply nested to clean")
        except Exception as e:  # a library bug on one page must not stop the run
            log.exception("unexpected error cleaning %s", item.key)
            yield FileProblem(item.key, f"unexpected error: {type(e).__name__}: {e}")
