"""The Typesense collection schema and the IndexDocument <-> Typesense document mapping.

Typesense 0.24 has no date type, no range facets and no stemming. Publication dates are
stored as numbers for sorting and range filters (``stamp`` epoch seconds, ``day_n`` the
UTC day's ordinal, ``dated`` 1/0 so undated articles sort last either way) and as
``year``/``month``/``day`` string buckets for the histogram. Facets are ``string[]``.
Fields only needed to rebuild the document (spans, key, hash) are stored, not indexed.
Pure functions: no I/O, no ``typesense`` import.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from search.models import IndexDocument, MarkedSpan

NO_DAY = -1
LEAD_CHARS = 600
# ``shard`` is a 16-bit hash of the id: ranges of it split the archive into parts of
# about equal size, so whole-index value lists and exports are read in bounded requests
# (see listing.py). Typesense 0.24 cannot range over ids or page deep cheaply.
SHARDS = 1 << 16
# Typesense 0.24 cuts a token at ~100 characters (measured: a hex key of a 52-byte name
# matched no filter, and long names sharing their first 50 bytes counted as one facet
# value), so keys of longer values are a hash, marked by a letter hex never contains.
MAX_KEY_CHARS = 96
HASHED_KEY = "z"
# ``from_key`` of a hashed key: no cleaned value contains NUL, so none looks like this.
UNRESOLVED = "\x00"
# Characters that glue words in news text ("oil-producing", "Putin's", "a/b"). Typesense
# would otherwise drop them and index "oilproducing"; Whoosh splits there, and so must we
# for the same words to match. "." stays: Whoosh keeps "U.S." together as well.
TOKEN_SEPARATORS = ["-", "'", "/", "_", "&", "+", "=", ":", "(", ")", "[", "]", "<", ">", "|"]

_STORED_ONLY = {"type": "string", "index": False, "optional": True}
# The fields results are grouped by (see grouping.py); a collection without them was
# built by an older Dateline and is rebuilt by the next reindex.
COPY_KEY = "copy_key"
STORY_KEY = "story_key"


@dataclass(frozen=True, slots=True)
class FacetFields:
    """How one facet field of ``IndexDocument`` is stored in a Typesense document."""

    stored: str  # the values as given (display, whole-index lists)
    counted: str  # what facets count and filters match
    spellings: str | None = None  # exact-spelling keys, when ``counted`` holds folded keys


# Facet fields by ``IndexDocument`` field (``FacetSpec.doc_field``). Actors and sources
# count casefolded keys (any case, as in Whoosh); country codes are counted as stored.
FACET_STORAGE = {
    "actors": FacetFields("actors", "actor_fold", "actor_keys"),
    "countries": FacetFields("countries", "countries"),
    "source": FacetFields("source", "source_fold", "source_key"),
}


def exact_key(value: str) -> str:
    """``value`` as one opaque token (hex of UTF-8) for faceting.

    Typesense 0.24 facets and filters strings by their *tokens*, so "Boeing Co",
    "Boeing Co." and "boeing co>" would count as one value; Dateline (and the Whoosh
    backend) keep them apart. A hex token has no punctuation or case to normalise.
    Values over ``MAX_KEY_CHARS // 2`` bytes get a hash instead (see ``MAX_KEY_CHARS``).
    """
    key = value.encode("utf-8").hex()
    if len(key) <= MAX_KEY_CHARS:
        return key
    return HASHED_KEY + hashlib.blake2b(value.encode("utf-8"), digest_size=20).hexdigest()


def fold_key(value: str) -> str:
    """The case-insensitive match key of a facet value (filters match any case, exactly)."""
    return exact_key(value.casefold())


def shard_of(doc_id: str) -> int:
    """The ``shard`` of a document id (uniform over ``0..SHARDS-1`` whatever the id looks like)."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8"), digest_size=2).digest(), "big")


def from_key(key: str) -> str:
    """The value of an ``exact_key``; for a hashed key, a stand-in that ``is_unresolved``
    recognises (its value is found from a document holding it)."""
    if key.startswith(HASHED_KEY):
        return UNRESOLVED + key
    return bytes.fromhex(key).decode("utf-8")


def is_unresolved(value: str) -> bool:
    """Whether ``value`` is ``from_key``'s stand-in for a hashed key."""
    return value.startswith(UNRESOLVED)


def key_of(value: str) -> str:
    """The key that ``from_key`` decoded to ``value`` (its inverse)."""
    return value[len(UNRESOLVED) :] if is_unresolved(value) else exact_key(value)


