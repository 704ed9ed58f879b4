"""The Whoosh schema for ``IndexDocument`` and the conversions to and from it.

Fields that hold lists (actors, countries, source) are indexed as one lower-cased token
per value, so ``actor:"vladimir putin"`` matches whatever the case, while the stored copy
keeps the canonical names (Whoosh's ``_stored_<field>`` keyword). A compact JSON column
(``facets``) holds what the facet/filter columns need, so they can be built per index
generation without unpickling every stored body.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from whoosh import analysis, columns, fields, formats

from search.backends.whoosh import patches  # noqa: F401  (every Whoosh index goes through here)
from search.models import IndexDocument, MarkedSpan
from search.query import STOP_WORDS

# One token per line: canonical names never contain a newline, and commas do occur in
# organisation names ("Foo, Inc.").
LIST_ANALYZER = (
    analysis.RegexTokenizer(r"[^\n]+") | analysis.StripFilter() | analysis.LowercaseFilter()
)
TEXT_ANALYZER = analysis.StemmingAnalyzer(stoplist=STOP_WORDS, cachesize=200_000)


class _PairFilter(analysis.BiWordFilter):  # type: ignore[misc]
    """Whoosh's ``BiWordFilter``, which fails on a text with no word left (a body of
    stop words or punctuation only: its last token is unbound); such a text has no pairs.

    Whoosh pickles the schema, this class included, into every index it writes: keep its
    name and module, or indexes built with it no longer open.
    """

    def __call__(self, tokens: Iterable[Any]) -> Iterator[Any]:
        tokens = iter(tokens)
        first = next(tokens, None)
        if first is not None:
            yield from super().__call__(itertools.chain((first,), tokens))


# Adjacent word pairs of the body ("interest rate"): a phrase becomes one term lookup per
# pair instead of a position check per candidate document (Whoosh's phrase matcher cost
# ~100 ms per phrase query at Reuters scale). Stop words are skipped, as in queries.
PAIR_ANALYZER = TEXT_ANALYZER | _PairFilter(sep=" ")
PAIRS_FIELD = "body_pairs"
# Unstemmed, lower-cased words of title and body: the vocabulary of "did you mean". Each
# word needs to be in the index once, not once per document: a full build passes only the
# words it has not indexed yet. (Whoosh's own spelling=True re-analysed every body and
# wrote a posting per word and document: a fifth of a Reuters build's Whoosh time.)
WORDS_FIELD = "words"
WORD = re.compile(r"[^\W\d_]{2,}")

# User-facing query field names -> schema fields (see search/query.py FIELDS).
FIELD_ALIASES = {
    "actors": ["actor"],
    "countries": ["country"],
    "dates_mentioned": ["mentioned"],
}


# The key of each facet field (``IndexDocument`` field) in the per-document ``facets``
# column record; a key written by older indexes, so never renamed.
FACET_KEYS = {"actors": "a", "countries": "c", "source": "s"}


def _list_field() -> fields.TEXT:
    return fields.TEXT(analyzer=LIST_ANALYZER, phrase=False, stored=True)


def build_schema() -> fields.Schema:
    """The schema of every Dateline Whoosh index."""
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        key=fields.ID(stored=True),
        title=fields.TEXT(analyzer=TEXT_ANALYZER, stored=True),
        # Word counts only (BM25), no positions: a body phrase is found through its word
        # pairs (``body_pairs``) and snippets are made from the stored text. Positions and
        # characters cost a pickled list per posting: unpickling a block of 128 took 41
        # microseconds against 3 without them, most of a term query at 1M articles.
        body=fields.TEXT(analyzer=TEXT_ANALYZER, stored=True, phrase=False),
        # Existence postings (document ids only), not scorable: pairs only filter.
        body_pairs=fields.FieldType(formats.Existence(), PAIR_ANALYZER),
        words=fields.FieldType(formats.Existence(), analysis.SpaceSeparatedTokenizer()),
        url=fields.STORED(),
        source=_list_field(),
        published=fields.DATETIME(stored=True, sortable=True),
        year=fields.ID(stored=True),
        month=fields.ID(stored=True),
        day=fields.ID(stored=True),
        actors=_list_field(),
        actor_kinds=fields.STORED(),
        countries=_list_field(),
        dates_mentioned=fields.KEYWORD(stored=True, commas=True),
        spans=fields.STORED(),
        content_hash=fields.STORED(),
        indexed_at=fields.STORED(),
        # Copy group and story ids as given ("" = the article's own); grouping reads them
        # from the ``facets`` column (keys ``g`` and ``y``).
        copy_group=fields.STORED(),
        story=fields.STORED(),
        dateline=fields.STORED(),
        facets=fields.COLUMN(columns.VarBytesColumn()),
    )


def _utc(dt: datetime) -> datetime:
    """Naive datetimes are taken as UTC; Whoosh stores naive datetimes."""
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


def vocabulary(doc: IndexDocument) -> set[str]:
    """The distinct lower-cased words (letters only, two or more) of title and body."""
    return set(WORD.findall(doc.title.lower())) | set(WORD.findall(doc.body.lower()))


def to_fields(doc: IndexDocument, known_words: set[str] | None = None) -> dict[str, Any]:
    """Keyword arguments for ``writer.update_document`` for one document.

    ``known_words``: words already indexed in this batch; they are left out of the
    vocabulary field, and the document's new words are added to the set.
    """
    published = _utc(doc.published) if doc.published else None
    words = vocabulary(doc)
    if known_words is not None:
        words -= known_words
        known_words |= words
    out: dict[str, Any] = {
        "id": doc.id,
        "key": doc.key,
        "title": doc.title,
        "body": doc.body,
        PAIRS_FIELD: doc.body,
        WORDS_FIELD: " ".join(words),
        "actor_kinds": list(doc.actor_kinds),
        "dates_mentioned": ",".join(doc.dates_mentioned),
        "_stored_dates_mentioned": list(doc.dates_mentioned),
        "spans": encode_spans(doc.spans),
        "content_hash": doc.content_hash,
        "facets": encode_facets(doc),
    }
    if doc.url:
        out["url"] = doc.url
    if doc.indexed_at:
        out["indexed_at"] = doc.indexed_at.isoformat()
    if doc.copy_group:
        out["copy_group"] = doc.copy_group
    if doc.story:
        out["story"] = doc.story
    if doc.dateline:
        out["dateline"] = doc.dateline
    for name, values in (
        ("actors", doc.actors),
        ("countries", doc.countries),
        ("source", (doc.source,) if doc.source else ()),
    ):
        clean = [v.replace("\n", " ").strip() for v in values if v and v.strip()]
        if clean:
            out[name] = "\n".join(clean)
            out[f"_stored_{name}"] = clean
    if published is not None:
        out["published"] = published
        out["year"] = f"{published:%Y}"
        out["month"] = f"{published:%Y-%m}"
        out["day"] = f"{published:%Y-%m-%d}"
    return out


def encode_facets(doc: IndexDocument) -> bytes:
    """The per-document column value: the facet fields (``FACET_KEYS``), the publication
    time and day ordinal, and what incremental reindexing compares."""
    published = _utc(doc.published) if doc.published else None
    payload: dict[str, Any] = {
        key: _column_values(getattr(doc, doc_field)) for doc_field, key in FACET_KEYS.items()
    }
    payload.update(
        # Seconds since the epoch for sorting; the day ordinal for filters and histograms.
        t=int(published.replace(tzinfo=UTC).timestamp()) if published else None,
        d=published.date().toordinal() if published else None,
        # What incremental reindexing compares, readable without unpickling bodies.
        i=doc.id,
        k=doc.key,
        h=doc.content_hash,
        # Grouping keys, only when set (an article alone in its group costs nothing).
        **({"g": doc.copy_group} if doc.copy_group else {}),
        **({"y": doc.story} if doc.story else {}),
    )
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _column_values(value: tuple[str, ...] | str | None) -> list[str] | str | None:
    """A facet field in the column record: a list, or for a one-value field the value."""
    return list(value) if isinstance(value, tuple) else value or None


def record_values(record: dict[str, Any], doc_field: str) -> tuple[str, ...]:
    """The values of facet field ``doc_field`` in a decoded column record."""
    raw = record.get(FACET_KEYS[doc_field])
    return (raw,) if isinstance(raw, str) else tuple(raw or ())


def decode_facets(raw: bytes) -> dict[str, Any]:
    """Inverse of ``encode_facets`` (an empty value for deleted or foreign documents)."""
    if not raw:
        return {}
    value = json.loads(raw.decode("utf-8"))
    return value if isinstance(value, dict) else {}


def encode_spans(spans: tuple[MarkedSpan, ...]) -> str:
    """Spans as compact JSON rows ``[start, end, type, value]``."""
    rows = [[s.start, s.end, s.type, s.value] for s in spans]
    return json.dumps(rows, separators=(",", ":"), ensure_ascii=False)


def decode_spans(raw: str | None) -> tuple[MarkedSpan, ...]:
    """Inverse of ``encode_spans``."""
    if not raw:
        return ()
    return tuple(MarkedSpan(int(a), int(b), t, str(v)) for a, b, t, v in json.loads(raw))


def from_stored(stored: dict[str, Any]) -> IndexDocument:
    """Rebuild the ``IndexDocument`` from a hit's stored fields."""
    published = stored.get("published")
    indexed_at = stored.get("indexed_at")
    sources = stored.get("source") or []
    return IndexDocument(
        id=stored["id"],
        key=stored.get("key", ""),
        title=stored.get("title", ""),
        body=stored.get("body", ""),
        content_hash=stored.get("content_hash", ""),
        url=stored.get("url"),
        source=sources[0] if sources else None,
        published=published.replace(tzinfo=UTC) if published else None,
        actors=tuple(stored.get("actors") or ()),
        actor_kinds=tuple(stored.get("actor_kinds") or ()),
        countries=tuple(stored.get("countries") or ()),
        dates_mentioned=tuple(stored.get("dates_mentioned") or ()),
        spans=decode_spans(stored.get("spans")),
        indexed_at=datetime.fromisoformat(indexed_at) if indexed_at else None,
        copy_group=stored.get("copy_group") or "",
        story=stored.get("story") or "",
        dateline=stored.get("dateline") or None,
    )
