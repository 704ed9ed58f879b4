"""The reindex pipeline: read -> clean -> extract (cached) -> write, incremental by default.

It streams: articles are cleaned and extracted in batches, so memory stays bounded by the
batch size, not the archive. Only documents whose content hash changed reach NER.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from search import aliases as alias_files
from search import extraction_version, grouping, placing
from search.aliases import AliasTable
from search.backends.base import Backend, IndexWriter
from search.cache import ExtractionCache
from search.documents import actor_names, apply_aliases, build_document, rebuild_actors
from search.errors import IndexMissingError, IndexVersionError
from search.facets import ACTOR
from search.manifest import MANIFEST_FILE, Manifest, reading_signature
from search.models import (
    Article,
    Entities,
    FileProblem,
    IndexDocument,
    ReindexReport,
    SearchRequest,
)
from search.progress import ProgressCallback, ProgressTracker, total_bytes
from search.reading import Fingerprints, UnchangedFile, read_sources
from search.settings import Settings
from search.staging import StagedArticles
from search.workers import Extractor

log = logging.getLogger(__name__)

BATCH_SIZE = 256
# Articles added with lent NER workers are split among them, in parts of at least this many.
MIN_SPLIT = 16
# Articles placed into stories in one call. Placement sees the articles of one call
# together (it re-examines them against each other), so larger calls group better: on
# ECB+ dev, B-cubed F1 0.903 placing each batch of 256 as it came, 0.920 in one call. The
# batches wait (built, in memory: a few MB) until this many are ready, then are written.
PLACE_SIZE = 4096
# A staged build of this many articles (two placing calls) is placed by a child process
# while this one writes (:mod:`search.placing`); below, placing and writing cannot overlap.
PLACE_IN_CHILD_FROM = 2 * PLACE_SIZE
# Every actor value of the archive for the alias pass (backends page through them).
MAX_FACET_VALUES = 10_000_000
ALIAS_ROUNDS = 3
# Hits per page when listing the documents of an actor (Typesense answers at most 250).
ID_PAGE = 250
# Articles read to tell what the archive calls a name: its kind is the same in nearly all.
KIND_SAMPLE = 8


def reindex(
    backend: Backend,
    settings: Settings,
    paths: Sequence[str | Path],
    *,
    full: bool = False,
    progress: ProgressCallback | None = None,
) -> ReindexReport:
    """Bring the index in line with ``paths``; see docs/architecture.md "Reindexing".

    Incremental (default): unchanged articles are skipped, changed ones replaced, articles
    whose source under ``paths`` disappeared are removed. ``full``: a new index is built
    beside the live one and swapped in. Either way searches see all or nothing of the run.
    """
    report = ReindexReport(full=full)
    tracker = ProgressTracker(progress, report, total_bytes(paths) if progress else 0)
    return _run(backend, settings, report, tracker, paths=paths)


def add_articles(
    backend: Backend,
    settings: Settings,
    articles: Iterable[Article | FileProblem],
    *,
    progress: ProgressCallback | None = None,
    extractor: Extractor | None = None,
    extracted: Mapping[str, Entities] | None = None,
) -> ReindexReport:
    """Add or replace cleaned ``articles`` (``dateline follow``, a fetched URL): the
    reindex pipeline (entities, copies and stories, aliases) without removing anything.

    An article already indexed with the same content is counted unchanged, so adding the
    same articles twice writes them once. ``extractor``: the caller's NER workers, kept
    across calls (else the run starts its own). ``extracted``: entities by content hash
    that the caller had extracted already (a follow extracts its next batch while this
    one is written); they are taken as the cache's are.
    """
    report = ReindexReport(full=False)
    tracker = ProgressTracker(progress, report, 0)
    items = list(articles)
    report.read = len(items)
    return _run(
        backend, settings, report, tracker, items=items, extractor=extractor, extracted=extracted
    )


class _Lookup:
    """``{id: (key, content_hash)}`` of live documents, asked one id at a time (a run
    that adds a few articles to a large index does not read every fingerprint)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def get(self, doc_id: str) -> tuple[str, str] | None:
        try:
            doc = self.backend.get(doc_id)
        except IndexMissingError:
            return None
        return (doc.key, doc.content_hash) if doc is not None else None


