"""A batch's working copy of the stories it touches: committed rows plus its own changes.

Placing an article reads a dozen candidate stories and changes one. Doing that in SQL cost
a cold rebuild about ten statements an article; here the batch's changes stay in memory
(per story: size, field lengths, span, main person and the change to each key's weight)
and its articles' postings too, while committed stories are still read from the file,
where only the keys of the article being scored are looked up. :meth:`Workspace.flush`
writes everything in the batch's transaction.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from itertools import repeat
from operator import mul

from search.stories.features import DocFeatures
from search.stories.scoring import Fit, StoryView, score
from search.stories.store import POSTING_LIMIT, ArticleRecord, StoryStore
from search.stories.vectors import field_of, retrieval_keys


@dataclass(slots=True)
class StoryState:
    """A story as the running batch sees it."""

    id: str
    in_db: bool  # it has committed rows (their weights plus ``delta`` are its centroid)
    size: int = 0
    norms: dict[str, float] = field(default_factory=dict)
    first_day: int | None = None
    last_day: int | None = None
    main_person: str | None = None
    main_count: int = 0
    # Change to each key's weight, by field ({"w": {"w:quake": 0.4}, "m": {"m:lohan": 1.0}}).
    delta: dict[str, dict[str, float]] = field(default_factory=dict)
    dirty: bool = False
    shrank: bool = False  # an article left: span and main person are recomputed at flush
    # Canonical sort key of the article that opened it in this batch ("" if committed):
    # ties between stories are broken by it, not by their names (ids, which may hash the
    # file's path), so a batch is placed alike wherever its files lie.
    order: str = ""

    def view(self) -> StoryView:
        """The scoring view of the story now."""
        return StoryView(
            self.id,
            self.size,
            self.norms,
            self.main_person,
            self.first_day,
            self.last_day,
            self.main_count,
        )


class Workspace:
    """Stories and postings of one batch over a :class:`StoryStore` (see the module doc)."""

    def __init__(
        self, store: StoryStore, window: int, version: int, unheard: Set[str] = frozenset()
    ) -> None:
        self.store = store
        self.window = window
        # Keys the file's document frequencies counted first in this batch: no committed
        # story holds them (a story's rows are its articles' keys, all counted before), so
        # its dot products are read without them (a seek each; the sums are the same).
        self.unheard = unheard
        self.states: dict[str, StoryState] = {}
        self.home: dict[str, str] = {}  # batch article -> its story now
        self.members: dict[str, set[str]] = {}  # story -> its batch articles
        self.records: dict[str, ArticleRecord] = {}
        self.postings: dict[str, list[tuple[int, str]]] = {}
        self._counts: dict[tuple[str, str], float] = {}  # committed counted-key weights
        self._derived: dict[str, _Derived] = {}  # per article, computed once
        # Committed postings do not change during the batch: read once per article, and
        # not at all when the file has none (a cold rebuild).
        self._posted: dict[str, dict[str, set[str]]] = {}
        # Nor do committed story rows (written at flush): an article's dot products with a
        # committed story are read once, though step 3 scores it against that story again.
        self._committed_dots: dict[tuple[str, str], dict[str, float]] = {}
        self._file_posts, self._file_undated = store.posting_state(version)

    def _of(self, rec: ArticleRecord) -> _Derived:
        found = self._derived.get(rec.id)
        if found is None:
            found = self._derived[rec.id] = _derive(rec)
        return found

    # ------------------------------------------------------------------ stories

    def _load(self, stories: list[str]) -> None:
        """Read the states of committed stories the batch has not seen yet."""
        missing = [s for s in stories if s not in self.states]
        for sid, view in self.store.views(missing).items() if missing else ():
            self.states[sid] = StoryState(
                sid,
                True,
                view.size,
                dict(view.norms),
                view.first_day,
                view.last_day,
                view.main_person,
                view.main_count,
            )

    def exists(self, story: str) -> bool:
        """Whether the id names a story (committed, or opened in this batch)."""
        return story in self.states or self.store.exists(story)

    def open(self, story: str, order: str) -> None:
        """A new, empty story of that id, opened by the article of sort key ``order``."""
        self.states[story] = StoryState(story, False, dirty=True, order=order)

    def in_order(self, articles: Iterable[str]) -> list[str]:
        """Articles of the batch in canonical order (not by id: see ``StoryState.order``)."""
        return sorted(articles, key=lambda a: self.records[a].sort_key)

    def rank(self, story: str) -> tuple[str, str]:
        """What breaks a tie between stories: committed ones first (by id), then the
        batch's by the order of the articles that opened them."""
        st = self.states.get(story)
        return ("", story) if st is None or st.in_db else (st.order, story)

    def story_of(self, doc_id: str) -> str | None:
        """The story of an article of this batch or of the file."""
        return self.home.get(doc_id) or self.store.story_of(doc_id)

    # ------------------------------------------------------------------ scoring

    def candidates(self, rec: ArticleRecord, limit: int) -> list[str]:
        """Stories sharing the most of the article's retrieval keys, near its date."""
        keys = self._of(rec).keys
        committed = self._posted.get(rec.id)
        if committed is None:
            committed = (
                self.store.candidates(keys, rec.day, self.window, self._file_undated)
                if self._file_posts
                else {}
            )
            self._posted[rec.id] = committed
        votes: dict[str, float] = {}
        for key in keys:
            stories = committed.get(key, set())
            batch = self._batch_posting(key, rec)
            if batch:  # (a new set: the committed one is kept for the next lookup)
                stories = stories | batch
            weight = rec.vector.get(key, 0.0)
            for story in stories:
                if story:
                    votes[story] = votes.get(story, 0.0) + weight
        if len(votes) > limit:  # only stories voted at least the limit-th vote can make it
            least = heapq.nlargest(limit, votes.values())[-1]
            votes = {s: v for s, v in votes.items() if v >= least}
        ranked = sorted(votes.items(), key=lambda kv: (-kv[1], self.rank(kv[0])))
        return [s for s, _ in ranked[:limit]]

    def _batch_posting(self, key: str, rec: ArticleRecord) -> set[str]:
        # Latest first, as in the file: the batch runs in date order.
        found: set[str] = set()
        seen = 0
        for day, article in reversed(self.postings.get(key, ())):
            if article == rec.id:
                continue
            if rec.day is not None and day and abs(day - rec.day) > self.window:
                continue
            found.add(self.home[article])
            seen += 1
            if seen >= POSTING_LIMIT:
                break
        return found

    def fits(
        self,
        rec: ArticleRecord,
        probe: DocFeatures,
        stories: list[str],
        member: str | None = None,
    ) -> dict[str, Fit]:
        """Scores of an article against ``stories`` (``member``: the one it is in)."""
        self._load(stories)
        states = {s: st for s in stories if (st := self.states.get(s)) is not None and st.size}
        derived = self._of(rec)
        known = self._committed_dots
        unread = [s for s, st in states.items() if st.in_db and (rec.id, s) not in known]
        if unread:
            vec = {k: w for k, w in derived.flat().items() if k not in self.unheard}
            for sid, found in self.store.dots(unread, vec).items():
                known[(rec.id, sid)] = found
        fits: dict[str, Fit] = {}
        for sid, st in states.items():
            dots = dict(known[(rec.id, sid)]) if st.in_db else {}
            for name, part in derived.parts.items():
                change = st.delta.get(name)
                if change:
                    extra = sum(map(mul, part.values(), map(change.get, part, repeat(0.0))))
                    dots[name] = dots.get(name, 0.0) + extra
            persons = dots.pop("p", 0.0)
            value = score(st.view(), dots, probe, derived.sq, persons, member=sid == member)
            fits[sid] = Fit(sid, value, dots)
        return fits

    # ------------------------------------------------------------------ changes

    def add(self, story: str, rec: ArticleRecord, dots: Mapping[str, float]) -> None:
        """Put an article into a story (``dots``: its dot products with the centroid)."""
        st = self.states[story]
        derived = self._of(rec)
        for name, sq in derived.sq.items():
            st.norms[name] = st.norms.get(name, 0.0) + 2.0 * dots.get(name, 0.0) + sq
        _shift(st.delta, derived, 1.0)
        st.size += 1
        st.dirty = True
        if rec.day is not None:
            st.first_day = rec.day if st.first_day is None else min(st.first_day, rec.day)
            st.last_day = rec.day if st.last_day is None else max(st.last_day, rec.day)
        if rec.main_person:
            key = f"m:{rec.main_person}"
            count = int(round(self._committed(st, key) + st.delta["m"][key]))
            if st.main_person is None or count > st.main_count:
                st.main_person, st.main_count = rec.main_person, count
        if rec.id not in self.records:
            for key in derived.keys:
                self.postings.setdefault(key, []).append((rec.day or 0, rec.id))
        self.records[rec.id] = rec
        self.home[rec.id] = story
        self.members.setdefault(story, set()).add(rec.id)

    def remove(self, story: str, rec: ArticleRecord, dots: Mapping[str, float]) -> None:
        """Take an article of this batch out of a story (``dots``: as a member of it)."""
        st = self.states[story]
        derived = self._of(rec)
        for name, sq in derived.sq.items():
            st.norms[name] = max(st.norms.get(name, 0.0) - 2.0 * dots.get(name, 0.0) + sq, 0.0)
        _shift(st.delta, derived, -1.0)
        st.size -= 1
        st.dirty = st.shrank = True
        self.members[story].discard(rec.id)

    def name_new_stories(self) -> None:
        """Name each story opened in this batch after its first article (canonical order).

        It carries the id of the article that opened it, the batch's earliest in it unless
        step 3 moved that one out; named before anything is written, so no row is renamed.
        """
        for old in sorted(s for s, st in self.states.items() if not st.in_db and st.size):
            first = min(self.members[old], key=lambda a: self.records[a].sort_key)
            if first == old:
                continue
            new, n = first, 1
            while new != old and self.exists(new):  # that id names another story already
                n += 1
                new = f"{first}-{n}"
            if new == old:
                continue
            st = self.states.pop(old)
            st.id = new
            self.states[new] = st
            self.members[new] = self.members.pop(old)
            for article in self.members[new]:
                self.home[article] = new

    def flush(self, bands: Mapping[str, Sequence[int]]) -> None:
        """Write the batch's stories and articles (inside the caller's transaction), the
        articles posted with their copy band keys (``bands``: by article)."""
        # Articles first: a story an article left has its span computed again from them.
        self.store.write_articles(
            ((rec, self.home[i], self._of(rec).keys) for i, rec in self.records.items()), bands
        )
        for st in self.states.values():
            if not st.dirty:
                continue
            flat = {k: w for part in st.delta.values() for k, w in part.items()}
            self.store.write_story(st.view(), flat, new=not st.in_db)
            if st.shrank and st.size > 0:
                self.store.refresh(st.id)

    def _committed(self, st: StoryState, key: str) -> float:
        if not st.in_db:
            return 0.0
        cached = self._counts.get((st.id, key))
        if cached is None:
            cached = self._counts[(st.id, key)] = self.store.weight(st.id, key)
        return cached


