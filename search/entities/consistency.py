"""Consistency across one article: a name keeps one kind wherever it appears.

NER labels each occurrence on its own, so "Tarango" can be a person in one sentence and an
organisation in the next, and a name it found once may be missed later. Once a full name
is known to be a person, its repeats (and its surname) are people too.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from search.entities.canonical import key_initials
from search.entities.lines import LineIndex
from search.entities.names import UNLABELLED_NAME, first_names, looks_like_person
from search.entities.spans import (
    CALENDAR,
    OPENING_PREPOSITIONS,
    Candidate,
    clean_span,
    is_title,
    lower_case_words,
    opens_sentence,
    surname,
)
from search.models import ActorKind


def relabel_people(
    text: str,
    spans: Sequence[tuple[str, int, int, str]],
    cands: list[Candidate],
    lines: LineIndex,
) -> tuple[list[Candidate], frozenset[tuple[int, int]]]:
    """Repeats of a known person's name that NER labelled otherwise or missed, and the
    PERSON spans of one that were dropped as a title or a place ("King" after "Billie Jean
    King", "Washington" after "George Washington")."""
    names = {c.name for c in cands if c.kind == "person"}
    known = {n for n in names if len(n.split()) >= 2}
    known |= {surname(n) for n in known if len(surname(n)) > 2}
    if not known:
        return cands, frozenset()
    taken = Ranges((c.start, c.end) for c in cands if c.kind == "person")
    held = Ranges((c.start, c.end) for c in cands)
    claimed: set[tuple[int, int]] = set()
    relabelled: list[Candidate] = []
    for label, s, e, _ in spans:
        if label == "DATE" or (label == "PERSON" and held.overlaps(s, e)):
            continue
        pieces = clean_span(text, s, e, "PERSON" if label == "PERSON" else "ORG")
        cleaned = pieces[0] if len(pieces) == 1 else None
        if cleaned and text[cleaned[0] : cleaned[1]] in known:
            if not lines.line_of(s).all_caps and not taken.overlaps(*cleaned):
                relabelled.append(Candidate(*cleaned, text[cleaned[0] : cleaned[1]], "person"))
                claimed.add((s, e))
    moved = Ranges((c.start, c.end) for c in relabelled)
    out = [c for c in cands if not moved.overlaps(c.start, c.end)] + relabelled
    occupied = Ranges([(s, e) for _, s, e, _ in spans] + [(c.start, c.end) for c in out])
    for start, end in find_names(text, known):
        if occupied.overlaps(start, end) or lines.line_of(start).all_caps:
            continue
        out.append(Candidate(start, end, text[start:end], "person"))
    return out, frozenset(claimed)


def find_names(text: str, names: Iterable[str]) -> list[tuple[int, int]]:
    """Where the names occur as whole words, left to right, the longest at each place.

    The same matches as one regex alternation of the names, longest first, between
    ``(?<![\\w.])`` and ``(?!\\w)``; but compiling that regex for every article cost
    more than the search (about 1 ms an article), and ``str.find`` needs no compiling.
    """
    found = []
    for name in names:
        at = text.find(name)
        while at >= 0:
            end = at + len(name)
            before = text[at - 1] if at else ""
            after = text[end] if end < len(text) else ""
            if not _is_word_char(before) and before != "." and not _is_word_char(after):
                found.append((at, -end))
            at = text.find(name, at + 1)
    found.sort()
    taken: list[tuple[int, int]] = []
    for at, neg_end in found:
        if not taken or at >= taken[-1][1]:
            taken.append((at, -neg_end))
    return taken


def _is_word_char(char: str) -> bool:
    """What ``\\w`` matches in a str pattern: letters, digits and the underscore."""
    return char.isalnum() or char == "_"


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
    is_place: Callable[[str], bool],
) -> list[Candidate]:
    """Repeats of an organisation's name found elsewhere in the article that NER left
    unlabelled or took for a place that is none ("an El Al freighter", GPE).

    A one-word name is not taken at the start of a sentence, where any word is capitalised.
    """
    names = {c.name for c in cands if c.kind == "org" and len(c.name) >= 3}
    names |= bracket_acronyms(text, cands)
    if not names:
        return cands
    occupied = Ranges(
        [(s, e) for label, s, e, _ in spans if label not in _PLACE_LABELS]
        + [(c.start, c.end) for c in cands]
    )
    place_spans = [(s, e) for label, s, e, _ in spans if label in _PLACE_LABELS]
    placed = Ranges(place_spans)
    # A place span that is the name itself, less an article or a possessive ("El Al 's").
    whole = {_bare(text, s, e) for s, e in place_spans}
    out = list(cands)
    for start, end in find_names(text, names):
        if occupied.overlaps(start, end) or lines.line_of(start).all_caps:
            continue
        name = text[start:end]
        if placed.overlaps(start, end) and ((start, end) not in whole or is_place(name)):
            continue  # "Fowler" of "Wyche Fowler" (GPE); "Newcastle", a club and a town
        if " " not in name and opens_sentence(text, start):
            continue
        out.append(Candidate(start, end, name, "org"))
    return out


def _bare(text: str, start: int, end: int) -> tuple[int, int]:
    """A span less a leading article and a trailing possessive ("the El Al 's" -> "El Al")."""
    if text.startswith(("the ", "The "), start):
        start += 4
    for tail in (" 's", "'s", "\u2019s"):
        if text.endswith(tail, start, end):
            end -= len(tail)
            break
    return start, end


