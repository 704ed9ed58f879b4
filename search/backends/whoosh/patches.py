"""Two fixes to Whoosh's codec, applied when this module is imported.

1. Cached absence of a column.

``W3PerDocReader._cached_reader`` caches the column readers it finds but not the absence of
one, so asking the length of a field that has no length column (unscored fields: ids, date
buckets, the ``body_pairs`` filter field) costs an ``os.stat`` every time. Writing a segment
asks it once per posting: on Reuters-21578 that was ~3.6 million stat calls, about a third of
the final commit. A segment's files never change once written, so "no such column" can be
cached as safely as a reader.

2. Inlined postings. Whoosh's writer would store a posting list shorter than the codec's
``inlinelimit`` inside its term's entry instead of as a block of its own in the postings
file, but the call it makes for that is misspelt (``set_inline`` for ``set_inlined``), so
only the default limit of 1 (never inline) worked. Writing a block costs two pickles, a
zlib call and a seek per term: a segment of 1,000 Reuters articles has ~80,000 terms,
most of them word pairs in one or two documents. Whoosh reads inlined postings with its
generic ``ListMatcher``, which answers "" for the value of a posting without one (a
merge then fails: values must be bytes or None) and loses the term info in its copies;
``InlineMatcher`` answers as Whoosh's block matcher does.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import repeat
from typing import Any

from whoosh.codec import whoosh3
from whoosh.matching import ListMatcher

_MISSING = object()


def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
    reader = self._readers.get(fieldname, _MISSING)
    if reader is _MISSING:
        reader = None
        if self.has_column(fieldname):
            reader = self.column_reader(fieldname, column)
        self._readers[fieldname] = reader
    return reader


class InlineMatcher(ListMatcher):  # type: ignore[misc]
    """The postings of a term stored in its entry, read as from a posting block."""

    def value(self) -> Any:
        """The posting's encoded value; None for a format without values."""
        return super().value() if self._values else None

    def all_items(self) -> Iterator[tuple[int, Any]]:
        """``(docnum, value)`` of every posting."""
        return zip(self._ids, self._values or repeat(None), strict=False)

    def copy(self) -> InlineMatcher:
        """A matcher at the same posting, with the same term and term info."""
        return InlineMatcher(
            self._ids,
            self._weights,
            self._values,
            self._format,
            self._scorer,
            self._i,
            self._all_weights,
            self._term,
            self._terminfo,
        )


def _postings_reader(
    self: Any, dbfile: Any, terminfo: Any, format_: Any, term: Any = None, scorer: Any = None
) -> Any:
    if not terminfo.is_inlined():
        return _block_postings_reader(self, dbfile, terminfo, format_, term, scorer)
    ids, weights, values = terminfo.inlined_postings()
    return InlineMatcher(ids, weights, values, format_, scorer=scorer, term=term, terminfo=terminfo)


_block_postings_reader = whoosh3.W3Codec.postings_reader


def apply() -> None:
    """Install the fixes (idempotent)."""
    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    whoosh3.W3TermInfo.set_inline = whoosh3.W3TermInfo.set_inlined
    whoosh3.W3Codec.postings_reader = _postings_reader


apply()
