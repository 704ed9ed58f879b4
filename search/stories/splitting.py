"""Step 5 of a batch (see :mod:`search.stories.index`): a story of two events is cut in two.

Placement joins an article to the story it fits best, so two events of one kind (two
singers entering rehab, two players of one team arrested) end in one story when their
first articles came in an order that let the second event's articles fit the first's
story before a story of their own formed; refinement, one article at a time, cannot undo
it (each article fits the many articles of its kind there). What tells the events apart
is the protagonist rule's evidence, taken at the story's scale: two people each the main
person of articles of their own.

A story the batch opened in which two people or more each are the main person of
``MIN_LEAD`` articles or more is tried with each of its ``LEADS`` most frequent main
persons in turn: the articles that person leads open a story, then every article of the
two moves to the one it fits better, up to ``ROUNDS`` times. The first cut whose two parts
are two stories by the merge step's own test (one's articles fit the other below
``JOIN_THRESHOLD`` on average, or they are undated and about different years, see
:mod:`search.stories.merging`), each keeping two articles, stays; otherwise every article
goes back. Not only the second person is tried: a person named across both events (a
president in two rulings of his government) can lead the second most articles; cutting
off the first person's articles then finds the events (on ECB+ dev, precision over 16
orders 0.924 with the second person alone, 0.941 with the first three tried, measured at
commit d32f48d).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from search.stories.merging import Merger, other_years
from search.stories.scoring import JOIN_THRESHOLD
from search.stories.workspace import Workspace

# Articles a person must be the main person of, in each part.
MIN_LEAD = 2
ROUNDS = 4
# Leads tried in turn (most frequent first), each cutting off the articles it leads.
LEADS = 3

Move = Callable[[str, str, str], None]  # (article, from story, to story)


def split_stories(
    work: Workspace, merger: Merger, open_story: Callable[[str], str], move: Move
) -> set[str]:
    """Cut the stories of two events in two (module docstring); the stories changed."""
    cut: set[str] = set()
    for story in sorted(merger.new, key=work.rank):
        for lead in _leads(work, story):
            other = _try_cut(work, merger, story, lead, open_story, move)
            if other is not None:
                cut.update((story, other))
                merger.new.add(other)
                break
    return cut


def _try_cut(
    work: Workspace,
    merger: Merger,
    story: str,
    lead: str,
    open_story: Callable[[str], str],
    move: Move,
) -> str | None:
    """Cut off the articles ``lead`` leads, settle, keep the cut if the parts are apart."""
    led = work.in_order(d for d in work.members[story] if work.records[d].main_person == lead)
    other = open_story(led[0])
    for doc_id in led:
        move(doc_id, story, other)
    _settle(work, merger, story, other, move)
    if _apart(work, merger, story, other):
        return other
    for doc_id in work.in_order(work.members[other]):
        move(doc_id, other, story)
    return None


def _leads(work: Workspace, story: str) -> list[str]:
    """The story's most frequent main persons, if two or more lead ``MIN_LEAD`` articles."""
    mains = Counter(
        rec.main_person for d in work.members[story] if (rec := work.records[d]).main_person
    )
    # Ties broken by name: the same cut whatever order the counter saw them in.
    ranked = sorted(mains.items(), key=lambda kv: (-kv[1], kv[0]))
    leads = [p for p, n in ranked if n >= MIN_LEAD]
    return leads[:LEADS] if len(leads) >= 2 else []


def _settle(work: Workspace, merger: Merger, a: str, b: str, move: Move) -> None:
    """Two-means over the two parts: each article moves to the one it fits better."""
    members = work.in_order(work.members[a] | work.members[b])
    for _ in range(ROUNDS):
        changed = False
        for doc_id in members:
            current = work.home[doc_id]
            if work.states[current].size <= 1:
                continue
            rec = work.records[doc_id]
            fits = work.fits(rec, merger.probe_of(doc_id), [a, b], member=current)
            best = max(fits.values(), key=lambda f: (f.score, f.story == current)).story
            if best != current:
                move(doc_id, current, best)
                changed = True
        if not changed:
            return


def _apart(work: Workspace, merger: Merger, a: str, b: str) -> bool:
    """Whether two parts are two stories (the merge step would not join them)."""
    first, second = work.states[a], work.states[b]
    if min(first.size, second.size) < 2:
        return False
    if other_years(first, second):
        return True
    return min(merger.mean_fit(a, b), merger.mean_fit(b, a)) < JOIN_THRESHOLD