# "Kurdistan Democratic Party ( KDP )": the acronym an organisation is given in brackets.
_BRACKET_ACRONYM = re.compile(r" ?\( ?([A-Z]{3,8}) ?\)")


def bracket_acronyms(text: str, cands: Sequence[Candidate]) -> set[str]:
    """Acronyms defined in brackets right after an organisation's name with those initials:
    the article's later bare "KDP" is that party even where NER left it out."""
    found = set()
    for c in cands:
        if c.kind == "org" and " " in c.name:
            m = _BRACKET_ACRONYM.match(text, c.end)
            if m and key_initials(c.name) == m.group(1):
                found.add(m.group(1))
    return found


# "Interfax news agency said", "the Yugoslav news agency Tanjug": a news agency's name,
# which NER often leaves out.
_AGENCY = (
    re.compile(r"\b([A-Z][\w'.-]+(?: [A-Z][\w'.-]+){0,2}) news agency\b"),
    re.compile(r"\bnews agency(?: ,)? ([A-Z][\w'.-]+(?: [A-Z][\w'.-]+){0,2})"),
)


def news_agencies(
    text: str,
    spans: Sequence[tuple[str, int, int, str]],
    cands: list[Candidate],
    lines: LineIndex,
    is_place: Callable[[str], bool],
) -> list[Candidate]:
    """News agencies named next to the words "news agency" and labelled by NER as nothing
    (or not as a person or organisation): "Interfax news agency said", "news agency Tanjug".
    A place or demonym there is the agency's country ("the Russian news agency")."""
    if "news agency" not in text:
        return []
    taken = Ranges((c.start, c.end) for c in cands)
    found = []
    for m in (m for pattern in _AGENCY for m in pattern.finditer(text)):
        start, end, name = m.start(1), m.end(1), m.group(1)
        if taken.overlaps(start, end) or lines.line_of(start).all_caps:
            continue
        if is_place(name) or is_place(name.split()[0]) or name.split()[0] in ("The", "A"):
            continue
        found.append(Candidate(start, end, name, "org"))
    return found


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
        if m.group(1) not in first_names() or m.group(1) in OPENING_PREPOSITIONS:
            continue  # "In Chorzow : Ruch Chorzow ( Poland ) 5": "In" is also Korean
        if not looks_like_person(m.group()):
            continue
        if occupied.overlaps(m.start(), m.end()) or lines.line_of(m.start()).all_caps:
            continue
        found.append(Candidate(m.start(), m.end(), m.group(), "person"))
    return found


# "R. Croft", "D. Cork": an initial and a surname, as score cards and lists name people.
# Not one initial of several ("J. R. Ewing" is read whole by NER or not at all), nor a
# firm's partners ("S. and A. Truck Tire Sales"), nor a word that goes on with more names.
_INITIAL_NAME = re.compile(
    r"(?<![\w.])(?<![A-Z]\. )(?<!& )(?<!\band )([A-Z])\. ([A-Z][a-z]+(?:-[A-Z][a-z]+)?)"
    r"(?![\w-]| [A-Z][a-z])"
)
# Words that open a sentence after an abbreviation ("Long. 75 06 W. It is"): no surnames.
_OPENERS = frozenset(
    "it he she we they i you this that these those there the a an but and or if as".split()
)
# Compass initials before a place abbreviate the place: "S. Africa", "N. Korea", "W. Germany".
_COMPASS_INITIALS = frozenset("NSEW")
# What NER may have called such a name instead ("D. Cork" GPE).
_PLACE_LABELS = frozenset({"GPE", "LOC", "FAC", "NORP"})


def initialled_people(
    text: str,
    spans: Sequence[tuple[str, int, int, str]],
    cands: list[Candidate],
    lines: LineIndex,
    is_place: Callable[[str], bool],
) -> tuple[list[Candidate], set[tuple[int, int]]]:
    """People named by an initial and a surname that NER missed or took for a place
    ("To bat : R. Croft , D. Cork , A. Mullally"), and the place spans they take over."""
    if ". " not in text:
        return [], set()
    taken = Ranges(
        [(s, e) for label, s, e, _ in spans if label not in _PLACE_LABELS]
        + [(c.start, c.end) for c in cands]
    )
    places = [(s, e) for label, s, e, _ in spans if label in _PLACE_LABELS]
    lower = lower_case_words(text)
    found: list[Candidate] = []
    claimed: set[tuple[int, int]] = set()
    for m in _INITIAL_NAME.finditer(text):
        initial, word = m.group(1), m.group(2)
        if taken.overlaps(m.start(), m.end()) or lines.line_of(m.start()).all_caps:
            continue
        if word.lower() in lower or word.lower() in _OPENERS | CALENDAR or is_title(word):
            continue  # "Plan B. The", "Part I. Tuesday"
        inside = [p for p in places if p[0] < m.end() and m.start() < p[1]]
        if initial in _COMPASS_INITIALS and (inside or is_place(word)):
            continue  # "S. Africa", "S. Korean" (NORP)
        if any(p[0] < m.start() or p[1] > m.end() for p in inside):
            continue  # a longer place name holds it
        found.append(Candidate(m.start(), m.end(), m.group(), "person"))
        claimed.update(inside)
    return found, claimed