def schema(name: str) -> dict[str, Any]:
    """The collection definition for a collection called ``name``."""
    return {
        "name": name,
        "token_separators": TOKEN_SEPARATORS,
        "default_sorting_field": "stamp",
        "fields": [
            {"name": "title", "type": "string"},
            {"name": "body", "type": "string"},
            # actors and source are stored for display; facets count and filters match
            # ``*_fold`` (any case, as in Whoosh); ``*_key(s)`` (exact spelling) only
            # supply display spellings. See ``exact_key``.
            {"name": "source", **_STORED_ONLY},
            {"name": "source_key", "type": "string", "facet": True, "optional": True},
            {"name": "source_fold", "type": "string", "facet": True, "optional": True},
            {"name": "actors", "type": "string[]", "index": False, "optional": True},
            {"name": "actor_keys", "type": "string[]", "facet": True, "optional": True},
            {"name": "actor_fold", "type": "string[]", "facet": True, "optional": True},
            {"name": "countries", "type": "string[]", "facet": True, "optional": True},
            {"name": "dates_mentioned", "type": "string[]", "optional": True},
            {"name": "stamp", "type": "int64"},
            {"name": "dated", "type": "int32"},
            {"name": "day_n", "type": "int32", "facet": True},
            {"name": "shard", "type": "int32"},
            {"name": "year", "type": "string", "facet": True, "optional": True},
            {"name": "month", "type": "string", "facet": True, "optional": True},
            {"name": "day", "type": "string", "facet": True, "optional": True},
            {"name": "key", **_STORED_ONLY},
            {"name": "content_hash", **_STORED_ONLY},
            {"name": "url", **_STORED_ONLY},
            {"name": "published", **_STORED_ONLY},
            {"name": "indexed_at", **_STORED_ONLY},
            {"name": "spans", **_STORED_ONLY},
            {"name": "lead", **_STORED_ONLY},
            {"name": "actor_kinds", "type": "string[]", "index": False, "optional": True},
            # Copy group and story: ``*_key`` (hex of the key, the article's own id when it
            # has none) for group_by, facets and filters; the ids as given, stored only.
            {"name": COPY_KEY, "type": "string", "facet": True},
            {"name": STORY_KEY, "type": "string", "facet": True},
            {"name": "copy_group", **_STORED_ONLY},
            {"name": "story", **_STORED_ONLY},
        ],
    }


def utc(dt: datetime) -> datetime:
    """``dt`` in UTC; naive datetimes are taken as UTC (as the Whoosh backend does)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def to_typesense(doc: IndexDocument) -> dict[str, Any]:
    """The Typesense document for ``doc``."""
    out: dict[str, Any] = {
        "id": doc.id,
        "key": doc.key,
        "title": doc.title,
        "body": doc.body,
        "content_hash": doc.content_hash,
        "actors": list(doc.actors),
        "actor_keys": list(dict.fromkeys(exact_key(a) for a in doc.actors)),
        "actor_fold": list(dict.fromkeys(fold_key(a) for a in doc.actors)),
        "actor_kinds": list(doc.actor_kinds),
        "countries": list(doc.countries),
        "dates_mentioned": list(doc.dates_mentioned),
        "spans": json.dumps([[s.start, s.end, s.type, s.value] for s in doc.spans]),
        # The start of the body, so hits need not carry whole bodies (see results.lead).
        "lead": doc.body[:LEAD_CHARS],
        "stamp": 0,
        "dated": 0,
        "day_n": NO_DAY,
        "shard": shard_of(doc.id),
        COPY_KEY: exact_key(doc.copy_key),
        STORY_KEY: exact_key(doc.story_key),
    }
    if doc.copy_group:
        out["copy_group"] = doc.copy_group
    if doc.story:
        out["story"] = doc.story
    if doc.url:
        out["url"] = doc.url
    if doc.dateline:
        # Stored, not declared: Typesense keeps undeclared fields, and a collection built
        # before datelines existed needs no rebuild (its articles show none).
        out["dateline"] = doc.dateline
    if doc.source:
        out.update(
            source=doc.source, source_key=exact_key(doc.source), source_fold=fold_key(doc.source)
        )
    if doc.indexed_at is not None:
        out["indexed_at"] = doc.indexed_at.isoformat()
    if doc.published is not None:
        published = utc(doc.published)
        day = published.date()
        out.update(
            published=published.isoformat(),
            stamp=int(published.timestamp()),
            dated=1,
            day_n=day.toordinal(),
            year=f"{day:%Y}",
            month=f"{day:%Y-%m}",
            day=day.isoformat(),
        )
    return out


def from_typesense(doc: dict[str, Any]) -> IndexDocument:
    """The ``IndexDocument`` stored as ``doc`` (the inverse of ``to_typesense``)."""
    spans = tuple(
        MarkedSpan(int(s[0]), int(s[1]), s[2], str(s[3]))
        for s in json.loads(doc.get("spans") or "[]")
    )
    published = doc.get("published")
    indexed_at = doc.get("indexed_at")
    return IndexDocument(
        id=str(doc["id"]),
        key=doc.get("key") or "",
        title=doc.get("title") or "",
        body=doc.get("body") or "",
        content_hash=doc.get("content_hash") or "",
        url=doc.get("url") or None,
        source=doc.get("source") or None,
        published=datetime.fromisoformat(published) if published else None,
        actors=tuple(doc.get("actors") or ()),
        actor_kinds=tuple(doc.get("actor_kinds") or ()),
        countries=tuple(doc.get("countries") or ()),
        dates_mentioned=tuple(doc.get("dates_mentioned") or ()),
        spans=spans,
        indexed_at=datetime.fromisoformat(indexed_at) if indexed_at else None,
        copy_group=doc.get("copy_group") or "",
        story=doc.get("story") or "",
        dateline=doc.get("dateline") or None,
    )
