"""A reindex's progress in articles: how many went through extraction and indexing, of how many.

The front doors draw it (``dateline reindex`` shows a bar on a terminal); the pipeline in
``search.indexing`` counts. An article is done once it is written to the index, found
unchanged, or skipped with a reason. How many articles the sources hold is known only
when reading ends; until then it is estimated from the share of the sources' bytes read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from search.models import ReindexReport


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a reindex stands; passed to the progress callback after each step."""

    # "index" (read, clean, extract, place, write), "commit", "stories", "aliases", "done"
    phase: str
    done: int  # articles written, found unchanged or skipped
    total: int | None  # articles in the sources: an estimate while reading, None before one
    report: ReindexReport  # the counts so far (the same object the summary is made from)


ProgressCallback = Callable[[Progress], None]


class ProgressTracker:
    """Counts articles as the pipeline moves them and tells ``callback`` (if any)."""

    def __init__(
        self, callback: ProgressCallback | None, report: ReindexReport, total_bytes: int
    ) -> None:
        self.callback, self.report, self.total_bytes = callback, report, total_bytes
        self.cleaned = 0  # articles that came out of cleaning (the rest were skipped there)
        self.finished = 0  # of those, written, unchanged or duplicates
        self.bytes_done = 0  # source files read to their end...
        self.articles_in_done_files = 0  # ...and the articles they held
        self.reading = True

    def file_finished(self, size: int) -> None:
        """A source file of ``size`` bytes was read to its end (before the next one starts)."""
        self.bytes_done += size
        self.articles_in_done_files = self.report.read

    def reading_finished(self) -> None:
        """Every source was read: the total is now exact."""
        self.reading = False

    @property
    def done(self) -> int:
        """Articles read and finished: skipped while cleaning, or through the pipeline."""
        return self.report.read - self.cleaned + self.finished

    @property
    def total(self) -> int | None:
        """Articles in the sources: exact after reading, else estimated from bytes read."""
        if not self.reading:
            return self.report.read
        if self.bytes_done <= 0 or self.articles_in_done_files <= 0:
            return None
        estimate = round(self.articles_in_done_files * self.total_bytes / self.bytes_done)
        return max(estimate, self.report.read)

    def emit(self, phase: str = "index") -> None:
        """Tell the callback where the run stands."""
        if self.callback is not None:
            self.callback(Progress(phase, self.done, self.total, self.report))


def total_bytes(paths: Sequence[str | Path]) -> int:
    """Size of the article files under ``paths`` (the estimate's 100%)."""
    from search.sources import article_files

    return sum(size for _, size in article_files(paths))
