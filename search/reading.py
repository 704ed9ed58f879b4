"""The reindex's read stage: each source file read and cleaned, or skipped by the manifest.

An incremental run does not open a file the manifest shows unchanged (same stat, or same
bytes): it yields an :class:`UnchangedFile` carrying the articles the file gave last time,
and the pipeline counts them unchanged. Every file read is recorded in the manifest with
the articles and problems it gave (see :mod:`search.manifest`).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from search.manifest import FileEntry, FileStat, Manifest, file_digest, file_stat, trusted
from search.models import Article, FileProblem, ReindexReport
from search.progress import ProgressTracker
from search.settings import Settings

log = logging.getLogger(__name__)


class Fingerprints(Mapping[str, tuple[str, str]]):
    """The live index's ``{id: (key, content_hash)}``, read when first needed."""

    def __init__(self, read: Callable[[], dict[str, tuple[str, str]]]) -> None:
        self._read = read
        self._data: dict[str, tuple[str, str]] | None = None

    @property
    def loaded(self) -> bool:
        """Whether the fingerprints were read."""
        return self._data is not None

    def load(self) -> dict[str, tuple[str, str]]:
        """Read them now (once)."""
        if self._data is None:
            self._data = self._read()
        return self._data

    def __getitem__(self, key: str) -> tuple[str, str]:
        return self.load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.load())

    def __len__(self) -> int:
        return len(self.load())


@dataclass(frozen=True)
class UnchangedFile:
    """A source file not opened: the articles ``(id, content_hash)`` it holds, as before."""

    path: str
    articles: tuple[tuple[str, str], ...]


def read_sources(
    paths: Sequence[str | Path],
    settings: Settings,
    report: ReindexReport,
    tracker: ProgressTracker,
    manifest: Manifest,
    live: Mapping[str, tuple[str, str]] | None,
    *,
    full: bool,
) -> Iterator[Article | FileProblem | UnchangedFile]:
    """Cleaned articles and problems of every file under ``paths``, in reading order; an
    ``UnchangedFile`` instead of a file's articles when it can be skipped (not ``full``):
    the manifest shows it unchanged and ``live`` (the index's fingerprints; ``None`` when
    the manifest is trusted to know them) holds its articles.

    Counts articles read (``report.read``), files read as documentation, seconds spent
    cleaning (``report.timings["clean"]``) and files finished (for the progress estimate).
    """
    from search.sources import source_files

    for item in source_files(paths):
        if isinstance(item, FileProblem):
            yield item
            continue
        path, reader = item
        name = os.path.abspath(path)
        try:
            stat = file_stat(path)
        except OSError:
            stat = None  # the reader reports why
        entry = manifest.entry(name) if stat is not None else None
        digest = ""
        if stat is not None and entry is not None and not full:
            if not trusted(entry, stat):
                digest = _digest(path)
            same = trusted(entry, stat) or digest == entry.digest
            if same and (live is None or _held(entry, live)):
                if digest:  # same bytes, new stat: remember the stat
                    manifest.record(name, stat, digest, entry.articles, entry.problems, entry.read)
                else:
                    manifest.seen(name)
                report.unchanged_files += 1
                yield from _replay(entry, report, tracker)
                continue
        if stat is not None and not digest:
            digest = _digest(path)
        yield from _read_file(path, name, reader, stat, digest, settings, report, tracker, manifest)
    tracker.reading_finished()


def _digest(path: Path) -> str:
    try:
        return file_digest(path)
    except OSError:
        return ""  # never equal to a recorded digest: the file is read (and its problem said)


def _held(entry: FileEntry, live: Mapping[str, tuple[str, str]]) -> bool:
    """Whether the live index holds every article of ``entry`` with the same content."""
    for doc_id, content_hash in entry.articles:
        old = live.get(doc_id)
        if old is None or old[1] != content_hash:
            return False
    return True


def _replay(
    entry: FileEntry, report: ReindexReport, tracker: ProgressTracker
) -> Iterator[FileProblem | UnchangedFile]:
    """What reading the file would report: its problems, its articles as unchanged."""
    from search.sources import looks_like_documentation

    read = entry.read
    if read and looks_like_documentation(entry.path):
        report.documentation.append(entry.path)
    report.read += read
    for key, reason in entry.problems:
        yield FileProblem(key, reason)
    tracker.cleaned += len(entry.articles)
    tracker.file_finished(entry.stat.size)
    yield UnchangedFile(entry.path, entry.articles)


def _read_file(
    path: Path,
    name: str,
    reader: object,
    stat: FileStat | None,
    digest: str,
    settings: Settings,
    report: ReindexReport,
    tracker: ProgressTracker,
    manifest: Manifest,
) -> Iterator[Article | FileProblem]:
    """Read, count and clean one file's articles; record them in the manifest."""
    from search.sources import clean_one, looks_like_documentation, read_file

    articles: list[tuple[str, str]] = []
    problems: list[tuple[str, str]] = []
    read = 0
    for raw in read_file(path, settings, reader):  # type: ignore[arg-type]
        if isinstance(raw, FileProblem):
            problems.append((raw.path, raw.reason))
            yield raw
            continue
        read += 1
        report.read += 1
        if read == 1 and looks_like_documentation(name):
            report.documentation.append(name)
        started = time.perf_counter()
        cleaned = clean_one(raw, settings)
        report.timings["clean"] = report.timings.get("clean", 0.0) + time.perf_counter() - started
        if isinstance(cleaned, FileProblem):
            problems.append((cleaned.path, cleaned.reason))
        else:
            articles.append((cleaned.id, cleaned.content_hash))
        yield cleaned
    tracker.file_finished(stat.size if stat is not None else 0)
    if stat is not None and digest:
        manifest.record(name, stat, digest, articles, problems, read)
