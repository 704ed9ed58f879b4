"""The Typesense backend: the same ``Backend`` protocol as Whoosh, on a Typesense cluster.

Chosen with ``DATELINE_BACKEND=typesense``; nodes from ``DATELINE_TYPESENSE_NODES``
(``host:port,host:port``), the API key only from ``DATELINE_TYPESENSE_API_KEY``. Every
read goes through the alias ``settings.typesense_collection`` and may be answered by any
node: the client rotates through the list and fails over on refused or timed-out
connections and 5xx answers, so one dead node (the Raft leader too) fails no search.

One search is a few searches over the same filtered result, sent side by side: the page,
actor/country/source facet counts, and the ``day_n`` span and years of its dated part
(the span picks the histogram interval, as in Whoosh); short spans fetch month or day
buckets, facet ties at the cut and uncached display spellings cost one more request each
(see ``facets``). Whole-index value lists and exports
are read in bounded parts, and every search goes in a POST body, so no request grows with
the archive (``listing``). See ``query`` for the query language
mapping, ``writer`` for rebuilds and incremental updates, docs/operations.md
for running a cluster.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from typesense import exceptions as ts_errors

from search.backends.shared import ReindexLock, top_facet
from search.backends.typesense import facets as facets
from search.backends.typesense import grouping as grouping
from search.backends.typesense import listing as listing
from search.backends.typesense import network as network_mod
from search.backends.typesense import results as results
from search.backends.typesense.client import (
    Api,
    concurrently,
    confirmed,
    guarded,
    make_client,
    path,
)
from search.backends.typesense.query import quote, request_filters, translate
from search.backends.typesense.schema import COPY_KEY, STORY_KEY, fold_key, from_typesense
from search.backends.typesense.suggest import SUGGEST_BELOW, suggest
from search.backends.typesense.writer import FullRebuild, IncrementalWriter
from search.errors import BackendError, IndexMissingError
from search.facets import FACETS
from search.models import Hit, IndexDocument, SearchPage, SearchRequest
from search.query import query_error
from search.settings import Settings
from search.views.records import Network, NetworkNode, NodeKind

log = logging.getLogger(__name__)

TEXT_PARAMS: dict[str, Any] = {
    "query_by": "title,body",
    "query_by_weights": "2,1",  # the Whoosh backend boosts title 2x as well
    # Whoosh matches whole (stemmed) words and requires every word: no typos, no prefix
    # matching, never drop a word to find more results.
    "num_typos": 0,
    "typo_tokens_threshold": 0,
    "drop_tokens_threshold": 0,
}
HIGHLIGHT_PARAMS: dict[str, Any] = {
    "highlight_fields": "body",
    "highlight_affix_num_tokens": 14,
    "highlight_start_tag": results.MARK_START,
    "highlight_end_tag": results.MARK_END,
}
# Fields a hit does not need (kept out of every search response).
HIT_EXCLUDE = (
    "body,spans,actor_kinds,key,content_hash,dates_mentioned,indexed_at,"
    "actor_keys,actor_fold,source_key,source_fold,copy_key,story_key"
)
SORTS = {
    "relevance": "_text_match:desc,dated:desc,stamp:desc",
    "newest": "dated:desc,stamp:desc",
    "oldest": "dated:desc,stamp:asc",
}
# Years fetched for the histogram (every year of a long archive).
YEAR_VALUES = 200
MORE_LIKE_CANDIDATES = 100
# Searches per multi_search POST when a caller has many (spelling chunks, listing parts):
# Typesense 0.24 refuses more than 50, and a small batch keeps each answer quick.
SEARCHES_PER_POST = 10


class TypesenseBackend:
    """Index and search ``IndexDocument``s in a Typesense collection (via its alias)."""

    name = "typesense"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.alias = settings.typesense_collection
        self._reader: Api | None = None
        self._writer: Api | None = None
        self._spellings = facets.Spellings()

    @property
    def reader(self) -> Api:
        """The read client (short timeouts, fast failover), created on first use."""
        if self._reader is None:
            self._reader = make_client(self.settings, write=False)
        return self._reader

    @property
    def write_client(self) -> Api:
        """The write client (long timeouts, retried through elections)."""
        if self._writer is None:
            self._writer = make_client(self.settings, write=True)
        return self._writer

    # -- writing ----------------------------------------------------------------------

    def writer(self, *, full: bool = False) -> FullRebuild | IncrementalWriter:
        """Start a batch. ``full=True`` builds a new collection swapped in by alias."""
        if full:
            return FullRebuild(self.write_client, self.settings)
        return IncrementalWriter(self.write_client, self.settings)

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """One reindex at a time: an ``flock`` on ``index_dir/typesense.lock``.

        Local on purpose (``shared.ReindexLock``): the reindex pipeline already keeps
        machine-local state in ``index_dir`` (the extraction cache). Run reindexes from one
        host (docs/operations.md); a lock document in the cluster would be needed for several.
        """
        return ReindexLock(Path(self.settings.index_dir) / "typesense.lock").locked()

    # -- reading ----------------------------------------------------------------------

    def count(self) -> int:
        """Number of live documents (0 when there is no index yet)."""
        info = self._collection_info("count")
        return int(info["num_documents"]) if info else 0

    def _collection_info(self, what: str) -> dict[str, Any] | None:
        """The live collection's description (count, fields), or ``None`` if none."""
        with guarded(self.settings, what):
            try:
                info = confirmed(
                    self.reader, lambda: self.reader.get(path("collections", self.alias))
                )
            except ts_errors.ObjectNotFound:
                return None
        return dict(info)

    def get(self, doc_id: str) -> IndexDocument | None:
        """One stored document, or ``None``."""
        with guarded(self.settings, "get"):
            try:
                doc_path = path("collections", self.alias, "documents", doc_id)
                doc = confirmed(self.reader, lambda: self.reader.get(doc_path))
            except ts_errors.ObjectNotFound:
                return None
        return from_typesense(dict(doc))

    def _export(self, fields: str | None = None) -> Iterator[dict[str, Any]]:
        """Every document (only ``fields`` when given), one bounded export request (a
        range of shards, ``listing.EXPORT_DOCS`` documents) at a time."""
        info = self._collection_info("export")
        if info is None:
            return
        collection = listing.Collection.from_info(info)
        if not collection.sharded and collection.documents > listing.EXPORT_DOCS:
            log.warning(
                "exporting %d documents in one request: the collection predates `shard`; "
                "`dateline reindex --full` rebuilds it to be read in bounded parts",
                collection.documents,
            )
        # The collection itself, not the alias: a rebuild swapping the alias mid-way must
        # not mix two collections in one listing.
        export = path("collections", str(info.get("name") or self.alias), "documents", "export")
        for part in listing.export_filters(collection):
            params = {"include_fields": fields} if fields else {}
            if part:
                params["filter_by"] = part
            for line in self._export_part(export, params).splitlines():
                if line.strip():
                    yield json.loads(line)

    def _export_part(self, export: str, params: dict[str, Any]) -> str:
        """One export request's JSONL (``IndexMissingError`` when the collection is gone)."""
        with guarded(self.settings, "export"):
            return str(confirmed(self.reader, lambda: self.reader.get_text(export, params)))

    def revision(self) -> str | None:
        """Not known cheaply (Typesense keeps no commit counter): always ``None``, so every
        incremental reindex checks the manifest against an export of the fingerprints."""
        return None

    def fingerprints(self) -> dict[str, tuple[str, str]]:
        """``{id: (key, content_hash)}`` of every live document (export of three fields)."""
        return {
            str(d["id"]): (d.get("key") or "", d.get("content_hash") or "")
            for d in self._export("id,key,content_hash")
        }

    def iter_documents(self) -> Iterator[IndexDocument]:
        """Every live document, read in exports of about ``EXPORT_DOCS`` documents."""
        return (from_typesense(d) for d in self._export())

    def facet_values(self, facet: str, prefix: str = "", limit: int = 50) -> list[tuple[str, int]]:
        """Values of facet ``facet`` (a name in ``FACETS``) starting with ``prefix`` (any case),
        most frequent first (ties by value), at most ``limit``: all of them when ``limit``
        exceeds their number, read in bounded requests (see ``listing``)."""
        if facet not in FACETS:
            raise BackendError(f"unknown facet {facet!r}: use one of {', '.join(FACETS)}")
        many = self._many("facet values")
        return facets.values(many, self._export, self._spellings, facet, prefix, limit)

    def more_like(self, doc_id: str, limit: int = 5) -> list[IndexDocument]:
        """Documents sharing the most actors and countries with ``doc_id`` (newest first
        among equals); Typesense 0.24 has no "more like this" on text."""
        doc = self.get(doc_id)
        if doc is None or not (doc.actors or doc.countries):
            return []
        clauses = []
        if doc.actors:
            clauses.append("actor_fold:=[" + ",".join(fold_key(a) for a in doc.actors) + "]")
        if doc.countries:
            clauses.append("countries:=[" + ",".join(quote(c) for c in doc.countries) + "]")
        response = self._search_one(
            {
                "q": "*",
                "query_by": "title",
                "filter_by": " || ".join(clauses),
                "sort_by": SORTS["newest"],
                "per_page": MORE_LIKE_CANDIDATES,
            },
            "more like this",
        )
        actors, countries = set(doc.actors), set(doc.countries)
        scored: Counter[str] = Counter()
        found: dict[str, IndexDocument] = {}
        for rank, raw in enumerate(response.get("hits") or ()):
            other = from_typesense(raw["document"])
            if other.id == doc_id:
                continue
            shared = 2 * len(actors & set(other.actors)) + len(countries & set(other.countries))
            # Shared entities first; the newest-first rank breaks ties.
            scored[other.id] = shared * 1000 - rank
            found[other.id] = other
        return [found[i] for i, _ in scored.most_common(limit)]

    def value_counts(self, facet: str, values: list[str]) -> dict[str, int]:
        """Articles of the whole archive having each of ``values`` (any case), keyed by
        the values as given: one ``facet=value`` search each, in multi_search POSTs."""
        spec = FACETS.get(facet)
        if spec is None:
            raise BackendError(f"unknown facet {facet!r}: use one of {', '.join(FACETS)}")
        wanted = list(dict.fromkeys(values))
        searches = []
        for value in wanted:
            # Typed Any: mypy cannot tell the facet's field from SearchRequest's others.
            selected: dict[str, Any] = {spec.request_field: (value,)}
            clauses = request_filters(SearchRequest(**selected))
            searches.append({"q": "*", "query_by": "title", "per_page": 0, "filter_by": clauses[0]})
        answers = self._search_many(searches, "value counts") if searches else []
        return {v: int(a.get("found") or 0) for v, a in zip(wanted, answers, strict=True)}

    def network(self, request: SearchRequest, size: int) -> Network:
        """The top ``size`` actors and countries of the request's result and the matching
        articles naming each pair of them (``typesense.network``)."""
        size = max(0, min(size, network_mod.MAX_NODES_PER_KIND))
        if size == 0:
            return Network()
        plain = replace(request, page=1, per_page=0, facet_size=size, group="none")
        page = self.search(replace(plain, count="articles"))
        nodes: list[NetworkNode] = []
        kinds: tuple[tuple[str, NodeKind], ...] = (("actor", "actor"), ("country", "country"))
        for facet, kind in kinds:
            facet_values = page.facets[facet].values if facet in page.facets else ()
            ranked = sorted((v for v in facet_values if v.count), key=lambda v: (-v.count, v.value))
            nodes += [NetworkNode(kind, v.value, v.count) for v in ranked[:size]]
        tq = translate(request.query)
        base: dict[str, Any] = {"q": tq.q, **TEXT_PARAMS}
        base["prefix"] = "true" if tq.prefix else "false"
        filters = request_filters(request) + tq.filters

        def pair_searches(searches: list[dict[str, Any]]) -> list[dict[str, Any]]:
            answers: list[dict[str, Any]] = []
            for start in range(0, len(searches), network_mod.PAIRS_PER_POST):
                part = searches[start : start + network_mod.PAIRS_PER_POST]
                batch = [{"collection": self.alias, **params} for params in part]
                answers += self._post_searches(batch, "network")
            return answers

        return network_mod.edges(pair_searches, base, filters, tuple(nodes))

    def _many(self, what: str) -> facets.Many:
        """``_search_many`` with ``what`` bound (for the facets and listing modules)."""
        return lambda searches: self._search_many(searches, what)

    def _search_one(self, params: dict[str, Any], what: str) -> dict[str, Any]:
        """One search of the live collection (in a POST body: filters never go in a URL)."""
        return self._search_many([params], what)[0]

    def _search_many(self, searches: list[dict[str, Any]], what: str) -> list[dict[str, Any]]:
        """Answers to ``searches`` in order, ``SEARCHES_PER_POST`` per multi_search POST."""
        answers: list[dict[str, Any]] = []
        for start in range(0, len(searches), SEARCHES_PER_POST):
            batch = [
                {"collection": self.alias, **params}
                for params in searches[start : start + SEARCHES_PER_POST]
            ]
            answers += self._post_searches(batch, what)
        return answers

    def _post_searches(self, batch: list[dict[str, Any]], what: str) -> list[dict[str, Any]]:
        """One multi_search POST of ``batch``; its answers checked, in order."""
        with guarded(self.settings, what):
            answer = confirmed(self.reader, lambda: self._multi_search(batch))
        return [self._checked(r) for r in answer["results"]]

    # -- searching --------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchPage:
        """Ranked hits with snippets, facets over the whole filtered result, histogram."""
        started = time.perf_counter()
        tq = translate(request.query)
        filters = request_filters(request) + tq.filters
        common: dict[str, Any] = {"collection": self.alias, "q": tq.q, **TEXT_PARAMS}
        common["prefix"] = "true" if tq.prefix else "false"
        fetch = request.facet_size + results.FACET_SLACK
        # Typesense's facet cost grows with the values it returns (see facets.py),
        # and max_facet_values is per search: so each group of facets gets its own search
        # with its own bound, all in one round trip.
        main: dict[str, Any] = {
            **common,
            "page": request.page,
            "per_page": request.per_page,
            "sort_by": SORTS[request.sort if tq.has_text else _browse(request)],
            "exclude_fields": HIT_EXCLUDE,
            **HIGHLIGHT_PARAMS,
        }
        if filters:
            main["filter_by"] = " && ".join(filters)
        field = grouping.group_field(request)
        if field is not None:
            main.update(group_by=field, group_limit=1)
        # Facets count articles, or stories under count=stories (facet counts count
        # groups under group_by): in the page's search when it is grouped the same way,
        # else in a search of their own, in the same round trip.
        counted = {**common, "per_page": 0, **grouping.facet_group(request)}
        if filters:
            counted["filter_by"] = main["filter_by"]
        facet_params = {"facet_by": facets.facet_by(), "max_facet_values": fetch}
        own_facets = counted.get("group_by") != main.get("group_by")
        dated = {**common, "per_page": 0, "filter_by": " && ".join([*filters, "dated:=1"])}
        # The span (day_n's min/max stats) and the years in one search: each facet field
        # scans every match, but the match itself is found once.
        span_years = {**dated, "facet_by": "day_n,year", "max_facet_values": YEAR_VALUES}
        searches = [main, span_years]
        if own_facets:
            searches.append({**counted, **facet_params})
        else:
            main.update(facet_params)
        # Matching articles: the ``found`` of an ungrouped search of the whole result
        # (the page's or the facets' one when either is ungrouped, else one more).
        plain = {k: v for k, v in counted.items() if k not in ("group_by", "group_limit")}
        if "group_by" in main and "group_by" in counted:
            searches.append(plain)
        checked = self._side_by_side(searches, "search")
        page_r, dated_r = checked[:2]
        facet_r = checked[2] if own_facets else page_r
        total = int(page_r.get("found") or 0)
        if "group_by" not in main:
            articles = total
        elif "group_by" not in counted:
            articles = int(facet_r.get("found") or 0)
        else:
            articles = int(checked[-1].get("found") or 0)
        size = request.facet_size
        base = {k: v for k, v in counted.items() if k != "collection"}
        chosen = {name: spec.selected(request) for name, spec in FACETS.items()}
        many = self._many("facet counts")
        table = facets.tables(facet_r, size, base, many, self._spellings, chosen)
        page = SearchPage(
            request=request,
            total=total,
            hits=self._hits(request, page_r, {k: v for k, v in plain.items() if k != "collection"}),
            facets={
                name: top_facet(
                    table[name][0],
                    size,
                    chosen[name],
                    distinct=table[name][1],
                    # A selected value of a facet that narrows is in every hit.
                    selected_count=articles if spec.narrows else 0,
                )
                for name, spec in FACETS.items()
            },
            dates=results.histogram(dated_r, articles, _bucket_fetcher(dated, many)),
            suggestion=(
                suggest(self._many("did you mean"), request.query)
                if tq.has_text and articles < SUGGEST_BELOW
                else None
            ),
            articles=articles,
        )
        return replace(page, took_ms=round((time.perf_counter() - started) * 1000, 2))

    def _side_by_side(self, searches: list[dict[str, Any]], what: str) -> list[dict[str, Any]]:
        """Answers to ``searches`` (with their collection), each in its own POST, sent
        at once. Typesense runs the searches of one multi_search one after another on one
        thread, and each scans every match: side by side they use the node's cores
        (docs/benchmarks.md, "Side by side")."""
        calls = [functools.partial(self._post_searches, [s], what) for s in searches]
        return [answers[0] for answers in concurrently(calls)]

    def _hits(
        self, request: SearchRequest, page_r: dict[str, Any], matching: dict[str, Any]
    ) -> tuple[Hit, ...]:
        """The page's rows with their stories and copies (one more round trip)."""
        page_rows = grouping.rows(page_r)
        if not page_rows:
            return ()
        many = self._many("story sizes")
        answers = many(grouping.follow_ups(request, page_rows, matching))
        return tuple(grouping.apply(request, page_rows, answers, many, results.hit))

    def _multi_search(self, searches: list[dict[str, Any]]) -> dict[str, Any]:
        """One multi_search round trip; a 404 inside it raises (for ``confirmed``)."""
        answer = dict(self.reader.post("/multi_search", {"searches": searches}))
        for r in answer.get("results") or ():
            if int(r.get("code") or 0) != 404:
                continue
            if _older_collection(str(r.get("error"))):
                raise self._older()
            raise ts_errors.ObjectNotFound("collection not found")
        return answer

    def _older(self) -> IndexMissingError:
        return IndexMissingError(
            f"the Typesense collection {self.alias!r} was built by another version of "
            "Dateline (no copy groups or stories): run `dateline reindex --full`"
        )

    def _checked(self, result: dict[str, Any]) -> dict[str, Any]:
        """One multi_search result, or the error it carries as a Dateline error."""
        if "error" not in result:
            return result
        code = int(result.get("code") or 500)
        message = str(result.get("error"))
        if code == 404:
            raise IndexMissingError(
                f"no Typesense collection {self.alias!r} on {self.settings.typesense_nodes}: "
                "run `dateline reindex`"
            )
        if code in (400, 404) and _older_collection(message):
            raise self._older()
        if code == 400:
            raise query_error("engine_refused", engine="Typesense", reason=message)
        raise BackendError(f"Typesense search failed ({code}): {message}")


def _bucket_fetcher(
    dated: dict[str, Any], many: facets.Many
) -> Callable[[str, int], dict[str, Any]]:
    """Month or day buckets of the dated result (only narrow spans need them)."""

    def fetch(field_name: str, values: int) -> dict[str, Any]:
        params = {k: v for k, v in dated.items() if k != "collection"}
        return many([{**params, "facet_by": field_name, "max_facet_values": values}])[0]

    return fetch


def _older_collection(message: str) -> bool:
    """Whether Typesense refused a search for lack of the copy-group or story field."""
    return any(f"`{name}`" in message or f" {name}" in message for name in (COPY_KEY, STORY_KEY))


def _browse(request: SearchRequest) -> str:
    """Without words, "relevance" means newest first (as in the Whoosh backend)."""
    return "oldest" if request.sort == "oldest" else "newest"
