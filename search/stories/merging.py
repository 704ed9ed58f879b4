"""Step 4 of a batch (see :mod:`search.stories.index`): parts of one event become one story.

Refinement moves one article at a time, so an event the canonical order cut in two stays
cut: a few of its articles came early and opened a story, the rest formed another, and
each article fits the part it is in best (its partners there are its nearest articles).
Which articles come early is, where dates tie (all of an undated corpus), a matter of
hashes (ids once, which made the score depend on where the archive lies on disk; content
hashes now): any of those orders should give about the same stories.

Two stories the batch opened become one when

* the articles of each fit the other at ``JOIN_THRESHOLD`` or more on average, scored as
  refinement scores them (words, actors, numbers, protagonist conflicts, time): on
  average, each part's articles would have joined the other, had it been there first;
* the smaller is at most half the larger (``MAX_PART``): the part an order cuts off an event
  is its first few articles. Two stories of like size that each hold together are more
  often two events of one kind (two players of one team arrested for drunk driving, a
  year apart) than one event cut in two: on ECB+ dev, merging those cost more precision
  than it gained recall;
* they are not two undated stories about different years (:func:`other_years`).

The best-fitting pair merges first, the smaller story into the larger, and the merged
story is then compared again; stories of earlier batches are not merged (their articles
never move).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from search.stories.features import DocFeatures
from search.stories.scoring import JOIN_THRESHOLD
from search.stories.workspace import StoryState, Workspace

# The smaller of two stories merged holds at most this share of the larger's articles.
MAX_PART = 0.5
# Stories compared with each story: those its articles most often have among candidates.
MERGE_CANDIDATES = 6
# Articles a mean fit is taken over at most: a sample, evenly spread, of a larger story
# (whose thousands of articles a merge test would otherwise score one by one).
SAMPLE = 32


class Merger:
    """Merges the stories a batch opened (see the module docstring)."""

    def __init__(self, work: Workspace, probe: Callable[[str], DocFeatures]) -> None:
        self.work = work
        self.new = {s for s, st in work.states.items() if not st.in_db and st.size}
        # The conflict rules look up a story's main person in an article's words: keep
        # only the words that can be one (a main person of an article), not the vocabulary.
        self._names = {key[2:] for s in self.new for key in work.states[s].delta.get("m", {})}
        self._probe = probe
        self._probes: dict[str, DocFeatures] = {}
        # Each article's candidate stories, looked up once: a merge only renames a story,
        # so later lookups follow ``_merged_into`` instead of reading postings again.
        self._candidates: dict[str, list[str]] = {}
        self._merged_into: dict[str, str] = {}
        self._fits: dict[tuple[str, str], float] = {}  # pair fits of stories unchanged since

    def run(self, move: Callable[[str, str], None]) -> set[str]:
        """Merge until no pair qualifies; ``move(source, target)`` moves a story's articles.

        Returns the stories that grew.
        """
        pending = {pair for story in sorted(self.new) for pair in self._pairs(story)}
        grown: set[str] = set()
        while pending:
            _, a, b = max(pending)
            pending = {p for p in pending if a not in p[1:] and b not in p[1:]}
            small, large = sorted((a, b), key=lambda s: (self.work.states[s].size, s))
            move(small, large)
            self.new.discard(small)
            self._merged_into[small] = large
            self._fits = {k: v for k, v in self._fits.items() if a not in k and b not in k}
            grown.discard(small)
            grown.add(large)
            pending |= set(self._pairs(large))
        return grown

    def _pairs(self, story: str) -> list[tuple[float, str, str]]:
        """``(fit, a, b)`` of each story ``story`` may merge with (``a < b``)."""
        out = []
        for other in self._neighbours(story):
            a, b = sorted((story, other))
            fit = self._fits.get((a, b))
            if fit is None:
                fit = self._fits[(a, b)] = self._pair_fit(a, b)
            if fit >= JOIN_THRESHOLD:
                out.append((fit, a, b))
        return out

    def _pair_fit(self, a: str, b: str) -> float:
        """How well two stories fit each other: the lower of the two mean fits (-1: they
        may not merge). The smaller's first: it is cheaper, and most pairs stop there."""
        if not self._may_merge(a, b):
            return -1.0
        small, large = sorted((a, b), key=lambda s: (self.work.states[s].size, s))
        fit = self.mean_fit(small, large)
        return fit if fit < JOIN_THRESHOLD else min(fit, self.mean_fit(large, small))

    def _neighbours(self, story: str) -> list[str]:
        """The new stories most often among the candidates of the story's articles."""
        votes: Counter[str] = Counter()
        for doc_id in self.work.members[story]:
            found = self._candidates.get(doc_id)
            if found is None:
                rec = self.work.records[doc_id]
                found = self._candidates[doc_id] = self.work.candidates(rec, MERGE_CANDIDATES)
            votes.update({self._current(s) for s in found})
        ranked = sorted(votes.items(), key=lambda kv: (-kv[1], self.work.rank(kv[0])))
        return [s for s, _ in ranked if s != story and s in self.new][:MERGE_CANDIDATES]

    def _current(self, story: str) -> str:
        """The story a story was merged into (itself if none)."""
        while story in self._merged_into:
            story = self._merged_into[story]
        return story

    def _may_merge(self, a: str, b: str) -> bool:
        first, second = self.work.states[a], self.work.states[b]
        small, large = sorted((first.size, second.size))
        return small <= MAX_PART * large and not other_years(first, second)

    def mean_fit(self, source: str, target: str) -> float:
        """The mean score of ``source``'s articles against ``target`` (of ``SAMPLE`` of
        them, evenly spread in canonical order, when it has more)."""
        members = self.work.in_order(self.work.members[source])
        step = max(1, -(-len(members) // SAMPLE))  # ceil: at most SAMPLE articles
        sample = members[::step]
        total = 0.0
        for doc_id in sample:
            rec = self.work.records[doc_id]
            total += self.work.fits(rec, self.probe_of(doc_id), [target])[target].score
        return total / len(sample)

    def probe_of(self, doc_id: str) -> DocFeatures:
        """What the conflict rules read of an article (its words kept: main persons only)."""
        found = self._probes.get(doc_id)
        if found is None:
            full = self._probe(doc_id)
            found = DocFeatures(
                full.counts,
                full.main_person,
                full.persons,
                full.vocabulary & self._names,
                full.day,
            )
            self._probes[doc_id] = found
        return found


def other_years(a: StoryState, b: StoryState) -> bool:
    """Two undated stories about different years: the year each mentions most is a year
    the other never mentions.

    Dated stories are kept apart in time by the time rule (each article against the
    other's span); undated ones have only the years their articles mention. Background
    years are shared freely ("since the 2008 constitution"), the main one is not: each
    story's main year absent from the other means two occurrences of one kind of event (a
    country's elections of two different years). The protagonist rule's test, on years.
    """
    if a.first_day is not None or b.first_day is not None:
        return False
    years_a, years_b = _years(a), _years(b)
    if not years_a or not years_b:
        return False
    return not _main(years_a) & years_b.keys() and not _main(years_b) & years_a.keys()


def _years(st: StoryState) -> dict[str, float]:
    """``{year key: weight}`` of a story opened by the batch (all its weight is its delta)."""
    return {k: w for k, w in st.delta.get("y", {}).items() if w > 1e-6}


def _main(weights: dict[str, float]) -> set[str]:
    """The heaviest keys (all of them on a tie)."""
    top = max(weights.values())
    return {k for k, w in weights.items() if w >= top - 1e-6}
