"""Consistency across one article: a name keeps one kind wherever it appears.

NER labels each occurrence on its own, so "Tarango" can be a person in one sentence and an
organisation in the next, and a name it found once may be missed later. Once a full name
is known to be a person, its repeats (and its surname) are people too.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
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
    taken = sorted((c.start, c.end) for c in cands if c.kind == "person")
    claimed: set[tuple[int, int]] = set()
    out = list(cands)
    other = [(s, e, lab) for lab, s, e, _ in spans if lab not in ("PERSON", "DATE")]
    for s, e, _label in other:
        pieces = clean_span(text, s, e, "ORG")
        cleaned = pieces[0] if len(pieces) == 1 else None
        if cleaned and text[cleaned[0] : cleaned[1]] in known:
            if not lines.line_of(s).all_caps and not overlaps(taken, *cleaned):
                out = [c for c in out if not (c.start < cleaned[1] and cleaned[0] < c.end)]
                out.append(Candidate(*cleaned, text[cleaned[0] : cleaned[1]], "person"))
                claimed.add((s, e))
    occupied = sorted([(s, e) for _, s, e, _ in spans] + [(c.start, c.end) for c in out])
    pattern = re.compile(
        r"(?<![\w.])("
        + "|".join(re.escape(n) for n in sorted(known, key=len, reverse=True))
        + r")(?!\w)"
    )
    for m in pattern.finditer(text):
        if overlaps(occupied, m.start(), m.end()) or lines.line_of(m.start()).all_caps:
            continue
        out.append(Candidate(m.start(), m.end(), m.group(), "person"))
    return out, frozenset(claimed)


def overlaps(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    """True when ``[start, end)`` overlaps any of ``ranges``."""
    return any(s < end and start < e for s, e in ranges)


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
    occupied = sorted([(s, e) for _, s, e, _ in spans] + [(c.start, c.end) for c in cands])
    pattern = re.compile(
        r"(?<![\w.])("
        + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        + r")(?!\w)"
    )
    out = list(cands)
    for m in pattern.finditer(text):
        if overlaps(occupied, m.start(), m.end()) or lines.line_of(m.start()).all_caps:
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
    occupied = sorted([(s, e) for _, s, e, _ in spans] + [(c.start, c.end) for c in cands])
    found = []
    for m in UNLABELLED_NAME.finditer(text):
        if m.group(1) not in first_names() or not looks_like_person(m.group()):
            continue
        if overlaps(occupied, m.start(), m.end()) or lines.line_of(m.start()).all_caps:
            continue
        found.append(Candidate(m.start(), m.end(), m.group(), "person"))
    return found
