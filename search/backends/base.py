"""The backend protocol every index engine implements (Whoosh embedded, Typesense cluster)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Protocol

from search.models import IndexDocument, SearchPage, SearchRequest
from search.views.records import Network


class IndexWriter(Protocol):
    """A batch of changes that becomes visible to searches all at once, on ``commit``.

    Changes apply in order: the later change to an id wins (added twice: the last
    version; added then deleted: gone; deleted then added: back)."""

    def add(self, doc: IndexDocument) -> None:
        """Add or replace the document with ``doc.id``."""

    def delete(self, doc_id: str) -> None:
        """Remove a document (no error if it is absent)."""

    def commit(self) -> None:
        """Make every change visible atomically (for a full rebuild: swap it in)."""

    def abort(self) -> None:
        """Drop every change; the live index is untouched."""


class Backend(Protocol):
    """Storage and search of ``IndexDocument``s."""

    name: str

    def writer(self, *, full: bool = False) -> IndexWriter:
        """Start a batch. ``full=True`` builds a new index beside the live one."""

    def lock(self) -> AbstractContextManager[None]:
        """Hold the one-reindex-at-a-time lock; raises ``IndexBusyError`` if taken."""

    def fingerprints(self) -> dict[str, tuple[str, str]]:
        """``{id: (key, content_hash)}`` of every live document (for incremental reindex)."""

    def revision(self) -> str | None:
        """A cheap identity of the live index's content, new after every commit (``None``:
        the engine cannot tell cheaply). The reindex's manifest trusts its own record of
        what the index holds only while this is unchanged."""

    def search(self, request: SearchRequest) -> SearchPage:
        """Ranked hits with snippets, facets over the whole filtered result, histogram."""

    def get(self, doc_id: str) -> IndexDocument | None:
        """One stored document, or ``None``."""

    def facet_values(self, facet: str, prefix: str = "", limit: int = 50) -> list[tuple[str, int]]:
        """Facet values (actor, country, source) with a word starting with ``prefix`` (any
        case; ``search.facets.word_start``), most frequent first."""

    def more_like(self, doc_id: str, limit: int = 5) -> list[IndexDocument]:
        """Documents similar to ``doc_id`` (shared key terms and entities)."""

    def value_counts(self, facet: str, values: list[str]) -> dict[str, int]:
        """Articles of the whole archive having each of ``values`` (any case), keyed by
        the values as given: what ``facet=value`` alone would find."""

    def network(self, request: SearchRequest, size: int) -> Network:
        """The top ``size`` actors and top ``size`` countries of the request's result
        (ties by value; actors first) and, per pair, the matching articles naming both."""

    def count(self) -> int:
        """Number of live documents (0 when there is no index yet)."""

    def iter_documents(self) -> Iterator[IndexDocument]:
        """Every live document (for parity checks and export)."""
