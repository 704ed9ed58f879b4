"""Entity extraction in worker processes: NER is the reindex's bottleneck (~11k words/s/core).

Each worker loads spaCy once and extracts whole batches; the parent cleans, reads the cache
and writes the index meanwhile. Workers die with the parent (PR_SET_PDEATHSIG), because a
reindex killed with SIGKILL must not leave orphans holding memory.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor

from search.children import die_with_parent
from search.models import Article, Entities


def default_workers() -> int:
    """NER processes when not configured: one per core (measured on 2 cores: a cold
    Reuters reindex takes ~160 s with 2 workers, NER being ~80% of its CPU time)."""
    return max(1, min(4, os.cpu_count() or 1))


def _start_worker() -> None:
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C


def _extract_batch(articles: list[Article]) -> list[Entities]:
    from search.entities import extract_many

    return list(extract_many(articles))


class _Deferred:
    """A batch extracted in this process when its result is first asked for."""

    def __init__(self, articles: list[Article]) -> None:
        self._articles: list[Article] | None = articles
        self._entities: list[Entities] = []

    def result(self) -> list[Entities]:
        if self._articles is not None:
            self._entities, self._articles = _extract_batch(self._articles), None
        return self._entities


class Extractor:
    """Extract entities for batches of articles, in order, in-process or in a pool."""

    def __init__(self, workers: int = 1, *, lasting: bool = False) -> None:
        """``lasting``: an extractor kept across many small runs (``dateline follow``):
        every batch goes to the workers, started by :meth:`start`, so this process fetches
        and writes while they extract (a follow's batches are each a run's first one)."""
        self.workers = workers if workers > 0 else default_workers()
        self.lasting = lasting
        self._pool: ProcessPoolExecutor | None = None
        self._batches = 0

    def start(self) -> None:
        """Load the model and fork the workers now: before this process starts threads,
        whose locks a forked child would inherit held."""
        from search.entities.nlp import get_nlp

        get_nlp()  # loaded before the fork, so the workers share it
        if self._pool is None:
            context = multiprocessing.get_context("fork")
            self._pool = ProcessPoolExecutor(self.workers, context, initializer=_start_worker)
            # A fork-context pool forks all its workers at the first task.
            self._pool.submit(int).result()

    def submit(self, articles: list[Article]) -> Future[list[Entities]] | _Deferred:
        """Start extracting a batch; the handle's ``result()`` returns its entities.

        The first batch runs in this process, when its result is asked for: a small
        reindex (one folder of a few articles) never pays for starting workers, while in a
        large one the workers, forked at the second batch, inherit the model this process
        has loaded, and start on batches 2, 3, ... while this one extracts batch 1.
        """
        self._batches += 1
        if self.lasting:
            self.start()
            assert self._pool is not None
            return self._pool.submit(_extract_batch, articles)
        if self.workers <= 1 or self._batches == 1:
            from search.entities.nlp import get_nlp

            get_nlp()  # loaded before any fork, so the workers share it
            return _Deferred(articles)
        if self._pool is None:
            context = multiprocessing.get_context("fork")
            self._pool = ProcessPoolExecutor(self.workers, context, initializer=_start_worker)
        return self._pool.submit(_extract_batch, articles)

    def close(self) -> None:
        """Stop the workers (pending batches are cancelled)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Extractor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
