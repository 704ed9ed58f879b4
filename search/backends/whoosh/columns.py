"""Per-document facet columns ("doc values") held as numpy arrays, and what is computed
from them per query: filter masks, facet counts and date histograms.

Built per index segment (one pass over its compact per-document records, kept while the
segment lives) and merged at each new generation of the index; then every query costs a
few vectorised numpy operations over the matching document numbers instead of Whoosh
``groupedby`` (measured ~100x slower) or term expansion for date ranges.
Backend-independent: document numbers are whatever the engine uses, ``0 .. size-1``.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from search.backends import shared
from search.backends.whoosh.groups import KeyBuilder, KeyColumn
from search.backends.whoosh.schema import record_values
from search.facets import FACETS
from search.models import DateBucket, DateHistogram, Facet, SearchRequest

IntArray = npt.NDArray[np.int64]
# Held per document or per entry for as long as a generation is open: 4 bytes each where
# the values fit (document numbers, value ids, key codes, days), half the memory of int64.
# With no per-entry document array kept, a 1M-article index's serving process fell from
# 458-490 to 262-280 MB (docs/benchmarks.md). Arithmetic that can pass 2**31 (pair codes)
# widens to int64 first.
Int32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

NO_DATE = -1
# Facet counts over at least 1/DENSE_SHARE of the index select entries with a mask of
# the documents; below, gathering their slices is cheaper (measured at 1M articles).
DENSE_SHARE = 3


@dataclass(frozen=True, slots=True)
class MultiColumn:
    """A multi-valued column in CSR form.

    ``ids[offsets[d]:offsets[d+1]]`` are document ``d``'s value ids. Values are merged
    case-insensitively and keep the first spelling seen (the canonical case).
    """

    offsets: IntArray
    ids: Int32Array
    values: tuple[str, ...]
    lookup: dict[str, int]  # casefolded value -> id

    def value_id(self, value: str) -> int | None:
        """The id of ``value`` (any case), or None when no document has it."""
        return self.lookup.get(value.casefold())

    def docs_with(self, value: str, size: int) -> BoolArray:
        """Mask of documents that have ``value``."""
        mask = np.zeros(size, dtype=bool)
        vid = self.value_id(value)
        if vid is not None:
            mask[self.entry_docs(np.flatnonzero(self.ids == vid))] = True
        return mask

    def entry_docs_all(self) -> IntArray:
        """The document of every entry, in entry order."""
        docs: IntArray = np.repeat(np.arange(len(self.offsets) - 1), np.diff(self.offsets))
        return docs

    def entry_docs(self, entries: IntArray) -> IntArray:
        """The document of each entry index (no per-entry document array is kept)."""
        docs: IntArray = np.searchsorted(self.offsets, entries, side="right") - 1
        return docs

    def counts(self, docs: IntArray) -> IntArray:
        """Occurrences of every value id among the documents ``docs`` (no duplicates)."""
        n_values = len(self.values)
        if len(docs) == 0 or n_values == 0:
            return np.zeros(n_values, dtype=np.int64)
        size = len(self.offsets) - 1
        if len(docs) * DENSE_SHARE >= size:
            # A large share of the index (browsing): select entries by a mask of the
            # documents instead (1M articles, all of them: actor 135 -> 20 ms).
            chosen = np.zeros(size, dtype=bool)
            chosen[docs] = True
            return np.bincount(
                self.ids[np.repeat(chosen, np.diff(self.offsets))], minlength=n_values
            )
        starts = self.offsets[docs]
        lengths = self.offsets[docs + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(n_values, dtype=np.int64)
        # Gather the CSR slices of the selected documents without a Python loop:
        # position k of the output belongs to document j = repeat index; its entry index is
        # starts[j] + (k - first output position of j).
        firsts = np.cumsum(lengths) - lengths
        entry = np.arange(total, dtype=np.int64) + np.repeat(starts - firsts, lengths)
        return np.bincount(self.ids[entry], minlength=n_values)

    def distinct_counts(self, docs: IntArray, keys: Int32Array) -> IntArray:
        """Per value id, the distinct ``keys[d]`` (story codes) among documents ``docs``
        having it: facet counts that count stories instead of articles."""
        n_values = len(self.values)
        if len(docs) == 0 or n_values == 0:
            return np.zeros(n_values, dtype=np.int64)
        starts = self.offsets[docs]
        lengths = self.offsets[docs + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(n_values, dtype=np.int64)
        firsts = np.cumsum(lengths) - lengths
        entry = np.arange(total, dtype=np.int64) + np.repeat(starts - firsts, lengths)
        # One (key, value) pair per story and value: unique, then counted per value.
        entry_keys = np.repeat(keys[docs], lengths).astype(np.int64)
        pairs = np.unique(entry_keys * n_values + self.ids[entry])
        return np.bincount(pairs % n_values, minlength=n_values)


@dataclass(frozen=True, slots=True)
class DocColumns:
    """Every column of one index generation."""

    size: int  # document numbers are 0 .. size-1 (deleted ones included)
    live: BoolArray
    facets: Mapping[str, MultiColumn]  # by facet name (``search.facets.FACETS``)
    day: Int32Array  # date ordinal of publication, NO_DATE when undated
    stamp: IntArray  # publication time in epoch seconds (sorting), 0 when undated
    month: Int32Array  # year * 12 + month - 1, NO_DATE when undated
    year: Int32Array  # year, NO_DATE when undated
    copies: KeyColumn  # copy group of each document (its own id when it has none)
    stories: KeyColumn  # story of each document (its own id when it has none)

    def facet(self, name: str) -> MultiColumn:
        """The column of the facet called ``name``."""
        return self.facets[name]


class _FacetBuilder:
    """Accumulates one multi-valued facet of one segment, document by document."""

    def __init__(self) -> None:
        self.folded: dict[str, int] = {}  # casefolded value -> local value id
        self.spellings: dict[str, int] = {}  # exact spelling -> local spelling id
        self.folded_of: list[int] = []  # spelling id -> value id
        # Machine ints, not lists of Python ints: a segment of 300,000 articles holds
        # millions of entries, and its columns are built while the server opens the index.
        self.docs = array("i")
        self.ids = array("i")
        self.spell_docs = array("i")
        self.spell_ids = array("i")

    def add(self, docnum: int, values: Iterable[str]) -> None:
        seen: set[int] = set()
        spelled: set[int] = set()
        for value in values:
            if not isinstance(value, str) or not value:
                continue
            sid = self.spellings.get(value)
            if sid is None:
                sid = self.spellings[value] = len(self.spellings)
                self.folded_of.append(self.folded.setdefault(value.casefold(), len(self.folded)))
            vid = self.folded_of[sid]
            if sid not in spelled:  # a spelling counts once per document
                spelled.add(sid)
                self.spell_docs.append(docnum)
                self.spell_ids.append(sid)
            if vid not in seen:  # and so does a value
                seen.add(vid)
                self.docs.append(docnum)
                self.ids.append(vid)

    def build(self) -> FacetPart:
        return FacetPart(
            spellings=tuple(self.spellings),
            folded_of=np.asarray(self.folded_of, dtype=np.int32),
            values=len(self.folded),
            docs=_int32(self.docs),
            ids=_int32(self.ids),
            spell_docs=_int32(self.spell_docs),
            spell_ids=_int32(self.spell_ids),
        )


@dataclass(frozen=True, slots=True)
class FacetPart:
    """One facet of one segment: entries ``(docs[k], ids[k])``, a value once per document
    (in document order), and ``(spell_docs[k], spell_ids[k])``, each spelling once per
    document. A value is one casefolded spelling; ``folded_of`` maps spellings to values."""

    spellings: tuple[str, ...]
    folded_of: Int32Array
    values: int
    docs: Int32Array
    ids: Int32Array
    spell_docs: Int32Array
    spell_ids: Int32Array


@dataclass(frozen=True, slots=True)
class SegmentColumns:
    """What the columns need of one index segment, every document of it (deleted ones too:
    a segment never changes, only which of its documents are deleted), so a new index
    generation builds only its new segments and merges the rest (``merge_columns``)."""

    size: int
    facets: Mapping[str, FacetPart]
    day: Int32Array
    stamp: IntArray
    copy_keys: tuple[str, ...]
    copy_codes: Int32Array  # -1: no key (no record, or no id in it)
    story_keys: tuple[str, ...]
    story_codes: Int32Array


def segment_columns(records: Iterable[tuple[int, dict[str, Any]]], size: int) -> SegmentColumns:
    """The columns of one segment from ``(docnum, record)`` pairs, docnums ``0 .. size-1``.

    A record (``schema.encode_facets``) has each facet field's values, ``t`` (epoch
    seconds or None) and ``d`` (day ordinal or None). Writers save the result beside the
    segment (``colcache``): bump ``colcache.FORMAT`` when this changes what it computes.
    """
    day = np.full(size, NO_DATE, dtype=np.int32)
    stamp = np.zeros(size, dtype=np.int64)
    builders = {name: _FacetBuilder() for name in FACETS}
    copies, stories = _KeyCodes(size), _KeyCodes(size)
    for docnum, rec in records:
        own = rec.get("i")  # without an id, its own key is given by merge_columns
        if rec.get("g") or own:
            copies.add(docnum, str(rec.get("g") or own))
        if rec.get("y") or own:
            stories.add(docnum, str(rec.get("y") or own))
        for name, spec in FACETS.items():
            builders[name].add(docnum, record_values(rec, spec.doc_field))
        if rec.get("d") is not None:
            day[docnum] = int(rec["d"])
            stamp[docnum] = int(rec.get("t") or 0)
    return SegmentColumns(
        size=size,
        facets={name: builder.build() for name, builder in builders.items()},
        day=day,
        stamp=stamp,
        copy_keys=tuple(copies.lookup),
        copy_codes=copies.codes,
        story_keys=tuple(stories.lookup),
        story_codes=stories.codes,
    )


class _KeyCodes:
    """One key per document of a segment, as codes into the keys in order of first use."""

    def __init__(self, size: int) -> None:
        self.codes = np.full(size, -1, dtype=np.int32)
        self.lookup: dict[str, int] = {}

    def add(self, docnum: int, key: str) -> None:
        self.codes[docnum] = self.lookup.setdefault(key, len(self.lookup))


def merge_columns(parts: Sequence[tuple[SegmentColumns, BoolArray]]) -> DocColumns:
    """The columns of an index made of the segments ``parts`` in document-number order,
    each with its mask of live documents.

    Only live documents count: a value, spelling or key held by deleted documents alone
    is left out, so the result is what one pass over the live documents would give.
    """
    size = sum(part.size for part, _ in parts)
    bases = np.cumsum([0] + [part.size for part, _ in parts])[:-1]
    live = np.concatenate([m for _, m in parts]) if parts else np.zeros(0, dtype=bool)
    day: Int32Array = _concat([part.day for part, _ in parts], np.int32)
    stamp: IntArray = _concat([part.stamp for part, _ in parts], np.int64)
    placed = [(part, int(base)) for (part, _), base in zip(parts, bases, strict=True)]
    facet_columns = {
        name: _merge_facet([(part.facets[name], base) for part, base in placed], live)
        for name in FACETS
    }
    copies = _merge_keys([(p.copy_keys, p.copy_codes) for p, _ in parts], live)
    stories = _merge_keys([(p.story_keys, p.story_codes) for p, _ in parts], live)
    year = np.full(size, NO_DATE, dtype=np.int32)
    month = np.full(size, NO_DATE, dtype=np.int32)
    day[~live] = NO_DATE
    stamp[~live] = 0
    dated = np.flatnonzero(day != NO_DATE)
    if len(dated):
        # Few distinct days: convert each distinct ordinal once.
        uniq, inverse = np.unique(day[dated], return_inverse=True)
        ys = np.array([date.fromordinal(int(o)).year for o in uniq], dtype=np.int32)
        ms = np.array([date.fromordinal(int(o)).month for o in uniq], dtype=np.int32)
        year[dated] = ys[inverse]
        month[dated] = ys[inverse] * 12 + ms[inverse] - 1
    by_source = [c for n, c in facet_columns.items() if FACETS[n].doc_field == "source"]
    pairs = (by_source[0].entry_docs_all(), by_source[0].ids) if by_source else None
    return DocColumns(
        size=size,
        live=live,
        facets=facet_columns,
        day=day,
        stamp=stamp,
        month=month,
        year=year,
        copies=KeyBuilder(*copies).build(),
        stories=KeyBuilder(*stories).build(day, pairs),
    )


def build_columns(records: Iterable[tuple[int, dict[str, Any]]], size: int) -> DocColumns:
    """Columns from ``(docnum, record)`` pairs of the live documents of one index."""
    given = list(records)
    live = np.zeros(size, dtype=bool)
    live[[docnum for docnum, _ in given]] = True
    return merge_columns([(segment_columns(given, size), live)])


def _int32(values: array[int]) -> Int32Array:
    """A machine-int array as a numpy array (one copy, no Python ints)."""
    return np.frombuffer(values, dtype=np.int32).copy() if len(values) else np.zeros(0, np.int32)


def _concat(arrays: Sequence[npt.NDArray[Any]], dtype: type[np.generic]) -> npt.NDArray[Any]:
    return np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype)


def _merge_facet(parts: list[tuple[FacetPart, int]], live: BoolArray) -> MultiColumn:
    """One facet's column over every segment: live entries, values renumbered densely in
    order of first use, each shown in the spelling the most live documents hold (ties by
    value), as on Typesense: the first one met would depend on document order, and the
    archive-wide alias pass, which reads these names, would then decide differently on
    the two engines ("DuPont" / "Dupont")."""
    folded: dict[str, int] = {}
    spellings: dict[str, int] = {}
    docs: list[Int32Array] = []
    ids: list[Int32Array] = []
    spell_ids: list[Int32Array] = []
    for part, base in parts:
        # Local spelling and value ids -> ids over all segments.
        spell_map = np.fromiter(
            (spellings.setdefault(s, len(spellings)) for s in part.spellings),
            dtype=np.int32,
            count=len(part.spellings),
        )
        value_map = np.full(part.values, -1, dtype=np.int32)
        for sid, vid in enumerate(part.folded_of.tolist()):
            if value_map[vid] < 0:
                value_map[vid] = folded.setdefault(part.spellings[sid].casefold(), len(folded))
        keep = live[part.docs + base]
        docs.append(part.docs[keep] + base)
        ids.append(value_map[part.ids[keep]])
        spell_ids.append(spell_map[part.spell_ids[live[part.spell_docs + base]]])
    size = len(live)
    doc_arr: Int32Array = _concat(docs, np.int32)
    id_arr: Int32Array = _concat(ids, np.int32)
    # Values held by live documents, renumbered in order of first use.
    used = np.zeros(len(folded), dtype=bool)
    used[id_arr] = True
    firsts = np.full(len(folded), len(id_arr), dtype=np.int64)
    np.minimum.at(firsts, id_arr, np.arange(len(id_arr), dtype=np.int64))
    order = np.flatnonzero(used)[np.argsort(firsts[used], kind="stable")]
    renumber = np.full(len(folded), -1, dtype=np.int32)
    renumber[order] = np.arange(len(order), dtype=np.int32)
    id_arr = renumber[id_arr]
    shown = _concat(spell_ids, np.int32)
    names = _spellings_shown(spellings, folded, shown, renumber, len(order))
    offsets = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(doc_arr, minlength=size), out=offsets[1:])
    lookup = {value.casefold(): vid for vid, value in enumerate(names)}
    return MultiColumn(offsets, id_arr, tuple(names), lookup)


def _spellings_shown(
    spellings: dict[str, int],
    folded: dict[str, int],
    live_spell_ids: Int32Array,
    renumber: Int32Array,
    n_values: int,
) -> list[str]:
    """Per value (new id), the spelling held by the most live documents (ties by value)."""
    held = np.bincount(live_spell_ids, minlength=len(spellings))
    best: list[tuple[int, str] | None] = [None] * n_values
    for spelling, sid in spellings.items():
        count = int(held[sid])
        if not count:
            continue
        vid = int(renumber[folded[spelling.casefold()]])
        current = best[vid]
        if current is None or (-count, spelling) < (-current[0], current[1]):
            best[vid] = (count, spelling)
    return [b[1] if b is not None else "" for b in best]


def _merge_keys(
    parts: list[tuple[tuple[str, ...], Int32Array]], live: BoolArray
) -> tuple[Int32Array, dict[str, int]]:
    """Codes of one key column over every segment: ``-1`` for deleted documents, keys of
    live documents numbered in order of first use."""
    lookup: dict[str, int] = {}
    codes = []
    for keys, local in parts:
        key_map = np.array([lookup.setdefault(k, len(lookup)) for k in keys] + [-1], dtype=np.int32)
        codes.append(key_map[local])  # local -1 reads the appended -1
    all_codes: Int32Array = _concat(codes, np.int32)
    all_codes[~live] = -1
    # A live document with no key (no id in its record) is a group of its own.
    for docnum in np.flatnonzero(live & (all_codes < 0)).tolist():
        all_codes[docnum] = lookup.setdefault(f"#{docnum}", len(lookup))
    # Keys of live documents only, renumbered in order of first use.
    present = all_codes[all_codes >= 0]
    uniq, first = np.unique(present, return_index=True)
    order = uniq[np.argsort(first, kind="stable")]
    # One slot more, holding -1: code -1 (no live document) indexes it and stays -1.
    renumber = np.full(len(lookup) + 1, -1, dtype=np.int32)
    renumber[order] = np.arange(len(order), dtype=np.int32)
    keys_by_code = list(lookup)
    all_codes = renumber[all_codes]
    return all_codes, {keys_by_code[int(c)]: n for n, c in enumerate(order)}


def filter_mask(cols: DocColumns, request: SearchRequest) -> BoolArray | None:
    """Mask of live documents passing every filter, or None when there is no filter.

    A facet that narrows needs every selected value (AND), one that widens any (OR);
    dates are inclusive and exclude undated documents.
    """
    date_from, date_to = request.date_from, request.date_to
    selected = {name: spec.selected(request) for name, spec in FACETS.items()}
    excluded = {name: spec.excluded(request) for name, spec in FACETS.items()}
    keyed = request.stories or request.copy_groups
    if not (any(selected.values()) or any(excluded.values()) or date_from or date_to or keyed):
        return None
    mask = cols.live.copy()
    # A document has one story and one copy group: two different values keep nothing.
    for story in request.stories:
        mask &= cols.stories.docs_with(story)
    for group in request.copy_groups:
        mask &= cols.copies.docs_with(group)
    for name, values in selected.items():
        column = cols.facet(name)
        if FACETS[name].narrows:
            for value in values:
                mask &= column.docs_with(value, cols.size)
        elif values:
            anyone = np.zeros(cols.size, dtype=bool)
            for value in values:
                anyone |= column.docs_with(value, cols.size)
            mask &= anyone
    # An excluded value drops every article that has it (articles without the facet stay).
    for name, values in excluded.items():
        for value in values:
            mask &= ~cols.facet(name).docs_with(value, cols.size)
    if date_from is not None:
        mask &= cols.day >= date_from.toordinal()
    if date_to is not None:
        mask &= (cols.day <= date_to.toordinal()) & (cols.day != NO_DATE)
    return mask


def top_facet(
    column: MultiColumn, counts: IntArray, size: int, selected: Sequence[str] = ()
) -> Facet:
    """The ``size`` most frequent values (ties by value), plus every selected value.

    Only the values counted at least as often as the ``size``-th (and the selected ones)
    go to ``shared.top_facet``: a broad result has tens of thousands of actors, and
    sorting them all cost ~200 ms per search on Reuters.
    """
    present = np.flatnonzero(counts)
    candidates = present
    if size >= 0 and len(present) > size:
        cut = len(present) - max(size, 1)
        floor = np.partition(counts[present], cut)[cut]
        candidates = present[counts[present] >= floor]
    ids = set(candidates.tolist())
    for value in selected:
        vid = column.value_id(value)
        if vid is not None and counts[vid]:
            ids.add(vid)
    found = {column.values[vid]: int(counts[vid]) for vid in ids}
    return shared.top_facet(found, size, selected, distinct=len(present))


def facets(cols: DocColumns, docs: IntArray, request: SearchRequest) -> dict[str, Facet]:
    """Every value facet over the documents ``docs``: the top ``request.facet_size``
    values plus the selected ones. With ``count=stories`` a value counts the distinct
    stories of its documents."""
    out = {}
    for name, spec in FACETS.items():
        column = cols.facet(name)
        if request.count == "stories":
            counts = column.distinct_counts(docs, cols.stories.codes)
        else:
            counts = column.counts(docs)
        out[name] = top_facet(column, counts, request.facet_size, spec.selected(request))
    return out


def histogram(cols: DocColumns, docs: IntArray) -> DateHistogram:
    """Date buckets of the documents ``docs``, interval chosen from their date span."""
    days = cols.day[docs]
    dated = days != NO_DATE
    undated = int(len(days) - int(dated.sum()))
    if not dated.any():
        return DateHistogram(interval="day", buckets=(), undated=undated)
    days = days[dated]
    interval = shared.choose_interval(int(days.min()), int(days.max()))
    return shared.contiguous(_buckets(cols, docs, dated, days, interval), interval, undated)


def _buckets(
    cols: DocColumns, docs: IntArray, dated: BoolArray, days: IntArray, interval: shared.Interval
) -> tuple[DateBucket, ...]:
    """The non-empty buckets of the dated documents at ``interval``."""
    if interval == "year":
        keys, counts = np.unique(cols.year[docs][dated], return_counts=True)
        labels = [f"{int(k):04d}" for k in keys]
    elif interval == "month":
        keys, counts = np.unique(cols.month[docs][dated], return_counts=True)
        labels = [f"{int(k) // 12:04d}-{int(k) % 12 + 1:02d}" for k in keys]
    else:
        keys, counts = np.unique(days, return_counts=True)
        labels = [date.fromordinal(int(k)).isoformat() for k in keys]
    return tuple(DateBucket(label, int(c)) for label, c in zip(labels, counts, strict=True))


def value_counts(column: MultiColumn, live: BoolArray) -> IntArray:
    """Occurrences of every value among live documents."""
    return column.counts(np.flatnonzero(live))