def _run(
    backend: Backend,
    settings: Settings,
    report: ReindexReport,
    tracker: ProgressTracker,
    *,
    paths: Sequence[str | Path] | None = None,
    items: list[Article | FileProblem] | None = None,
    extractor: Extractor | None = None,
    extracted: Mapping[str, Entities] | None = None,
) -> ReindexReport:
    """The pipeline under the writer lock: a reindex of ``paths`` (articles gone from under
    them are removed; the manifest skips unchanged files), or only adding ``items``."""
    started = time.perf_counter()
    full = report.full
    roots = [os.path.abspath(p) for p in paths] if paths is not None else None
    with backend.lock():
        if roots is not None and grouping.discard_stale(settings.index_dir):
            # Every article must be placed again, and its document rewritten with its story.
            log.warning("the stories file was written by another version: rebuilding")
            full = report.full = True
        # Articles extracted under another version are extracted again, even unchanged
        # ones (else they keep the entities an older Dateline found): an incremental run,
        # so articles from elsewhere (other folders, the follow) stay in the index.
        unmarked = roots is not None and extraction_version.is_stale(settings.index_dir)
        stale = unmarked and not full
        if stale:
            log.info("entities from another extraction version (or unrecorded): extracting again")
        manifest: Manifest | None = None
        trusted = False
        if roots is not None:
            manifest = Manifest(settings.index_dir / MANIFEST_FILE, reading_signature(settings))
            # Trusted, the manifest knows every live document: the fingerprints are read
            # only if a file changed or went (a no-op run reads neither them nor any file).
            trusted = not full and not stale and manifest.trusts(roots, backend.revision())
        live = Fingerprints(lambda: _fingerprints(backend, full))
        if roots is not None and not trusted:
            live.load()
        lookup: Fingerprints | _Lookup = live if roots is not None else _Lookup(backend)
        applied = alias_files.load_applied(settings.index_dir)
        table = applied.with_user_file(settings.aliases_path)
        cache = ExtractionCache(settings.index_dir / "extractions.sqlite")
        stories = grouping.LazyStories(settings.index_dir)
        try:
            writer, full = _open_writer(backend, full)
        except BaseException:
            stories.close()
            if manifest is not None:
                manifest.close()
            raise
        report.full = full
        if full:
            # Derived aliases are decided anew from what the rebuilt archive holds: the
            # table of the old index would name the new documents before the pass and keep
            # its decisions (also wrong ones) out of reach of the evidence.
            table = table.without_corpus()
        # Articles written earlier whose copy group a later placement renamed: rewritten
        # after the commit (rare: an earlier-dated copy read late, or a group's first removed).
        regrouped: dict[str, str] = {}
        pipeline = _Pipeline(
            writer,
            cache,
            report,
            extractor or Extractor(settings.extract_workers),
            table,
            tracker,
            (stories, regrouped),
            owns_extractor=extractor is None,
            extracted=extracted,
            # A first build (no live document) stages too: every document is new.
            stage_in=settings.index_dir if full or (live.loaded and not live) else None,
        )
        removed: list[str] = []
        try:
            seen: set[str] = set()
            stream: Iterable[Article | FileProblem | UnchangedFile]
            if paths is not None and manifest is not None:
                reading = None if trusted else live
                stream = read_sources(
                    paths, settings, report, tracker, manifest, reading, full=full or stale
                )
            else:
                stream = items or []
            size = BATCH_SIZE
            if items is not None and extractor is not None:
                # A follow's batch is small: split among the lent workers, so all extract.
                size = max(MIN_SPLIT, -(-len(items) // extractor.workers))
            for batch in _batches(stream, report, tracker, min(size, BATCH_SIZE)):
                if isinstance(batch, UnchangedFile):
                    _count_unchanged(batch, seen, report, tracker)
                    continue
                fresh = []
                for article in batch:
                    if article.id in seen:
                        report.skipped.append(FileProblem(article.key, "duplicate article id"))
                        tracker.finished += 1
                        continue
                    seen.add(article.id)
                    old = lookup.get(article.id)
                    if old and old[1] == article.content_hash and not (full or stale):
                        report.unchanged += 1
                        tracker.finished += 1
                    else:
                        fresh.append(article)
                pipeline.push(fresh)
                tracker.emit()
            if full and roots is not None:  # asked for, or forced by a format change
                for carried in _web_articles(backend, live, seen):
                    pipeline.push(carried)
            pipeline.drain()
            table = pipeline.aliases  # a staged build derived the archive's aliases
            if roots is not None and manifest is not None:
                if not live.loaded and manifest.vanished(roots):
                    live.load()  # a file went: find its documents
                # Not loaded: trusted, nothing changed or went, so every live one was seen.
                for doc_id, (key, _) in live.items() if live.loaded else ():
                    # A full rebuild holds only what was read now; an incremental run
                    # removes only articles whose source under the given paths went.
                    if doc_id not in seen and (full or _under(key, roots)):
                        if not full:
                            writer.delete(doc_id)
                        removed.append(doc_id)
                        report.removed += 1
                manifest.forget_unseen(None if full else roots)
            tracker.emit("commit")
            with _timed(report, "commit"):
                if report.indexed or removed or full or (live.loaded and not live):
                    writer.commit()
                else:
                    writer.abort()  # nothing to write: the live index stays as it is
                if manifest is not None:
                    manifest.commit()
        except BaseException:
            writer.abort()
            stories.close()
            if manifest is not None:
                manifest.close()
            raise
        finally:
            pipeline.close()
        try:
            if report.indexed or removed or full or regrouped:
                tracker.emit("stories")
                with _timed(report, "stories"):
                    if roots is not None:
                        held = (set(live) - set(removed)) | seen if not full else seen
                        grouping.forget_missing(stories.get(), held, regrouped)
                    report.regrouped = grouping.rewrite_groups(backend, regrouped)
        finally:
            stories.close()
        try:
            user_changed = (table.user, table.never) != (applied.user, applied.never)
            if report.indexed or report.removed or user_changed:
                # Documents name these now under the old table's canonical names.
                named = table.user_names() | applied.user_names() if user_changed else set()
                revisit = named | {applied.canonical(n) or n for n in named}
                tracker.emit("aliases")
                with _timed(report, "aliases"):
                    report.renamed = merge_corpus_aliases(backend, settings, table, cache, revisit)
        finally:
            cache.close()
        try:
            # Nothing written and the fingerprints never needed: every article was seen.
            unchanged = not (report.indexed or report.removed or live.loaded)
            if roots is not None and unchanged:
                report.total_documents = len(seen)
            else:
                report.total_documents = backend.count()
            if roots is not None and manifest is not None:
                complete = report.total_documents == len(seen)
                manifest.trust(roots if complete else None, backend.revision())
            if unmarked:  # what the paths hold is extracted under VERSION now
                extraction_version.record(settings.index_dir)
        finally:
            if manifest is not None:
                manifest.close()
    report.seconds = time.perf_counter() - started
    tracker.emit("done")
    return report


def _fingerprints(backend: Backend, full: bool) -> dict[str, tuple[str, str]]:
    try:
        return backend.fingerprints()
    except IndexMissingError:
        if not full:
            raise
        # A full rebuild needs nothing from an unreadable index: it replaces it.
        return {}


def _open_writer(backend: Backend, full: bool) -> tuple[IndexWriter, bool]:
    """The run's writer, and whether the run is a full rebuild."""
    try:
        return backend.writer(full=full), full
    except IndexVersionError:
        if full:
            raise
        # An index from another Dateline version cannot take today's documents: the run
        # becomes a full rebuild (the extraction cache still spares most NER).
        log.warning("the index was built by another version of Dateline: rebuilding it")
        return backend.writer(full=True), True


class _Pipeline:
    """Extraction of batch n+1.. runs in workers while batch n is written to the index."""

    def __init__(
        self,
        writer: IndexWriter,
        cache: ExtractionCache,
        report: ReindexReport,
        extractor: Extractor,
        aliases: AliasTable,
        tracker: ProgressTracker,
        stories: tuple[grouping.LazyStories, dict[str, str]],
        *,
        owns_extractor: bool,
        extracted: Mapping[str, Entities] | None = None,
        stage_in: Path | None = None,
    ) -> None:
        """``stage_in`` (a full or first build): articles wait there, extracted, until every
        one is, and are then named by the archive-wide aliases their counts give (see
        :mod:`search.staging`)."""
        self.writer, self.cache, self.report, self.aliases = writer, cache, report, aliases
        self.extracted = extracted or {}
        self.tracker = tracker
        self.stories, self.regrouped = stories
        self.extractor, self.owns_extractor = extractor, owns_extractor
        # Batches in flight: enough to keep every worker busy while this process writes an
        # index segment (~4-8 s; a batch is ~3 s of NER). With two per worker, both cores
        # sat half idle for ~10 s at each segment of a Reuters build.
        self.depth = max(1, extractor.workers) * 5
        self.pending: deque[tuple[list[Article], dict[str, Entities], list[str], Any]] = deque()
        self.unplaced: list[IndexDocument] = []  # built, waiting for one placement call
        self.staged = StagedArticles(stage_in) if stage_in is not None else None

    def push(self, articles: list[Article]) -> None:
        """Queue a batch: cached entities now, the rest sent to the extractor."""
        if not articles:
            return
        hashes = [a.content_hash for a in articles]
        known = self.cache.get_many(hashes)
        given = [h for h in hashes if h not in known and h in self.extracted]
        if given:  # stored as if extracted now: a later run finds them in the cache
            self.cache.put_many([(h, self.extracted[h]) for h in given])
            known.update((h, self.extracted[h]) for h in given)
        missing = [a for a in articles if a.content_hash not in known]
        handle = self.extractor.submit(missing) if missing else None
        self.pending.append((articles, known, [a.content_hash for a in missing], handle))
        while len(self.pending) > self.depth:
            self._write_oldest()

    def drain(self) -> None:
        """Write every queued batch (a full build: every staged article, named anew)."""
        while self.pending:
            self._write_oldest()
        if self.staged is not None:
            self._write_staged(self.staged)
        self._place_and_write()

    def close(self) -> None:
        """Stop the workers (unless the caller lent them); drop what is still staged."""
        if self.staged is not None:
            self.staged.close()
        if self.owns_extractor:
            self.extractor.close()

    def _write_staged(self, staged: StagedArticles) -> None:
        with _timed(self.report, "aliases"):
            self.aliases = derive_aliases(self.aliases, staged.actor_counts(), staged.kinds)
        now = datetime.now(UTC)
        in_child = len(staged) >= PLACE_IN_CHILD_FROM
        if in_child:
            self.stories.close()  # the child alone opens the stories file meanwhile
            calls = placing.place_in_child(
                staged, self.aliases, self.stories.index_dir, now, self.regrouped, PLACE_SIZE
            )
        else:
            calls = placing.placed_calls(
                staged, self.aliases, self.stories.get(), now, self.regrouped, PLACE_SIZE
            )
        with closing(calls):  # a failed write stops the child at once
            while True:
                # In the child's case this process idles here while the child places.
                with _timed(self.report, "place_wait") if in_child else nullcontext():
                    call = next(calls, None)
                if call is None:
                    break
                self.report.timings["stories"] = (
                    self.report.timings.get("stories", 0.0) + call.seconds
                )
                self._write(call.docs)
                self.tracker.emit("write")
        staged.close()  # its disk space back before the commit

    def _write_oldest(self) -> None:
        articles, known, missing_hashes, handle = self.pending.popleft()
        with _timed(self.report, "extract_wait"):
            entities = handle.result() if handle is not None else []
            extracted = list(zip(missing_hashes, entities, strict=True))
        if extracted:
            self.cache.put_many(extracted)
            known.update(extracted)
        now = datetime.now(UTC)
        for article in articles:
            entities = known[article.content_hash]
            if self.staged is not None:  # built and written once every article is staged
                self.staged.add(article, entities, *actor_names(entities, self.aliases))
            else:
                doc = build_document(article, entities, self.aliases, indexed_at=now)
                self.unplaced.append(doc)
        # Progress counts extracted articles: placing and writing them is the short part.
        self.tracker.finished += len(articles)
        self.tracker.emit()
        if len(self.unplaced) >= PLACE_SIZE:
            self._place_and_write()

    def _place_and_write(self) -> None:
        docs, self.unplaced = self.unplaced, []
        if not docs:
            return
        with _timed(self.report, "stories"):
            docs = grouping.place(self.stories.get(), docs, self.regrouped)
        self._write(docs)

    def _write(self, docs: list[IndexDocument]) -> None:
        with _timed(self.report, "write"):
            for doc in docs:
                self.writer.add(doc)
                self.report.indexed += 1


@contextmanager
def _timed(report: ReindexReport, phase: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        report.timings[phase] = report.timings.get(phase, 0.0) + time.perf_counter() - started


def merge_corpus_aliases(
    backend: Backend,
    settings: Settings,
    table: AliasTable,
    cache: ExtractionCache,
    revisit: Iterable[str] = (),
) -> int:
    """Name every document's actors by the archive-wide table; returns how many changed.

    The derived part is computed anew from the actor facet's counts (see
    :mod:`search.entities.corpus`) and the user's file wins over it. Only documents naming
    an actor the table renames or drops are read and rewritten, plus, when the user's file
    changed, those naming a name it mentions (now or before), which are named anew from
    their extracted entities so that an alias the user removed is undone.
    """
    changed = 0
    revisit = set(revisit)
    # A rename can settle another name's evidence (a rival spelling merged away), so the
    # table is derived again from the new counts until it stops changing (at most 3 rounds).
    kinds = ArchiveKinds(backend)
    for _ in range(ALIAS_ROUNDS):
        counts = dict(backend.facet_values(ACTOR.name, "", limit=MAX_FACET_VALUES))
        table = derive_aliases(table, counts, kinds)
        names = [n for n in counts if table.changes(n)] + sorted(revisit & set(counts))
        revisit = set()
        renamed = _rename(backend, table, cache, names)
        changed += renamed
        if not renamed:
            break
    alias_files.save_applied(settings.index_dir, table)
    return changed


def derive_aliases(
    table: AliasTable,
    counts: Mapping[str, int],
    kinds: Callable[[str], Mapping[str, int]] | None = None,
) -> AliasTable:
    """``table`` with its archive-wide part derived anew from the actor ``counts``
    (``kinds``: how many articles call a name a person or an org, see :class:`ArchiveKinds`)."""
    from search.entities import corpus_aliases  # not loaded by a run that changes nothing

    return table.with_corpus(corpus_aliases(counts, table.corpus, kinds), counts)


class ArchiveKinds:
    """How many of the indexed articles naming an actor call it a "person" or an "org",
    read from the first ``KIND_SAMPLE`` of them, once per name and pass."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._kinds: dict[str, Counter[str]] = {}

    def __call__(self, name: str) -> Counter[str]:
        if name not in self._kinds:
            request = SearchRequest(actors=(name,), sort="oldest", per_page=KIND_SAMPLE)
            votes: Counter[str] = Counter()
            for hit in self._backend.search(request).hits:
                doc = self._backend.get(hit.id)
                if doc is not None:
                    pairs = zip(doc.actors, doc.actor_kinds, strict=False)
                    votes.update(kind for actor, kind in pairs if actor == name)
            self._kinds[name] = votes
        return self._kinds[name]


def _rename(
    backend: Backend, table: AliasTable, cache: ExtractionCache, names: Iterable[str]
) -> int:
    """Rewrite the documents naming ``names`` by ``table``; returns how many changed."""
    ids: dict[str, None] = {}
    for name in names:
        ids.update(dict.fromkeys(_ids_with_actor(backend, name)))
    if not ids:
        return 0
    changed = 0
    writer = backend.writer()
    try:
        for chunk in _chunks(list(ids), 256):
            docs = [d for d in (backend.get(i) for i in chunk) if d is not None]
            extracted = cache.get_many(d.content_hash for d in docs)
            for doc in docs:
                entities = extracted.get(doc.content_hash)
                new = (
                    rebuild_actors(doc, entities.actors, table)
                    if entities is not None
                    else apply_aliases(doc, table)
                )
                if new != doc:
                    writer.add(new)
                    changed += 1
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return changed


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _ids_with_actor(backend: Backend, name: str) -> Iterator[str]:
    """Ids of every document naming actor ``name``, in pages of ``ID_PAGE``.

    No cap on the number of pages: the web's ``MAX_PAGE`` bounds what a user may ask for,
    not this pass, which must reach every document (an actor named in a million articles
    stopped at 1,000,000 before). Memory stays one page.
    """
    page = 1
    while True:
        request = SearchRequest(actors=(name,), sort="oldest", page=page, per_page=ID_PAGE)
        result = backend.search(request)
        yield from (hit.id for hit in result.hits)
        if page * ID_PAGE >= result.total or not result.hits:
            return
        page += 1


def _batches(
    stream: Iterable[Article | FileProblem | UnchangedFile],
    report: ReindexReport,
    tracker: ProgressTracker,
    size: int,
) -> Iterator[list[Article] | UnchangedFile]:
    """Cleaned articles in lists of ``size``; problems go to the report's skipped list; an
    unchanged file comes after the articles read before it (so duplicate ids are found in
    reading order)."""
    batch: list[Article] = []
    for item in stream:
        if isinstance(item, FileProblem):
            report.skipped.append(item)
            continue
        if isinstance(item, UnchangedFile):
            if batch:
                yield batch
                batch = []
            yield item
            continue
        tracker.cleaned += 1
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    yield batch


def _count_unchanged(
    item: UnchangedFile, seen: set[str], report: ReindexReport, tracker: ProgressTracker
) -> None:
    """The articles of a file not opened: unchanged, or duplicates of an id read before."""
    for doc_id, _ in item.articles:
        if doc_id in seen:
            report.skipped.append(FileProblem(f"{item.path}", "duplicate article id"))
        else:
            seen.add(doc_id)
            report.unchanged += 1
        tracker.finished += 1
    tracker.emit()


def _web_articles(backend: Backend, live: Fingerprints, seen: set[str]) -> Iterator[list[Article]]:
    """Batches of the live articles a full rebuild must carry over as they are: those taken
    from the web (``dateline follow``, ``dateline reindex URL``), which no path given to
    the rebuild can read again. Each is extracted (from the cache: same content hash) and
    placed again like the articles read now; it joins ``seen``."""
    batch: list[Article] = []
    for doc_id, (key, _) in live.items():
        if doc_id in seen or not key.startswith(("http://", "https://")):
            continue
        doc = backend.get(doc_id)
        if doc is None:
            continue
        seen.add(doc_id)
        batch.append(
            Article(
                id=doc.id, key=doc.key, title=doc.title, body=doc.body, url=doc.url,
                source=doc.source, published=doc.published, dateline=doc.dateline,
            )
        )  # fmt: skip
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _under(key: str, roots: list[str]) -> bool:
    path = key.split("#", 1)[0]
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)
