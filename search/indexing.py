"""The reindex pipeline: read -> clean -> extract (cached) -> write, incremental by default.

It streams: articles are cleaned and extracted in batches, so memory stays bounded by the
batch size, not the archive. Only documents whose content hash changed reach NER.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from search.backends.base import Backend, IndexWriter
from search.cache import ExtractionCache
from search.documents import apply_aliases, build_document
from search.errors import IndexMissingError, IndexVersionError
from search.models import (
    Article,
    Entities,
    FileProblem,
    RawArticle,
    ReindexReport,
    SearchRequest,
)
from search.params import MAX_PAGE
from search.settings import Settings
from search.workers import Extractor

log = logging.getLogger(__name__)

BATCH_SIZE = 256
# Called after each batch with the source bytes finished so far and the report.
ProgressCallback = Callable[[int, ReindexReport], None]


def source_bytes(paths: Sequence[str | Path]) -> int:
    """Total size of the files under ``paths`` (the progress bar's 100%)."""
    total = 0
    for path in paths:
        if os.path.isfile(path):
            total += os.path.getsize(path)
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                try:
                    total += os.path.getsize(os.path.join(folder, name))
                except OSError:
                    pass  # reported by the reader with its reason
    return total


def reindex(
    backend: Backend,
    settings: Settings,
    paths: Sequence[str | Path],
    *,
    full: bool = False,
    progress: ProgressCallback | None = None,
) -> ReindexReport:
    """Bring the index in line with ``paths``; see docs/architecture.md "Reindexing".

    Incremental (default): unchanged articles are skipped, changed ones replaced, articles
    whose source under ``paths`` disappeared are removed. ``full``: a new index is built
    beside the live one and swapped in. Either way searches see all or nothing of the run.
    """
    from search.sources import read_paths

    started = time.perf_counter()
    report = ReindexReport(full=full)
    roots = [os.path.abspath(p) for p in paths]
    with backend.lock():
        try:
            live = backend.fingerprints()
        except IndexMissingError:
            if not full:
                raise
            # A full rebuild needs nothing from an unreadable index: it replaces it.
            live = {}
        cache = ExtractionCache(settings.index_dir / "extractions.sqlite")
        try:
            writer = backend.writer(full=full)
        except IndexVersionError:
            if full:
                raise
            # An index from another Dateline version cannot take today's documents: the
            # run becomes a full rebuild (the extraction cache still spares most NER).
            log.warning("the index was built by another version of Dateline: rebuilding it")
            full = report.full = True
            writer = backend.writer(full=True)
        pipeline = _Pipeline(writer, cache, report, settings.extract_workers)
        try:
            seen: set[str] = set()
            done_bytes = 0
            stream = _articles(read_paths(paths, settings), report, settings)
            for batch, batch_bytes in _batches(stream, BATCH_SIZE):
                fresh = []
                for article in batch:
                    if article.id in seen:
                        report.skipped.append(FileProblem(article.key, "duplicate article id"))
                        continue
                    seen.add(article.id)
                    old = live.get(article.id)
                    if old and old[1] == article.content_hash and not full:
                        report.unchanged += 1
                    else:
                        fresh.append(article)
                pipeline.push(fresh)
                done_bytes += batch_bytes
                if progress:
                    progress(done_bytes, report)
            pipeline.drain()
            for doc_id, (key, _) in live.items():
                # A full rebuild holds only what was read now; an incremental run removes
                # only articles whose source under the given paths disappeared.
                if doc_id not in seen and (full or _under(key, roots)):
                    if not full:
                        writer.delete(doc_id)
                    report.removed += 1
            with _timed(report, "commit"):
                writer.commit()
        except BaseException:
            writer.abort()
            raise
        finally:
            pipeline.close()
            cache.close()
        if report.indexed or report.removed:
            with _timed(report, "aliases"):
                merge_corpus_aliases(backend)
    report.total_documents = backend.count()
    report.seconds = time.perf_counter() - started
    return report


class _Pipeline:
    """Extraction of batch n+1.. runs in workers while batch n is written to the index."""

    def __init__(
        self, writer: IndexWriter, cache: ExtractionCache, report: ReindexReport, workers: int
    ) -> None:
        self.writer, self.cache, self.report = writer, cache, report
        self.extractor = Extractor(workers)
        # Batches in flight: enough to keep every worker busy while this process writes an
        # index segment (~4-8 s; a batch is ~3 s of NER). With two per worker, both cores
        # sat half idle for ~10 s at each segment of a Reuters build.
        self.depth = max(1, workers) * 5
        self.pending: deque[tuple[list[Article], dict[str, Entities], list[str], Any]] = deque()

    def push(self, articles: list[Article]) -> None:
        """Queue a batch: cached entities now, the rest sent to the extractor."""
        if not articles:
            return
        hashes = [a.content_hash for a in articles]
        known = self.cache.get_many(hashes)
        missing = [a for a in articles if a.content_hash not in known]
        handle = self.extractor.submit(missing) if missing else None
        self.pending.append((articles, known, [a.content_hash for a in missing], handle))
        while len(self.pending) > self.depth:
            self._write_oldest()

    def drain(self) -> None:
        """Write every queued batch."""
        while self.pending:
            self._write_oldest()

    def close(self) -> None:
        """Stop the workers."""
        self.extractor.close()

    def _write_oldest(self) -> None:
        articles, known, missing_hashes, handle = self.pending.popleft()
        with _timed(self.report, "extract_wait"):
            entities = handle.result() if handle is not None else []
            extracted = list(zip(missing_hashes, entities, strict=True))
        if extracted:
            self.cache.put_many(extracted)
            known.update(extracted)
        now = datetime.now(UTC)
        with _timed(self.report, "write"):
            for article in articles:
                self.writer.add(
                    build_document(article, known[article.content_hash], indexed_at=now)
                )
                self.report.indexed += 1


@contextmanager
def _timed(report: ReindexReport, phase: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        report.timings[phase] = report.timings.get(phase, 0.0) + time.perf_counter() - started


def merge_corpus_aliases(backend: Backend) -> int:
    """Rewrite documents whose actors have a corpus-level canonical name; returns how many.

    Counts come from the backend's actor facet (cached columns, about a second at Reuters
    scale); only the documents naming an aliased actor are read and rewritten.
    """
    from search.entities import corpus_aliases

    counts = dict(backend.facet_values("actor", "", limit=10_000_000))
    aliases = corpus_aliases(counts)
    ids: dict[str, None] = {}
    for name in aliases:
        ids.update(dict.fromkeys(_ids_with_actor(backend, name)))
    if not ids:
        return 0
    writer = backend.writer()
    try:
        for doc_id in ids:
            doc = backend.get(doc_id)
            if doc is not None:
                writer.add(apply_aliases(doc, aliases))
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return len(ids)


def _ids_with_actor(backend: Backend, name: str) -> Iterator[str]:
    page = 1
    while True:
        request = SearchRequest(actors=(name,), sort="oldest", page=page, per_page=100)
        result = backend.search(request)
        yield from (hit.id for hit in result.hits)
        if page * 100 >= result.total or page >= MAX_PAGE:
            return
        page += 1


def _articles(
    items: Iterable[RawArticle | FileProblem], report: ReindexReport, settings: Settings
) -> Iterator[tuple[Article, int]]:
    """Clean each raw article; yields (article, bytes of source files finished with it)."""
    from search.cleaning import clean

    current_file = None
    for item in items:
        if isinstance(item, FileProblem):
            report.skipped.append(item)
            continue
        report.read += 1
        file_name = item.key.split("#", 1)[0]
        finished = 0
        if file_name != current_file:
            finished = _size(current_file)
            current_file = file_name
        try:
            with time_limit(settings.article_timeout_s), _timed(report, "clean"):
                article = clean(item)
        except TimeoutError:
            report.skipped.append(
                FileProblem(item.key, f"cleaning took over {settings.article_timeout_s:g} s")
            )
            continue
        except ValueError as e:  # EmptyArticle and unparseable content
            report.skipped.append(FileProblem(item.key, str(e) or "no article text"))
            continue
        yield article, finished


def _batches(
    stream: Iterator[tuple[Article, int]], size: int
) -> Iterator[tuple[list[Article], int]]:
    batch: list[Article] = []
    finished = 0
    for article, done in stream:
        batch.append(article)
        finished += done
        if len(batch) >= size:
            yield batch, finished
            batch, finished = [], 0
    yield batch, finished


def _under(key: str, roots: list[str]) -> bool:
    path = key.split("#", 1)[0]
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _size(path: str | None) -> int:
    try:
        return os.path.getsize(path) if path else 0
    except OSError:
        return 0


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in the block after ``seconds`` (main thread only; else no limit)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _Expired

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Expired:
        raise TimeoutError from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Expired(BaseException):
    """The alarm of ``time_limit``. Not an Exception: trafilatura and lxml wrap their work in
    ``except Exception``, which swallowed a plain TimeoutError and let cleaning run on."""
