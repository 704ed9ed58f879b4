"""Batches of changes to the Whoosh index: incremental (in place) and full (new generation).

Both hold the reindex lock for their lifetime unless the caller already holds it through
``WhooshBackend.lock()``. Any ``OSError`` (disk full, read-only folder) becomes a
``BackendError`` and leaves the live index as it was: Whoosh writes its table of contents
last and by rename, and a full build only becomes live when CURRENT is switched.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.reading import SegmentReader
from whoosh.writing import LockError

from search.backends.shared import writable_error
from search.backends.whoosh.schema import build_schema, to_fields
from search.backends.whoosh.store import GenerationStore
from search.errors import BackendError, IndexBusyError, IndexMissingError, IndexVersionError
from search.models import IndexDocument

log = logging.getLogger(__name__)

# Memory for Whoosh's in-RAM posting pool before it spills runs to disk.
WRITER_LIMIT_MB = 256
# Separate files per segment (.trm, .pst, .col), not Whoosh's compound .seg, which readers
# copy into memory: serving Reuters (6 segments) took 665 MB RSS with compound segments and
# 83 MB without, for query p50/p95 of 7.4/14.2 ms instead of 6.2/12.5 ms. (The reader
# handles both, so older compound indexes still open.)
COMPOUND_SEGMENTS = False
# A full build commits a segment to its (not yet live) generation every SEGMENT_DOCS
# documents. Writing a segment (sorting and encoding its postings) was 32 s of a 188 s
# Reuters build when done once at the end, with one core idle; per segment it runs while
# the NER workers still work, and only the last, partial one is left for the end (cold
# Reuters build with 8,000: 166 s; with 4,000: 162 s, query p95 the same, +10% on disk).
# Segments of one size tier are merged once there are MERGE_FANOUT of them, so a
# 2,000,000-article build ends with tens of segments, not 500.
SEGMENT_DOCS = 4_000
MERGE_FANOUT = 8
# Posting lists of fewer documents are stored in their term's entry (see patches.py):
# writing 1,000 Reuters articles' segment took 4.0-4.5 s of CPU instead of 6.6-7.1 s, and
# the segment is a fifth smaller.
INLINE_POSTINGS = 8


def size_tier(docs: int) -> int:
    """A segment's size tier. Tier 0 is below half a full build's segment (what increments
    and alias passes write), tier 1 holds the full build's segments (SEGMENT_DOCS), each
    tier above MERGE_FANOUT times the one below. Half, not all: a merged tier loses its
    deleted documents and must still land in the tier above.

    The full build's segments once shared tier 0 with every small one: on Reuters the build
    leaves five segments of 4,000 and one of 577, and the next 1,000 articles (their
    segment, then the alias pass's) made eight, merged into one: 76 s of an increment."""
    tier, bound = 0, max(1, SEGMENT_DOCS // 2)
    while docs >= bound:
        tier, bound = tier + 1, bound * MERGE_FANOUT
    return tier


def merge_tiers(writer: Any, segments: list[Any]) -> list[Any]:
    """Whoosh merge policy: merge MERGE_FANOUT segments of one size tier into the new one."""
    tiers: dict[int, list[Any]] = {}
    for seg in segments:
        tiers.setdefault(size_tier(seg.doc_count_all()), []).append(seg)
    merged = [seg for group in tiers.values() if len(group) >= MERGE_FANOUT for seg in group]
    for seg in merged:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return [seg for seg in segments if seg not in merged]


def _check_schema(schema: Any, root: Path) -> None:
    """An index written by another Dateline version cannot take today's documents."""
    expected = build_schema()
    if sorted(schema.names()) != sorted(expected.names()):
        raise IndexVersionError(
            f"the index at {root} was built by another version of Dateline (its fields "
            "differ): run `dateline reindex --full` to rebuild it"
        )


def _delete_when_flushed(writer: Any, docnums: set[int]) -> None:
    """Mark ``docnums`` (numbers in the segment ``writer`` is writing) deleted in that
    segment once it is flushed, before the table of contents that publishes it."""
    finalize = writer._finalize_segment

    def finalize_with_deletions() -> Any:
        segment = finalize()
        for docnum in docnums:
            segment.delete_document(docnum)
        return segment

    writer._finalize_segment = finalize_with_deletions


class WhooshIndexWriter:
    """One batch: ``add``/``delete`` then ``commit`` (all visible at once) or ``abort``."""

    def __init__(self, store: GenerationStore, *, full: bool) -> None:
        self._store = store
        self._full = full
        self._owns_lock = not store.lock().held()
        if self._owns_lock:
            store.lock().acquire()
        self._new_gen: Path | None = None
        self._seen: set[str] = set()
        # Vocabulary words a full build has indexed (see schema.WORDS_FIELD). In
        # place updates give every document all its words: a word whose only carrier is
        # deleted or replaced later would otherwise leave the vocabulary.
        self._words: set[str] = set()
        # The documents added to the segment being written, by id (their numbers in it),
        # and the numbers replaced or deleted later in the same batch: Whoosh deletes
        # only from committed segments, never from its writer's pool. (Ids of this
        # segment only: a full build starts both afresh with each segment.)
        self._batch: dict[str, int] = {}
        self._superseded: set[int] = set()
        self._done = False
        try:
            store.collect_garbage()
            self._writer = self._open()
        except BaseException:
            self._cleanup_failed()
            raise

    def _open(self) -> Any:
        live = self._store.current()
        try:
            if self._new_gen is not None:  # the next segment of a full build
                ix = index.open_dir(str(self._new_gen))
            elif self._full or live is None:
                self._new_gen = self._store.new_generation()
                ix = index.create_in(str(self._new_gen), build_schema())
            else:
                ix = index.open_dir(str(self._store.root / live))
                _check_schema(ix.schema, self._store.root)
            codec = W3Codec(inlinelimit=INLINE_POSTINGS)
            return ix.writer(limitmb=WRITER_LIMIT_MB, compound=COMPOUND_SEGMENTS, codec=codec)
        except BackendError:
            raise
        except LockError as e:
            raise IndexBusyError(
                f"another process is writing the index (lock: {self._store.root / str(live)})"
            ) from e
        except OSError as e:
            raise writable_error(self._store.root, e) from e
        except Exception as e:  # corrupt TOC or segment: the fix is a full rebuild
            raise IndexMissingError(
                f"the index at {self._store.root} cannot be updated ({type(e).__name__}: {e}): "
                "run `dateline reindex --full`"
            ) from e

    def add(self, doc: IndexDocument) -> None:
        """Add or replace the document with ``doc.id``."""
        self._check_open()
        try:
            self._supersede(doc.id)
            docnum = self._writer.docnum
            if self._new_gen is not None:
                # A fresh generation has nothing to replace, so no lookup per article;
                # only an id repeated in the build replaces its version in a segment
                # the build already committed (the later version wins, as on Typesense).
                if doc.id in self._seen:
                    self._writer.delete_by_term("id", doc.id)
                    # It carries all its words, as an in-place update does: the words
                    # the version it replaces carried go with it. (A word only that
                    # version carried, though an article indexed before it also has it,
                    # leaves "did you mean"; the pipeline sends no repeated ids.)
                    fields = to_fields(doc)
                else:
                    self._seen.add(doc.id)
                    fields = to_fields(doc, self._words)
                self._writer.add_document(**fields)
            else:
                self._writer.update_document(**to_fields(doc))
            self._batch[doc.id] = docnum
        except OSError as e:
            self.abort()
            raise writable_error(self._store.root, e) from e
        except Exception as e:  # a value Whoosh refuses: report it, the batch stays usable
            raise BackendError(
                f"cannot index document {doc.id} ({doc.key}): {type(e).__name__}: {e}"
            ) from e
        if self._new_gen is not None and self._writer.doc_count() >= SEGMENT_DOCS:
            self._next_segment()

    def _next_segment(self) -> None:
        """Commit the full build's current segment (still invisible) and start another."""
        try:
            if self._superseded:
                _delete_when_flushed(self._writer, self._superseded)
            self._writer.commit(mergetype=merge_tiers)
            self._batch, self._superseded = {}, set()
            self._writer = self._open()
        except BaseException as e:
            self.abort()
            if isinstance(e, OSError):
                raise writable_error(self._store.root, e) from e
            raise

    def delete(self, doc_id: str) -> None:
        """Remove a document (no error if it is absent)."""
        self._check_open()
        try:
            self._supersede(doc_id)
            self._writer.delete_by_term("id", doc_id)
        except OSError as e:
            self.abort()
            raise writable_error(self._store.root, e) from e

    def _supersede(self, doc_id: str) -> None:
        """Drop the version of ``doc_id`` added earlier to the segment being written."""
        docnum = self._batch.pop(doc_id, None)
        if docnum is not None:
            self._superseded.add(docnum)

    def commit(self) -> None:
        """Make every change visible atomically (a full build: switch CURRENT to it)."""
        self._check_open()
        try:
            if self._superseded:
                _delete_when_flushed(self._writer, self._superseded)
            # Incremental commits merge by tiers too (Whoosh's default, MERGE_SMALL, merges
            # every segment whose running total stays under a Fibonacci bound, which grows
            # with the index): adding 1,000 articles to a large index writes one small
            # segment and merges only a full tier of small ones, never the big segments.
            self._writer.commit(mergetype=merge_tiers)
            self._save_columns()
            if self._new_gen is not None:
                self._store.publish(self._new_gen.name)
                self._new_gen = None
                self._store.collect_garbage()
        except OSError as e:
            self._done = True
            self._cleanup_failed()
            raise writable_error(self._store.root, e) from e
        finally:
            self._done = True
            self._release()

    def _save_columns(self) -> None:
        """Save the facet columns of the committed segments that have none yet, before a
        full build goes live (so a server opens it from arrays) and after an incremental
        commit (only its new or merged segments)."""
        from search.backends.whoosh import colcache

        live = self._store.current()
        gen_dir = self._new_gen or (self._store.root / live if live else None)
        if gen_dir is None:
            return
        try:
            with index.open_dir(str(gen_dir)).reader() as reader:
                written = colcache.save_missing(reader, gen_dir)
        except Exception as e:  # the index is whole without them, only slower to open
            log.warning("column caches not written in %s: %s: %s", gen_dir, type(e).__name__, e)
            return
        log.debug("column caches written: %d", written)

    def abort(self) -> None:
        """Drop every change; the live index is untouched."""
        if self._done:
            return
        self._done = True
        try:
            self._writer.cancel()
        except Exception:  # cancelling a writer whose files vanished (disk error)
            log.debug("writer cancel failed", exc_info=True)
        self._cleanup_failed()

    def _check_open(self) -> None:
        if self._done:
            raise BackendError("this index writer was already committed or aborted")

    def _cleanup_failed(self) -> None:
        if self._new_gen is not None:
            self._store.remove(self._new_gen)
            self._new_gen = None
        self._release()

    def _release(self) -> None:
        if self._owns_lock:
            self._owns_lock = False
            self._store.lock().release()
