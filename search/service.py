"""SearchService: the one layer behind the CLI, the web pages and the JSON API."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from search.aliases import APPLIED_FILE, load_applied
from search.backends import Backend, make_backend
from search.errors import ArticleError, DatelineError, QueryError, StoryError
from search.facets import FACETS, facet_spec
from search.indexing import reindex
from search.models import IndexDocument, ReindexReport, SearchPage, SearchRequest, Story
from search.params import Params, parse_search_params
from search.progress import ProgressCallback
from search.settings import DEFAULT_SOURCES, Settings
from search.stories.headline import headline
from search.views.compare import build_comparison, parse_series
from search.views.profiles import build_profile
from search.views.records import Comparison, Network, NodeKind, Profile

if TYPE_CHECKING:
    from search.follow.poller import Follower

# Articles a story page lists (oldest first) and the values of each of its facets.
STORY_ARTICLES = 200
STORY_FACET_VALUES = 50
MAX_STORY_ID_CHARS = 200
# Similar articles fetched per one shown, so that copies left out still leave enough.
MORE_LIKE_SLACK = 4

# Values a facet finder that matches by more than a prefix reads (then filters here):
# such facets have few values (fewer than 300 countries).
MAX_SCANNED_VALUES = 500
# Actors and countries (each) of a search's network, by default and at most.
NETWORK_NODES = 12
MAX_NETWORK_NODES = 30
# The finder's largest answer (an export of every value; the API pages by 500) and how
# deep it pages.
MAX_FINDER_LIMIT = 100_000
MAX_FINDER_OFFSET = 1_000_000
# How long the newest article's day is remembered (date presets), in seconds.
NEWEST_DAY_SECONDS = 60.0
# Values of one facet a finder within a search reads (the most frequent in the result).
MAX_VALUES_IN_SEARCH = 2_000


class SearchService:
    """Search, read and reindex one archive through the configured backend."""

    def __init__(self, settings: Settings | None = None, backend: Backend | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self._backend = backend
        # The applied alias table's inverse, keyed by the file's mtime (reread after a reindex).
        self._aliases: tuple[int, dict[str, list[str]]] | None = None
        # The applied alias table itself, keyed the same way (canonical names of actors).
        self._alias_table: tuple[int, Any] | None = None
        # (when it was read, the newest article's day): see ``newest_day``.
        self._newest: tuple[float, date | None] | None = None

    @property
    def backend(self) -> Backend:
        """The backend, created on first use (so building a service costs nothing)."""
        if self._backend is None:
            self._backend = make_backend(self.settings)
        return self._backend

    def search(self, request: SearchRequest) -> SearchPage:
        """Run a request (its query was parsed when the request was built)."""
        started = time.perf_counter()
        page = self.backend.search(request)
        if not page.took_ms:
            page = replace(page, took_ms=(time.perf_counter() - started) * 1000)
        return page

    def search_params(self, params: Params, extra: Sequence[str] = ()) -> SearchPage:
        """Parse request parameters (see ``search.params``; ``extra``: other parameters
        the caller reads itself) and search."""
        return self.search(parse_search_params(params, extra))

    def stories(self, params: Params) -> SearchPage:
        """A search with one row per story (``group=story``), whatever ``group`` says."""
        return self.search(replace(parse_search_params(params), group="story"))

    def story(self, story_id: str) -> Story:
        """One story: its headline (see ``stories.headline``), its articles (oldest first,
        at most ``STORY_ARTICLES``), span, sources, actors, countries and coverage over
        time; ``StoryError`` (404) for an unknown id. Two searches through the backend, so
        every engine answers alike."""
        if not story_id or len(story_id) > MAX_STORY_ID_CHARS or not story_id.isprintable():
            raise StoryError(f"no story with id {story_id[:40]!r}")
        base = SearchRequest(
            stories=(story_id,),
            group="none",
            sort="oldest",
            per_page=STORY_ARTICLES,
            facet_size=STORY_FACET_VALUES,
        )
        oldest = self.search(base)
        if not oldest.articles:
            raise StoryError(f"no story with id {story_id!r}")
        # The newest dated article gives the span's end (the list may stop before it).
        newest = self.search(replace(base, sort="newest", per_page=1, facet_size=1))
        first = oldest.hits[0].published if oldest.hits else None
        last = newest.hits[0].published if newest.hits else None
        facets = {
            name: oldest.facets[name].values if name in oldest.facets else () for name in FACETS
        }
        return Story(
            id=story_id,
            title=headline([hit.title for hit in oldest.hits]),
            size=oldest.articles,
            first=first.date() if first else None,
            last=last.date() if last else None,
            sources=facets.get("source", ()),
            actors=facets.get("actor", ()),
            countries=facets.get("country", ()),
            dates=oldest.dates,
            articles=oldest.hits,
        )

    def article(self, doc_id: str) -> IndexDocument:
        """One stored article; ``ArticleError`` (404) when there is none with that id."""
        if not _valid_id(doc_id):
            raise ArticleError(f"no article with id {doc_id[:40]!r}")
        doc = self.backend.get(doc_id)
        if doc is None:
            raise ArticleError(f"no article with id {doc_id!r}")
        return doc

    def more_like(self, doc_id: str, limit: int = 5) -> list[IndexDocument]:
        """Articles similar to ``doc_id``, one per copy group and none of its own copies:
        a copy is the same text again (Reuters listed "IRAN SAYS IT INTENDS NO THREAT TO
        GULF SHIPPING" twice under one article)."""
        doc = self.article(doc_id)
        seen = {doc.copy_key}
        similar = []
        for other in self.backend.more_like(doc_id, limit * MORE_LIKE_SLACK):
            if other.copy_key not in seen:
                seen.add(other.copy_key)
                similar.append(other)
        return similar[:limit]

    def facet_values(
        self,
        facet: str,
        prefix: str = "",
        limit: int = 50,
        *,
        within: SearchRequest | None = None,
        offset: int = 0,
    ) -> list[tuple[str, int]]:
        """Values of one facet that ``prefix`` finds, most frequent first (the finder).

        A value is found when one of its words starts with ``prefix`` (any case:
        "volcker" finds "Paul Volcker"); a facet with its own ``finder`` (countries: by
        code, name or demonym) matches its way. ``within``: counts over that search's
        result (its query and filters) instead of the whole archive. ``offset`` pages
        through every value (ask for ``limit + 1`` to know whether there are more).
        """
        spec = facet_spec(facet)
        if len(prefix) > 200:
            raise QueryError("prefix is too long (at most 200 characters)")
        if not 1 <= limit <= MAX_FINDER_LIMIT:
            raise QueryError(f"limit must be between 1 and {MAX_FINDER_LIMIT}")
        if not 0 <= offset <= MAX_FINDER_OFFSET:
            raise QueryError(f"offset must be between 0 and {MAX_FINDER_OFFSET}")
        matches = spec.matcher(prefix)
        if within is not None and _narrowed(within):
            page = self.search(replace(within, page=1, per_page=1, facet_size=MAX_VALUES_IN_SEARCH))
            counted = page.facets.get(spec.name)
            found = [(v.value, v.count) for v in counted.values if v.count] if counted else []
            return [(v, c) for v, c in found if matches(v)][offset : offset + limit]
        if spec.finder is None:
            return self.backend.facet_values(spec.name, prefix, offset + limit)[offset:]
        everything = self.backend.facet_values(spec.name, "", MAX_SCANNED_VALUES)
        return [(value, count) for value, count in everything if matches(value)][
            offset : offset + limit
        ]

    def newest_day(self) -> date | None:
        """The publication day of the newest dated article of the archive (date presets
        such as "last 30 days" count back from it, not from today), or None.

        Remembered for ``NEWEST_DAY_SECONDS``: it changes only with a reindex, and asking
        costs a search of the whole archive (~15 ms for 1,000 Reuters articles) that
        every search page would otherwise pay.
        """
        now = time.monotonic()
        if self._newest is not None and now - self._newest[0] < NEWEST_DAY_SECONDS:
            return self._newest[1]
        page = self.search(SearchRequest(sort="newest", per_page=1, facet_size=1, group="none"))
        newest = page.hits[0].published if page.hits else None
        day = newest.date() if newest else None
        self._newest = (now, day)
        return day

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

    def canonical_actor(self, name: str) -> str:
        """The name the archive indexes actor ``name`` under ("Reagan" -> "Ronald
        Reagan"); ``name`` itself when the alias table does not rename it."""
        path = self.settings.index_dir / APPLIED_FILE
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return name
        if self._alias_table is None or self._alias_table[0] != stamp:
            self._alias_table = (stamp, load_applied(self.settings.index_dir))
        return self._alias_table[1].canonical(name) or name

    def network(self, request: SearchRequest, size: int = NETWORK_NODES) -> Network:
        """Who is mentioned with whom in a search's result: its top ``size`` actors and
        countries, and per pair the matching articles naming both."""
        if not 1 <= size <= MAX_NETWORK_NODES:
            raise QueryError(f"nodes must be between 1 and {MAX_NETWORK_NODES}, not {size}")
        return self.backend.network(request, size)

    def profile(self, kind: NodeKind, value: str, *, share: bool = False) -> Profile:
        """An actor's or a country's profile (``search.views.profiles``; ``share``: each
        bucket's share of the archive's articles too); ``ProfileError`` (404) when no
        article mentions it."""
        return build_profile(self, kind, value, share=share)

    def compare(self, pairs: Sequence[tuple[str, str]]) -> Comparison:
        """Searches on one timeline, from ``(s|q|actor|country, value)`` pairs
        (``search.views.compare``)."""
        return build_comparison(self, parse_series(pairs))

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

    def follower(self, stop: threading.Event | None = None) -> Follower:
        """A :class:`~search.follow.Follower` on this archive (``dateline follow``)."""
        from search.follow.poller import Follower

        return Follower(self.backend, self.settings, stop=stop)

    def unfollow(self, urls: Sequence[str]) -> list[str]:
        """Stop following ``urls`` (``dateline follow --remove``); their indexed articles
        stay. Returns the URLs that were not followed."""
        from search.follow.state import FILE, State

        path = self.settings.index_dir / FILE
        if not path.exists():
            return list(urls)
        state = State(path)
        try:
            return [url for url in urls if not state.remove_source(url)]
        finally:
            state.close()

    def sources(self) -> dict[str, Any]:
        """The followed sources (``dateline follow --status``, ``/sources``,
        ``GET /api/sources``): each with its last poll, last new item, articles indexed and
        errors, plus when the archive last took in articles. Reads the state file only
        (read-only, never waiting for a running follow)."""
        from search.follow.status import sources_status

        return sources_status(self.settings.index_dir)

    def last_updated(self) -> str | None:
        """When the archive last took in articles (ISO 8601 UTC), or None: the newest of
        the follow's last indexed article and the last reindex that placed any (the
        stories file is written by every run that adds articles)."""
        from search.follow.status import iso_utc, last_indexed
        from search.grouping import STORIES_FILE

        stamps = [last_indexed(self.settings.index_dir)]
        with contextlib.suppress(OSError):
            stamps.append((self.settings.index_dir / STORIES_FILE).stat().st_mtime)
        known = [t for t in stamps if t]
        return iso_utc(max(known)) if known else None

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


def _narrowed(request: SearchRequest) -> bool:
    """Whether a request's result is less than the whole archive (a query or a filter)."""
    excluded = any(spec.excluded(request) for spec in FACETS.values())
    selected = any(spec.selected(request) for spec in FACETS.values())
    return bool(
        request.q
        or selected
        or excluded
        or request.date_from
        or request.date_to
        or request.stories
        or request.copy_groups
    )


def _valid_id(doc_id: str) -> bool:
    """Ids are 16 hex digits; anything else cannot name an article (or a file)."""
    return len(doc_id) == 16 and all(c in "0123456789abcdef" for c in doc_id)
