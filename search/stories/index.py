"""``StoryIndex``: copies and stories of an archive, kept up to date one batch at a time.

Usage (what a reindex does)::

    stories = StoryIndex(index_dir / "stories.sqlite")
    result = stories.assign_batch(new_or_changed_documents)
    for doc_id, a in result.assignments.items():
        ...  # store a.story, a.copy_group with the document
    stories.remove(ids_of_deleted_articles)
    stories.close()

A batch is one SQLite transaction. Its articles are taken in the canonical order
(publication date, undated last, then content hash and id, see ``copies.sort_key``) and
each is placed once:

1. its copies are found (:mod:`search.stories.copies`); a copy of an article that already
   has a story joins that story;
2. otherwise candidate stories are looked up by its heaviest words and its actors in an
   inverted index near its date, scored (:mod:`search.stories.scoring`), and the article
   joins the best one scoring ``JOIN_THRESHOLD`` or more, else opens a story;
3. then the batch's own articles are looked at again, up to ``REFINE_PASSES`` times (each
   pass after the first only those in stories the previous one changed), each moving to
   the story it now fits best (or out into a story of its own): an article placed early
   saw few of its batch's stories;
4. two stories the batch opened that are parts of one event (the order cut it: each
   article fits its own part best, so step 3 cannot join them) become one
   (:mod:`search.stories.merging`);
5. a story the batch opened that holds two events of one kind, told apart by two people
   each the main person of articles of their own, is cut in two
   (:mod:`search.stories.splitting`); the articles steps 4 and 5 moved (those of a
   merged-in story, those of a cut one) go through step 3 again.

Articles of earlier batches never move, so nothing is re-clustered and a story id once
handed out stays. Steps 4 and 5 make the outcome depend less on the order of the articles
within a day: on ECB+ dev, all undated, B-cubed F1 over 8 orders went from 0.891-0.910 to
0.920-0.941 (docs/benchmarks.md, ``eval_stories orders``).

A new story is named after its first article in the canonical order. An article already
assigned with the same content hash keeps its story (a full rebuild of the same articles
gives the same ids); one whose content changed is removed and placed again.

Document frequencies count every article ever assigned: removing articles does not lower
them (the stored vector keeps only an article's heaviest keys), which moves IDF by noise.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path

from search.models import IndexDocument
from search.stories.backlog import Backlog
from search.stories.copies import CopyIndex, sort_key
from search.stories.features import DocFeatures, doc_features, vocabulary_of
from search.stories.fingerprint import Fingerprint, fingerprint
from search.stories.frequencies import DocFrequencies, data_version
from search.stories.merging import Merger
from search.stories.records import Assignment, BatchResult, Story
from search.stories.scoring import JOIN_THRESHOLD, Fit
from search.stories.splitting import split_stories
from search.stories.store import ArticleRecord, StoriesError, StoryStore, connect
from search.stories.text import words
from search.stories.vectors import feature_keys, vector
from search.stories.workspace import Workspace

REFINE_PASSES = 2
# Candidate stories scored per article, and how far (days) postings are read from its date.
MAX_CANDIDATES = 6
WINDOW_DAYS = 60
# Articles worked on in memory at once (see assign_batch): ~30 KB each on Reuters, so
# ~300 MB a window; later windows read the stories of earlier ones from the file (0.7 ms
# an article more on Reuters). A window's document frequencies are counted before any of
# its articles is placed, so a cold rebuild weighs words with the IDF of its first window.
WINDOW = 10_000


class StoryIndex:
    """The copies and stories of one archive, in one SQLite file (see the module docstring)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db = connect(self.path)
        self._backlog = Backlog(self._db)
        self._store = StoryStore(self._db, self._backlog)
        self._copies = CopyIndex(self._db, self._backlog)
        self._df = DocFrequencies(self._db)
        self._version = 0  # PRAGMA data_version at the start of the running call

    def close(self) -> None:
        """Close the file (committed batches are on disk already)."""
        self._db.close()

    def __enter__(self) -> StoryIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ writing

    def assign_batch(
        self,
        docs: Iterable[IndexDocument],
        progress: Callable[[int], None] | None = None,
    ) -> BatchResult:
        """Place a batch of articles in copy groups and stories, in one transaction.

        Returns the assignment of every article of the batch (those already assigned with
        the same content keep theirs), the other articles whose copy group id changed and
        the size of every story touched. ``progress(n)`` is called after the n-th new
        article got its first placement. Larger batches place better (step 3 of the
        module docstring sees more); a full rebuild should pass every article at once.
        A batch is worked on ``WINDOW`` articles at a time (the canonical order cut into
        windows, each written before the next, all in the one transaction), so memory
        stays bounded whatever its size.
        """
        batch = {d.id: d for d in docs}
        ordered = sorted(batch.values(), key=_order)
        regrouped: dict[str, str] = {}
        touched: set[str] = set()
        with self._transaction():
            known = self._store.known(batch)
            todo: list[IndexDocument] = []
            shrunk: set[str] = set()
            for doc in ordered:
                stored = known.get(doc.id)
                if stored is not None and stored[0] == doc.content_hash:
                    continue
                if stored is not None:  # same article, new content: placed again
                    self._remove_one(doc.id, regrouped, shrunk)
                todo.append(doc)
            self._settle(shrunk)
            touched |= shrunk
            self._store.fit_cache(len(todo))
            done = 0
            for start in range(0, len(todo), WINDOW):
                window = todo[start : start + WINDOW]
                touched |= self._place_window(window, batch, regrouped, progress, done)
                done += len(window)
            result = self._result(ordered, regrouped, touched)
        return result

    def _place_window(
        self,
        window: list[IndexDocument],
        batch: dict[str, IndexDocument],
        regrouped: dict[str, str],
        progress: Callable[[int], None] | None,
        done: int,
    ) -> set[str]:
        """Steps 1-3 for one window of new articles, written at the end; the stories touched."""
        # Counted before any is placed; their vocabularies (the largest part) wait until then.
        features = [doc_features(d, vocabulary=False) for d in window]
        keys = [feature_keys(f) for f in features]
        counted, df = self._count_df(keys)
        # Keys no article counted before this window held (see Workspace.unheard).
        unheard = {k for k, n in counted.items() if df[k] == n}
        work = Workspace(self._store, WINDOW_DAYS, self._version, unheard)
        placed: list[ArticleRecord] = []
        for n, doc in enumerate(window):
            tokens = words(doc.body)  # read once: for the vocabulary and the copy fingerprint
            feats = replace(features[n], vocabulary=vocabulary_of(doc, tokens))
            print_ = fingerprint(doc.body, tokens)
            placed.append(self._place(work, doc, feats, df, print_, regrouped))
            if progress is not None:
                progress(done + len(placed))
        del features, keys
        self._refine(work, placed, batch)
        self._regroup(work, batch)
        self._follow_copies(work, placed)
        work.name_new_stories()
        work.flush(self._copies.flush())
        return {s for s, st in work.states.items() if st.dirty}

    def remove(self, ids: Iterable[str]) -> BatchResult:
        """Forget articles (deleted from the archive), in one transaction.

        Their stories shrink (and go when empty); returns the articles whose copy group
        id changed and the sizes of the stories touched.
        """
        regrouped: dict[str, str] = {}
        touched: set[str] = set()
        ids = list(dict.fromkeys(ids))
        with self._transaction():
            # Settling reads every row of each story left (thousands for a large one):
            # those pages are worth keeping whatever the call's size.
            self._store.fit_cache(len(ids), at_least=64)
            for doc_id in ids:
                self._remove_one(doc_id, regrouped, touched)
            self._settle(touched)
            sizes = self._sizes(touched)
        return BatchResult({}, regrouped, sizes)

    # ------------------------------------------------------------------ reading

    def assignment(self, doc_id: str) -> Assignment | None:
        """The stored assignment of one article."""
        story = self._store.story_of(doc_id)
        group = self._copies.group_of(doc_id)
        if story is None or group is None:
            return None
        return Assignment(
            doc_id, group, len(self._copies.members(group)), story, self._sizes({story})[story]
        )

    def story(self, story_id: str) -> Story | None:
        """A story: its articles in canonical order, span, main actors and countries."""
        row = self._db.execute(
            "SELECT size, first_day, last_day FROM stories WHERE id = ?", (story_id,)
        ).fetchone()
        if row is None:
            return None
        articles = tuple(
            r[0]
            for r in self._db.execute(
                "SELECT id FROM articles WHERE story = ? ORDER BY sort_key", (story_id,)
            )
        )
        groups = {self._copies.group_of(a) for a in articles}
        return Story(
            id=story_id,
            size=row[0],
            articles=articles,
            first_date=date.fromordinal(row[1]) if row[1] else None,
            last_date=date.fromordinal(row[2]) if row[2] else None,
            actors=self._top_keys(story_id, "a"),
            countries=self._top_keys(story_id, "c"),
            copy_groups=len(groups),
        )

    def story_sizes(self, story_ids: Iterable[str]) -> dict[str, int]:
        """``{story id: number of articles}`` (0 for a story that does not exist)."""
        return self._sizes(set(story_ids))

    def stories(self) -> Iterator[tuple[str, int]]:
        """Every ``(story id, size)``, largest first."""
        yield from self._db.execute("SELECT id, size FROM stories ORDER BY size DESC, id")

    def assignments(self) -> dict[str, str]:
        """``{article id: story id}`` of every assigned article."""
        return dict(self._db.execute("SELECT id, story FROM articles"))

    def copy_groups(self) -> dict[str, str]:
        """``{article id: copy group id}`` of every assigned article."""
        return dict(self._db.execute("SELECT id, grp FROM copies"))

    # ------------------------------------------------------------------ steps

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            # What this connection keeps in memory is read again only if another committed.
            self._version = data_version(self._db)
            self._df.sync(self._version)
            self._backlog.sync(self._version)
        except sqlite3.Error as e:
            raise StoriesError(f"{self.path}: {e}") from e
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            self._df.forget()
            self._backlog.forget()
            self._store.forget()
            self._copies.discard()
            raise

    def _count_df(self, keys: list[list[str]]) -> tuple[Counter[str], dict[str, int]]:
        """Count a window's articles (``keys``: each one's ``feature_keys``) in the document
        frequencies; returns what it added and the frequencies of those keys now."""
        # A chunk counts first: its own articles weigh each other with its IDF.
        deltas: Counter[str] = Counter()
        for article in keys:
            deltas.update(article)
        return deltas, self._df.add(deltas, len(keys))

    def _place(
        self,
        work: Workspace,
        doc: IndexDocument,
        features: DocFeatures,
        df: Mapping[str, int],
        print_: Fingerprint,
        regrouped: dict[str, str],
    ) -> ArticleRecord:
        """Copy group and first story of one new article (``df``: the document frequencies
        of its window's keys, ``print_``: its body's fingerprint)."""
        rec = self._record(doc, features, df)
        match, moved = self._copies.add(doc.id, rec.sort_key, print_)
        regrouped.update(moved)
        follow = work.story_of(match.similar_to) if match.similar_to else None
        fit: Fit | None = None
        if follow:
            rec = replace(rec, via_copy=match.similar_to)
            fit = work.fits(rec, features, [follow]).get(follow)
        else:
            fits = work.fits(rec, features, work.candidates(rec, MAX_CANDIDATES))
            best = max(fits.values(), key=lambda f: (f.score, work.rank(f.story)), default=None)
            fit = best if best is not None and best.score >= JOIN_THRESHOLD else None
        if fit is None:
            fit = Fit(self._open(work, rec), 0.0, {})
        work.add(fit.story, rec, fit.dots)
        return rec

    def _record(
        self, doc: IndexDocument, features: DocFeatures, df: Mapping[str, int]
    ) -> ArticleRecord:
        """What the file keeps of a new article: its vector weighed by today's frequencies
        (``df``: those of its keys, at least)."""
        return ArticleRecord(
            id=doc.id,
            content_hash=doc.content_hash,
            sort_key=_order(doc),
            day=features.day,
            main_person=features.main_person,
            persons=features.persons,
            vector=vector(features, df, self._df.docs),
        )

    def _refine(
        self,
        work: Workspace,
        placed: list[ArticleRecord],
        batch: dict[str, IndexDocument],
    ) -> None:
        """Step 3: the batch's articles move to the story they now fit best."""
        movable = [r for r in placed if r.via_copy is None]
        if len(movable) < 2:
            return
        for _ in range(REFINE_PASSES):
            changed: set[str] = set()  # stories an article joined or left in this pass
            for rec in movable:
                current = work.home[rec.id]
                probe = _probe(rec, batch[rec.id])  # not kept: vocabularies are large
                names = [
                    current,
                    *(s for s in work.candidates(rec, MAX_CANDIDATES) if s != current),
                ]
                fits = work.fits(rec, probe, names, member=current)
                best = max(fits.values(), key=lambda f: (f.score, f.story == current))
                if best.story == current and best.score >= JOIN_THRESHOLD:
                    continue
                if best.score < JOIN_THRESHOLD:
                    if work.states[current].size == 1:
                        continue  # alone already
                    best = Fit(self._open(work, rec), 0.0, {})
                work.remove(current, rec, fits[current].dots)
                work.add(best.story, rec, best.dots)
                changed.update((current, best.story))
            # The next pass looks again only at the articles of stories that changed.
            movable = [r for r in movable if work.home[r.id] in changed]
            if not movable:
                break

    def _regroup(self, work: Workspace, batch: dict[str, IndexDocument]) -> None:
        """Steps 4 and 5: the batch's stories that are parts of one event become one, then
        those that hold two events are cut in two; their articles are refined again."""
        merger = Merger(work, lambda doc_id: _probe(work.records[doc_id], batch[doc_id]))
        moved: set[str] = set()

        def merge(source: str, target: str) -> None:
            moved.update(work.members[source])
            self._move_story(work, source, target)

        merger.run(merge)
        cut = split_stories(
            work,
            merger,
            lambda doc_id: self._open(work, work.records[doc_id]),
            partial(_move, work),
        )
        moved.update(d for s in cut for d in work.members[s])
        if moved:
            # An article that joined another story, or whose story was cut, may now fit a
            # third better (the larger story it joined changed little: its articles stay).
            self._refine(work, [work.records[d] for d in work.in_order(moved)], batch)

    def _move_story(self, work: Workspace, source: str, target: str) -> None:
        """Every article of ``source`` (all of this batch) moves to ``target``."""
        for doc_id in work.in_order(work.members[source]):
            _move(work, doc_id, source, target)

    def _follow_copies(self, work: Workspace, placed: list[ArticleRecord]) -> None:
        """A copy ends in the story of the article it copies, wherever step 3 took that."""
        for rec in placed:
            if rec.via_copy is None:
                continue
            target = work.story_of(rec.via_copy)
            current = work.home[rec.id]
            if target is None or target == current:
                continue
            fits = work.fits(rec, _probe(rec, None), [current, target], member=current)
            work.remove(current, rec, fits[current].dots)
            work.add(target, rec, fits[target].dots)

    def _open(self, work: Workspace, rec: ArticleRecord) -> str:
        """A new story named after the article opening it (suffixed if that id is taken)."""
        name, n = rec.id, 1
        while work.exists(name):
            n += 1
            name = f"{rec.id}-{n}"
        work.open(name, rec.sort_key)
        return name

    def _remove_one(self, doc_id: str, regrouped: dict[str, str], touched: set[str]) -> None:
        """Take a committed article out; its story joins ``touched`` (``_settle`` them after)."""
        rec = self._store.record(doc_id)
        if rec is None:
            return
        story = self._store.story_of(doc_id)
        if story:
            self._store.remove_member(story, rec)
            touched.add(story)
        regrouped.pop(doc_id, None)
        regrouped.update(self._copies.remove([doc_id]))

    def _settle(self, stories: set[str]) -> None:
        """Recompute, once each, the stories that lost articles (those still existing)."""
        for story in sorted(stories):
            if self._store.exists(story):
                self._store.settle(story)

    # ------------------------------------------------------------------ results

    def _sizes(self, stories: set[str]) -> dict[str, int]:
        found = self._store.sizes(sorted(stories))
        return {s: found.get(s, 0) for s in stories}

    def _result(
        self, ordered: list[IndexDocument], regrouped: dict[str, str], touched: set[str]
    ) -> BatchResult:
        """The batch's assignments, read back in bulk (a cold rebuild has every article)."""
        ids = [d.id for d in ordered]
        story: dict[str, str] = {}
        group: dict[str, str] = {}
        copies: dict[str, int] = {}
        sizes: dict[str, int] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            # Its group's size and its story's with each article: one statement, not three.
            for doc_id, story_id, group_id, count, size in self._db.execute(
                f"SELECT a.id, a.story, c.grp, (SELECT COUNT(*) FROM copies g WHERE g.grp = c.grp),"
                f" (SELECT size FROM stories s WHERE s.id = a.story) FROM articles a"
                f" JOIN copies c ON c.id = a.id WHERE a.id IN ({marks})",
                chunk,
            ):
                story[doc_id] = story_id
                group[doc_id] = group_id
                copies[group_id] = count
                if size is not None:
                    sizes[story_id] = size
        missing = (touched | set(story.values())) - sizes.keys()
        if missing:  # stories the batch emptied (0) or left
            sizes.update(self._sizes(missing))
        assignments = {
            i: Assignment(i, group[i], copies[group[i]], story[i], sizes[story[i]])
            for i in ids
            if i in story and i in group
        }
        return BatchResult(
            assignments, {k: v for k, v in regrouped.items() if k not in assignments}, sizes
        )

    def _top_keys(self, story_id: str, field: str, limit: int = 10) -> tuple[str, ...]:
        rows = self._db.execute(
            "SELECT key FROM story_keys WHERE story = ? AND key >= ? AND key < ? "
            "ORDER BY weight DESC, key LIMIT ?",
            (story_id, f"{field}:", f"{field};", limit),
        )
        return tuple(r[0][2:] for r in rows)


def _order(doc: IndexDocument) -> str:
    return sort_key(doc.published.isoformat() if doc.published else None, doc.content_hash, doc.id)


def _move(work: Workspace, doc_id: str, source: str, target: str) -> None:
    """An article of the batch moves from one story to another (possibly empty) one."""
    rec = work.records[doc_id]
    fits = work.fits(rec, _probe(rec, None), [source, target], member=source)
    work.remove(source, rec, fits[source].dots)
    work.add(target, rec, fits[target].dots if target in fits else {})


def _probe(rec: ArticleRecord, doc: IndexDocument | None) -> DocFeatures:
    """What the conflict rules read of an article already placed (its words, its people)."""
    vocabulary = vocabulary_of(doc) if doc is not None else frozenset()
    return DocFeatures({}, rec.main_person, rec.persons, vocabulary, rec.day)