@dataclass(frozen=True, slots=True)
class _Derived:
    """What scoring and updates read of an article, computed once per batch."""

    parts: dict[str, dict[str, float]]  # its vector by field, plus its main person's ``p:``
    sq: dict[str, float]  # squared length of each field of its vector
    keys: list[str]  # retrieval keys
    brings: list[tuple[str, str, float]]  # (field, key, weight) it adds to a story's rows

    def flat(self) -> dict[str, float]:
        """``parts`` as one prefixed vector."""
        return {k: w for part in self.parts.values() for k, w in part.items()}


def _derive(rec: ArticleRecord) -> _Derived:
    """An article's ``_Derived``, its vector read in one pass (what ``by_field``,
    ``split_fields`` and ``retrieval_keys`` give, each of which reads it whole)."""
    parts: dict[str, dict[str, float]] = {}
    sq: dict[str, float] = {}
    brings: list[tuple[str, str, float]] = []
    for key, w in rec.vector.items():
        name = field_of(key)
        part = parts.get(name)
        if part is None:
            part = parts[name] = {}
            sq[name] = 0.0
        part[key] = w
        sq[name] += w * w
        brings.append((name, key, w))
    keys = retrieval_keys(rec.vector, parts)
    brings += [(field_of(k), k, w) for k, w in rec.counted_keys().items()]
    if rec.main_person:
        parts["p"] = {f"p:{rec.main_person}": 1.0}  # its dot product: articles naming them
    return _Derived(parts, sq, keys, brings)


def _shift(delta: dict[str, dict[str, float]], derived: _Derived, sign: float) -> None:
    """Add (``sign`` 1) or take (-1) what an article brings to a story's keys."""
    for name, key, w in derived.brings:
        target = delta.get(name)
        if target is None:
            target = delta[name] = {}
        target[key] = target.get(key, 0.0) + sign * w
