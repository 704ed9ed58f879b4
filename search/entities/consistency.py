"""Consistency across one article: a name keeps one kind wherever it appears.

NER labels each occurrence on its own, so "Tarango" can be a person in one sentence and an
organisation in the next, and a name it found once may be missed later. Once a full name
is known to be a person, its repeats (and its surname) are people too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from search.entities.lines import LineIndex
from search.entities.spans import Candidate, clean_span, surname


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
