"""SearchService: the one layer behind the CLI, the web pages and the JSON API."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from search.aliases import APPLIED_FILE, load_applied
from search.backends import Backend, make_backend
from search.errors import ArticleError, DatelineError, QueryError, StoryError
from search.facets import facet_spec
from search.indexing import reindex
from search.models import IndexDocument, ReindexReport, SearchPage, SearchRequest, Story
from search.params import Params, parse_search_params
from search.progress import ProgressCallback
from search.settings import DEFAULT_SOURCES, Settings

# Values a facet finder that matches by more than a prefix reads (then filters here):
# such facets have few values (fewer than 300 countries).
MAX_SCANNED_VALUES = 500


class SearchService:
    """Search, read and reindex one archive through the configured backend."""

    def __init__(self, settings: Settings | None = None, backend: Backend | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self._backend = backend
        # The applied alias table's inverse, keyed by the file's mtime (reread after a reindex).
        self._aliases: tuple[int, dict[str, list[str]]] | None = None

    @property
    def backend(self) -> Backend:
        """The backend, created on first use (so building a service costs nothing)."""
        if self._backend is None:
            self._backend = make_backend(self.settings)
        return self._backend

    def search(self, request: SearchRequest) -> SearchPage:
        """Run a request (its query was parsed when the request was built)."""
        from search.stories_stub import grouped_search  # TEMPORARY until F1 lands

        started = time.perf_counter()
        page = grouped_search(self.backend, request)
        if not page.took_ms:
            page = replace(page, took_ms=(time.perf_counter() - started) * 1000)
        return page

    def search_params(self, params: Params) -> SearchPage:
        """Parse request parameters (see ``search.params``) and search."""
        return self.search(parse_search_params(params))

    def article(self, doc_id: str) -> IndexDocument:
        """One stored article; ``ArticleError`` (404) when there is none with that id."""
        if not _valid_id(doc_id):
            raise ArticleError(f"no article with id {doc_id[:40]!r}")
        doc = self.backend.get(doc_id)
        if doc is None:
            raise ArticleError(f"no article with id {doc_id!r}")
        return doc

    def story(self, story_id: str) -> Story:
        """One story; ``StoryError`` (404) for an unknown id. TEMPORARY stub (F1 replaces)."""
        from search.stories_stub import load_story

        if not _valid_id(story_id):
            raise StoryError(f"no story with id {story_id[:40]!r}")
        return load_story(self.backend, story_id)

    def stories(self, params: Params) -> SearchPage:
        """The stories of a search: one row per story (``group=story``)."""
        return self.search(replace(parse_search_params(params), group="story"))

    def more_like(self, doc_id: str, limit: int = 5) -> list[IndexDocument]:
        """Articles similar to ``doc_id``."""
        self.article(doc_id)
        return self.backend.more_like(doc_id, limit)

    def facet_values(self, facet: str, prefix: str = "", limit: int = 50) -> list[tuple[str, int]]:
        """Values of one facet that ``prefix`` finds, most frequent first (the finder).

        By default values starting with ``prefix`` (any case); a facet with its own
        ``finder`` (countries: by code, name or demonym) is read whole, in one backend
        call, and filtered here.
        """
        spec = facet_spec(facet)
        if len(prefix) > 200:
            raise QueryError("prefix is too long (at most 200 characters)")
        if not 1 <= limit <= 500:
            raise QueryError("limit must be between 1 and 500")
        if spec.finder is None:
            return self.backend.facet_values(spec.name, prefix, limit)
        matches = spec.finder(prefix)
        everything = self.backend.facet_values(spec.name, "", MAX_SCANNED_VALUES)
        return [(value, count) for value, count in everything if matches(value)][:limit]

    def also_known_as(self, name: str) -> list[str]:
        """Other names the archive indexes as actor ``name`` ("Reagan" for "Ronald Reagan")."""
        path = self.settings.index_dir / APPLIED_FILE
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return []
        if self._aliases is None or self._aliases[0] != stamp:
            self._aliases = (stamp, load_applied(self.settings.index_dir).inverse())
        return self._aliases[1].get(name, [])

    def reindex(
        self,
        paths: Sequence[str | Path] = (),
        *,
        full: bool = False,
        progress: ProgressCallback | None = None,
    ) -> ReindexReport:
        """Index ``paths`` (default ``seeds/``): incremental unless ``full``."""
        return reindex(
            self.backend,
            self.settings,
            list(paths) or [DEFAULT_SOURCES],
            full=full,
            progress=progress,
        )

    def health(self) -> dict[str, Any]:
        """Whether the index answers, and how many documents it holds."""
        try:
            count = self.backend.count()
        except DatelineError as e:
            return {
                "ok": False,
                "status": e.status,
                "backend": self.settings.backend,
                "error": str(e),
            }
        return {"ok": True, "backend": self.settings.backend, "documents": count}


def _valid_id(doc_id: str) -> bool:
    """Ids are 16 hex digits; anything else cannot name an article (or a file)."""
    return len(doc_id) == 16 and all(c in "0123456789abcdef" for c in doc_id)
