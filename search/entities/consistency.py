"""Consistency across one article: a name keeps one kind wherever it appears.

NER labels each occurrence on its own, so "Tarango" can be a person in one sentence and an
organisation in the next, and a name it found once may be missed later. Once a full name
is known to be a person, its repeats (and its surname) are people too.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from search.entities.lines import LineIndex
from search.entities.names import UNLABELLED_NAME, first_names, looks_like_person
from search.entities.spans import Candidate, clean_span, surname
from search.models import ActorKind


def relabel_people(
    text: str,
    spans: Sequence[tuple[str, int, int, str]],
    cands: list[Candidate],
    lines: LineIndex,
) -> tuple[list[Candidate], frozenset[tuple[int, int]]]:
    """Repeats of a known person's name that NER labelled otherwise or missed."""
    names = {c.name for c in cands if c.kind == "person"}
    known = {n for n in names if len(n.split()) >= 2}
    known |= {surname(n) for n in known if len(surname(n)) > 2}
    if not known:
        return cands, frozenset()
    taken = Ranges((c.start, c.end) for c in cands if c.kind == "person")
    claimed: set[tuple[int, int]] = set()
    relabelled: list[Candidate] = []
    for label, s, e, _ in spans:
        if label in ("PERSON", "DATE"):
            continue
        pieces = clean_span(text, s, e, "ORG")
        cleaned = pieces[0] if len(pieces) == 1 else None
        if cleaned and text[cleaned[0] : cleaned[1]] in known:
            if not lines.line_of(s).all_caps and not taken.overlaps(*cleaned):
                relabelled.append(Candidate(*cleaned, text[cleaned[0] : cleaned[1]], "person"))
                claimed.add((s, e))
    moved = Ranges((c.start, c.end) for c in relabelled)
    out = [c for c in cands if not moved.overlaps(c.start, c.end)] + relabelled
    occupied = Ranges([(s, e) for _, s, e, _ in spans] + [(c.start, c.end) for c in out])
    pattern = re.compile(
        r"(?<![\w.])("
        + "|".join(re.escape(n) for n in sorted(known, key=len, reverse=True))
        + r")(?!\w)"
    )
    for m in pattern.finditer(text):
        if occupied.overlaps(m.start(), m.end()) or lines.line_of(m.start()).all_caps:
            continue
        out.append(Candidate(m.start(), m.end(), m.group(), "person"))
    return out, frozenset(claimed)


class Ranges:
    """A fixed set of character ranges with a fast overlap test (bisect on starts)."""

    def __init__(self, ranges: Iterable[tuple[int, int]]) -> None:
        pairs = sorted(ranges)
        self._starts = [s for s, _ in pairs]
        # Largest end among the ranges up to each position, so one bisect answers.
        self._max_end: list[int] = []
        top = -1
        for _, e in pairs:
            top = max(top, e)
            self._max_end.append(top)

    def overlaps(self, start: int, end: int) -> bool:
        """True when ``[start, end)`` overlaps any of the ranges."""
        i = bisect.bisect_left(self._starts, end)
        return i > 0 and self._max_end[i - 1] > start


def vote_kinds(cands: list[Candidate]) -> list[Candidate]:
    """One kind per name: the majority of its labelled mentions (a tie keeps each label)."""
    votes: dict[str, Counter[ActorKind]] = defaultdict(Counter)
    for c in cands:
        votes[c.name][c.kind] += 1
    out = []
    for c in cands:
        best, n = votes[c.name].most_common(1)[0]
        out.append(replace(c, kind=best) if best != c.kind and n > votes[c.name][c.kind] else c)
    return out


def propagate_orgs(
    text: str,
    spans: Sequence[tuple[str, int, int, str]],
    cands: list[Candidate],
    lines: LineIndex,
) -> list[Candidate]:
    """Unlabelled repeats of an organisation's name found elsewhere in the article.

    A one-word name is not taken at the start of a sentence, where any word is capitalised.
    """
    names = {c.name for c in cands if c.kind == "org" and len(c.name) >= 3}
    if not names:
        return cands
    occupied = Ranges([(s, e) for _, s, e, _ in spans] + [(c.start, c.end) for c in cands])
    pattern = re.compile(
        r"(?<![\w.])("
        + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        + r")(?!\w)"
    )
    out = list(cands)
    for m in pattern.finditer(text):
        if occupied.overlaps(m.start(), m.end()) or lines.line_of(m.start()).all_caps:
            continue
        if " " not in m.group() and re.search(
            r"(?:^|[.!?\"\u201c]\s*|\n\s*)$", text[: m.start()][-3:]
        ):
            continue
        out.append(Candidate(m.start(), m.end(), m.group(), "org"))
    return out


def unlabelled_people(
    text: str,
    spans: Sequence[tuple[str, int, int, str]],
    cands: list[Candidate],
    lines: LineIndex,
) -> list[Candidate]:
    """ "Given Surname" runs NER did not label at all (line-ups, results lists)."""
    occupied = Ranges([(s, e) for _, s, e, _ in spans] + [(c.start, c.end) for c in cands])
    found = []
    for m in UNLABELLED_NAME.finditer(text):
        if m.group(1) not in first_names() or not looks_like_person(m.group()):
            continue
        if occupied.overlaps(m.start(), m.end()) or lines.line_of(m.start()).all_caps:
            continue
        found.append(Candidate(m.start(), m.end(), m.group(), "person"))
    return found
