"""The embedded Whoosh backend: search, facets, snippets and the index generations.

Readers keep one open searcher plus its facet columns per index generation. Each call
costs one ``stat`` of CURRENT and of the live generation directory; only when either
changed is the index reopened (and the columns rebuilt from the parts of the segments
read before plus those of the new ones), so a running web server picks up a reindex
without restart. Whoosh searchers are not safe to share between threads, so one
lock serialises the calls of a backend instance (the work is CPU-bound under the GIL
anyway).

Query syntax: see ``search/query.py``. Words are ANDed (``AndGroup``), because news search
users expect every word to narrow; each word is searched in ``title`` (boost 2) and
``body``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from whoosh.filedb.filestore import FileStorage

from search.backends.whoosh.schema import decode_facets, from_stored
from search.backends.whoosh.store import GenerationStore
from search.backends.whoosh.writer import WhooshIndexWriter
from search.errors import BackendError, DatelineError, IndexMissingError
from search.facets import FACETS, word_start
from search.models import IndexDocument, SearchPage, SearchRequest
from search.settings import Settings

if TYPE_CHECKING:
    from search.backends.whoosh.columns import DocColumns
    from search.views.records import Network

# The searching and column modules (numpy, whoosh.query: ~0.3 s of CPU to import) are
# imported by the methods that read: a reindex that finds nothing changed never needs them.

log = logging.getLogger(__name__)
_TOC = re.compile(r"^_MAIN_(\d+)\.toc$")
T = TypeVar("T")


@dataclass(slots=True, weakref_slot=True)
class _Snapshot:
    """One open generation: the searcher and the columns computed from it."""

    pointer: tuple[int, int, int]
    name: str
    dir_stamp: int
    toc_generation: int
    ix: Any
    searcher: Any
    columns: DocColumns
    value_counts: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    cache: dict[Any, Any] = field(default_factory=dict)  # e.g. field lengths for scoring

    def __post_init__(self) -> None:
        # Segment files are real open files: a snapshot dropped with its backend (never
        # explicitly closed) still closes them.
        weakref.finalize(self, _close_quietly, self.searcher)


def _close_quietly(searcher: Any) -> None:
    with contextlib.suppress(Exception):
        searcher.close()


class WhooshBackend:
    """Index and search ``IndexDocument``s with Whoosh in ``settings.index_dir``."""

    name = "whoosh"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = GenerationStore(Path(settings.index_dir))
        self._snap: _Snapshot | None = None
        self._mutex = threading.RLock()
        # Column parts of the open generation's segments, reused by the next snapshot.
        self._segment_columns: dict[str, Any] = {}

    # -- writing ----------------------------------------------------------------------

    def writer(self, *, full: bool = False) -> WhooshIndexWriter:
        """Start a batch. ``full=True`` builds a new generation beside the live one."""
        return WhooshIndexWriter(self.store, full=full)

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """Hold the one-reindex-at-a-time lock; raises ``IndexBusyError`` if taken."""
        return self.store.lock().locked()

    # -- reading ----------------------------------------------------------------------

    def _open_snapshot(self) -> _Snapshot:
        """The current generation, reopened only when CURRENT or its directory changed."""
        pointer = self.store.pointer_stamp()
        root = self.store.root
        if pointer is None:
            self._drop()
            if self.store.generations():  # a lost pointer, or a first build not finished
                raise IndexMissingError(
                    f"no index at {root} (CURRENT is missing): run `dateline reindex --full`"
                )
            raise IndexMissingError(f"no index at {root}: run `dateline reindex`")
        snap = self._snap
        if snap is not None and snap.pointer == pointer:
            stamp = _dir_stamp(root / snap.name)
            if stamp == snap.dir_stamp:
                return snap
            # The directory changed (a writer started or committed): reopen only if
            # Whoosh wrote a new table of contents.
            if snap.ix.latest_generation() == snap.toc_generation:
                snap.dir_stamp = stamp
                return snap
        name = self.store.current()
        if name is None:
            self._drop()
            raise IndexMissingError(
                f"the index at {root} is unreadable (CURRENT names no generation): "
                "run `dateline reindex --full`"
            )
        gen_dir = root / name
        storage = _TrackingStorage(str(gen_dir))
        try:
            # Whoosh drops file objects unclosed inside its own error handling when a
            # segment is corrupt; that is reported as our IndexMissingError, not as noise.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ResourceWarning)
                stamp = _dir_stamp(gen_dir)
                ix = storage.open_index()
                searcher = ix.searcher()
                columns = _build_columns(searcher.reader(), name, self._segment_columns, gen_dir)
        except Exception as e:
            storage.close_opened()
            raise IndexMissingError(
                f"the index at {gen_dir} cannot be opened ({type(e).__name__}: {e}): "
                "run `dateline reindex --full`"
            ) from e
        self._drop()
        self._snap = _Snapshot(
            pointer=pointer,
            name=name,
            dir_stamp=stamp,
            toc_generation=searcher.reader().generation(),
            ix=ix,
            searcher=searcher,
            columns=columns,
        )
        return self._snap

    def _drop(self) -> None:
        if self._snap is not None:
            with contextlib.suppress(Exception):
                self._snap.searcher.close()
            self._snap = None

    def _read(self, fn: Callable[[_Snapshot], T]) -> T:
        """Run ``fn`` on the live snapshot; library failures become ``BackendError``.

        A generation deleted under an old snapshot (two rebuilds while this process was
        idle) shows as a missing file: reopen once and retry.
        """
        with self._mutex:
            for attempt in (1, 2):
                snap = self._open_snapshot()
                try:
                    return fn(snap)
                except DatelineError:
                    raise
                except OSError as e:
                    self._drop()
                    if attempt == 2:
                        raise BackendError(f"index read failed: {e}") from e
                except Exception as e:
                    log.exception("search backend failure")
                    raise BackendError(
                        f"the index at {self.store.root} failed to answer "
                        f"({type(e).__name__}); try `dateline reindex --full`"
                    ) from e
        raise AssertionError("unreachable")

    def count(self) -> int:
        """Number of live documents: 0 when nothing was ever indexed here.

        A broken index (a pointer or generation that cannot be read) raises
        ``IndexMissingError``, so a health check reports it.
        """
        if self.store.pointer_stamp() is None and not self.store.generations():
            return 0
        return self._read(lambda s: int(s.searcher.doc_count()))

    def get(self, doc_id: str) -> IndexDocument | None:
        """One stored document, or ``None``."""

        def run(snap: _Snapshot) -> IndexDocument | None:
            stored = snap.searcher.document(id=doc_id)
            return from_stored(stored) if stored else None

        return self._read(run)

    def revision(self) -> str | None:
        """The live generation and the stat of its newest table of contents (Whoosh writes
        a new ``_MAIN_<n>.toc`` at every commit); ``None`` without an index. No index file
        is opened: a no-op reindex asks this instead of reading every fingerprint."""
        name = self.store.current()
        if name is None:
            return None
        try:
            tocs = [e for e in os.scandir(self.store.root / name) if _TOC.match(e.name)]
            newest = max(tocs, key=lambda e: int(_TOC.match(e.name)[1]))  # type: ignore[index]
            st = newest.stat()
        except (OSError, ValueError):
            return None
        return f"{name}/{newest.name}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"

    def fingerprints(self) -> dict[str, tuple[str, str]]:
        """``{id: (key, content_hash)}`` of every live document, from the facet column."""

        def run(snap: _Snapshot) -> dict[str, tuple[str, str]]:
            reader = snap.searcher.reader()
            column = reader.column_reader("facets")
            out: dict[str, tuple[str, str]] = {}
            for docnum in reader.all_doc_ids():
                rec = decode_facets(column[docnum])
                out[rec["i"]] = (rec["k"], rec["h"])
            return out

        try:
            return self._read(run)
        except IndexMissingError:
            if self.store.pointer_stamp() is None:
                return {}
            raise

    def iter_documents(self) -> Iterator[IndexDocument]:
        """Every live document, streamed (none without an index).

        Uses its own reader of the current generation, so a long export neither holds the
        search lock nor keeps every document in memory.
        """
        if self.store.pointer_stamp() is None:
            return iter(())
        reader = self._read(lambda snap: snap.ix.reader())
        return _stream(reader)

    def facet_values(self, facet: str, prefix: str = "", limit: int = 50) -> list[tuple[str, int]]:
        """Values of facet ``facet`` (a name in ``FACETS``) with a word starting with
        ``prefix`` (any case), most frequent first."""
        if facet not in FACETS:
            raise BackendError(f"unknown facet {facet!r}: use one of {', '.join(FACETS)}")

        def run(snap: _Snapshot) -> list[tuple[str, int]]:
            ranked = _ranked(snap, facet)
            matches = word_start(prefix)
            found: list[tuple[str, int]] = []
            if limit <= 0:
                return found
            for key, value, count in ranked:
                if matches(key):
                    found.append((value, count))
                    if len(found) >= limit:
                        break
            return found

        return self._read(run)

    def more_like(self, doc_id: str, limit: int = 5) -> list[IndexDocument]:
        """Documents sharing key terms of the body (else actors/countries) with ``doc_id``."""

        from whoosh import query

        def run(snap: _Snapshot) -> list[IndexDocument]:
            searcher = snap.searcher
            docnum = searcher.document_number(id=doc_id)
            if docnum is None:
                return []
            hits = searcher.more_like(docnum, "body", top=limit)
            docs = [from_stored(hit.fields()) for hit in hits]
            if not docs:
                stored = searcher.stored_fields(docnum)
                terms = [query.Term("actors", a.lower()) for a in stored.get("actors") or []]
                terms += [query.Term("countries", c.lower()) for c in stored.get("countries") or []]
                if terms:
                    results = searcher.search(query.Or(terms), limit=limit, mask={docnum})
                    docs = [from_stored(hit.fields()) for hit in results]
            return [d for d in docs if d.id != doc_id][:limit]

        return self._read(run)

    def value_counts(self, facet: str, values: list[str]) -> dict[str, int]:
        """Articles of the whole archive having each of ``values`` (any case; 0 for
        a value no article has), keyed by the values as given."""
        if facet not in FACETS:
            raise BackendError(f"unknown facet {facet!r}: use one of {', '.join(FACETS)}")

        def run(snap: _Snapshot) -> dict[str, int]:
            key = ("value_counts", facet)
            table = snap.cache.get(key)
            if table is None:
                table = snap.cache[key] = {k: c for k, _, c in _ranked(snap, facet)}
            return {v: int(table.get(v.casefold(), 0)) for v in values}

        return self._read(run)

    def network(self, request: SearchRequest, size: int) -> Network:
        """The top ``size`` actors and countries of the request's result and the matching
        articles naming each pair of them (``search.backends.whoosh.network``)."""

        from search.backends.whoosh.network import network as co_network
        from search.backends.whoosh.searching import (
            LAST_RESULT,
            result_docs,
            result_key,
            to_whoosh,
        )

        def run(snap: _Snapshot) -> Network:
            # The search page asks for the network of the result it has just searched:
            # the snapshot keeps that result's documents, so the query is not run twice.
            last = snap.cache.get(LAST_RESULT)
            if last is not None and last[0] == result_key(request):
                docs = last[1]
            else:
                schema = snap.searcher.schema
                parsed = to_whoosh(request.query, schema) if request.query else None
                _, docs = result_docs(snap.searcher, snap.columns, request, parsed, {})
            return co_network(snap.columns, docs, size)

        return self._read(run)

    # -- searching --------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchPage:
        """Ranked hits with snippets, facets over the whole filtered result, histogram."""
        started = time.perf_counter()
        from search.backends.whoosh.searching import run_search

        page = self._read(lambda snap: run_search(snap.searcher, snap.columns, request, snap.cache))
        return _with_time(page, started)


def _ranked(snap: _Snapshot, facet: str) -> list[tuple[str, str, int]]:
    """``(folded, value, count)`` of every value of a facet over the live documents, most
    frequent first (ties by value); computed once per generation."""
    ranked = snap.value_counts.get(facet)
    if ranked is None:
        from search.backends.whoosh import columns as cols_mod

        column = snap.columns.facet(facet)
        counts = cols_mod.value_counts(column, snap.columns.live)
        ranked = sorted(
            (
                (value.casefold(), value, int(counts[vid]))
                for vid, value in enumerate(column.values)
                if counts[vid]
            ),
            key=lambda fvc: (-fvc[2], fvc[1]),
        )
        snap.value_counts[facet] = ranked
    return ranked


def _stream(reader: Any) -> Iterator[IndexDocument]:
    try:
        for _docnum, stored in reader.iter_docs():
            yield from_stored(stored)
    except OSError as e:
        raise BackendError(f"index read failed: {e}") from e
    finally:
        reader.close()


def _with_time(page: SearchPage, started: float) -> SearchPage:
    return replace(page, took_ms=round((time.perf_counter() - started) * 1000, 2))


class _TrackingStorage(FileStorage):  # type: ignore[misc]
    """A read-only Whoosh storage that remembers the files it opened.

    Whoosh leaves files open when it fails half-way through opening a corrupt index;
    closing them here keeps the error clean (no ResourceWarning at some later GC).
    """

    def __init__(self, path: str) -> None:
        super().__init__(path, readonly=True)
        self.opened: weakref.WeakSet[Any] = weakref.WeakSet()

    def open_file(self, name: str, **kwargs: Any) -> Any:
        handle = super().open_file(name, **kwargs)
        self.opened.add(handle)
        return handle

    def close_opened(self) -> None:
        for handle in list(self.opened):
            with contextlib.suppress(Exception):
                handle.close()


def _dir_stamp(path: Path) -> int:
    return os.stat(path).st_mtime_ns


def _build_columns(
    reader: Any, generation: str, cache: dict[str, Any], gen_dir: Path | None = None
) -> DocColumns:
    """Facet columns of one generation (in ``gen_dir``), from each segment's cache file
    or its compact per-document ``facets`` column (``colcache``).

    Segments never change (only which of their documents are deleted), so each one's part
    is kept in ``cache`` (by generation and segment id) and only new segments are read: a
    commit of a few articles to a large index reads those, not the whole archive again
    (adding 1,000 articles to Reuters built the columns of all 22,000 four times).
    """
    import numpy as np

    from search.backends.whoosh import colcache
    from search.backends.whoosh import columns as cols_mod

    parts = []
    kept: dict[str, Any] = {}
    expected_offset = 0
    for leaf, offset in reader.leaf_readers():
        if offset != expected_offset:  # document numbers must be the segments in order
            raise ValueError(f"segment at {offset}, expected {expected_offset}")
        size = leaf.doc_count_all()
        if size == 0:  # nothing to read (an index with no segment gives an empty reader)
            continue
        expected_offset += size
        key = f"{generation}/{leaf.segment().segment_id()}/{size}"
        part = cache.get(key)
        if part is None:
            part = colcache.segment_part(leaf, size, gen_dir)
        kept[key] = part
        live = np.ones(size, dtype=bool)
        if leaf.has_deletions():
            live[list(leaf.segment().deleted_docs())] = False
        parts.append((part, live))
    cache.clear()
    cache.update(kept)
    return cols_mod.merge_columns(parts)
