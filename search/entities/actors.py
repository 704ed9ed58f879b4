"""Actors: people and organisations from NER spans, cleaned, filtered and merged.

Steps, each a pure function: clean a span (titles, honorifics, "the", possessives), drop
junk (headings, all-caps lines, score tables, spans that are really places such as "the
Kremlin"), then merge aliases within the article ("Putin", "Mr. Putin", "V. Putin" ->
"Vladimir Putin"; "OPEC" -> "Organization of the Petroleum Exporting Countries") and pick
up unlabelled repeats of a name already known in the article. :func:`corpus_aliases` does
the same across a whole corpus from actor counts alone.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from search.entities import countries
from search.entities.lines import LineIndex
from search.models import Actor, ActorKind, Mention

# Words that open a name without being part of it ("Russian President Vladimir Putin",
# "Kremlin spokesperson Dmitry Peskov", "Mr. Putin"); compared lower case, dots removed.
TITLES = frozenset(
    """
    president vice prime minister ministers foreign defence defense finance interior trade
    economy economics energy oil agriculture health justice home secretary general gen lt col
    maj capt sgt cpl adm admiral commander chancellor premier king queen prince princess pope
    ayatollah emir crown mr mrs ms miss mx dr sir dame lord lady sen senator rep
    representative congressman congresswoman gov governor mayor judge justice chief
    executive ceo cfo coo chairman chairwoman chair director spokesman spokeswoman
    spokesperson ambassador envoy leader coach manager captain striker midfielder defender
    goalkeeper champion rev reverend father bishop archbishop cardinal rabbi imam prof
    professor deputy assistant acting former ex late incumbent opposition presidential
    analyst economist officer official head founder attorney lawyer police detective
    inspector superintendent counsel negotiator speaker mp mep sheikh
    """.split()
)
# Name words that are suffixes, not surnames, when picking a person's surname.
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
# Lower-case words allowed inside an organisation name.
CONNECTORS = frozenset({"of", "the", "and", "for", "de", "du", "des", "la", "le", "&", "on", "in"})
# Title-cased function words mark a heading that NER took for a name ("Russia Keeps Its
# Distance", "Iran Appeals for Support").
_FUNCTION_WORDS = frozenset(
    "its his her their our my your a an is are was were be keeps for to with on at by from "
    "not no as but or than into over under after before".split()
)
_WORD = re.compile(r"[^\s]+")
_INITIAL = re.compile(r"^[A-Z]\.?$")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A cleaned PERSON or ORG span: where it is and the name it gives."""

    start: int
    end: int
    name: str
    kind: ActorKind


def _words(text: str, offset: int) -> list[tuple[int, int, str]]:
    return [(offset + m.start(), offset + m.end(), m.group()) for m in _WORD.finditer(text)]


def _is_title(word: str) -> bool:
    return word.lower().replace(".", "").rstrip(",") in TITLES


def _is_placeish(word: str) -> bool:
    w = re.sub(r"['\u2019]s$", "", word)
    return bool(w) and countries.places().get(countries.normalize(w)) is not None


# Where one NER span holds several names: line breaks, dashes, brackets, semicolons
# ("Sri Lanka - Arjuna Ranatunga", "Scott Draper ( Australia )").
_SEPARATOR = re.compile(r"\n|\s[-\u2013\u2014]+\s|--|[()\[\];\"\u201c\u201d]")
_NUMERIC = re.compile(r"^[-+]?\d[\d.,:/-]*$")
# Lower-case words that belong inside a person's name.
PARTICLES = frozenset(
    "de del della der den di da das dos du la le van von ter bin ibn al el y st".split()
)
_CALENDAR = frozenset(
    """january february march april may june july august september october november
    december monday tuesday wednesday thursday friday saturday sunday""".split()
)


def _pieces(text: str, start: int, end: int, label: str) -> list[tuple[int, int]]:
    """Split a span at separators (and, for people, at lower-case non-particle words)."""
    out: list[tuple[int, int]] = []
    pos = start
    for m in _SEPARATOR.finditer(text, start, end):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, end))
    if label != "PERSON":
        return out
    split: list[tuple[int, int]] = []
    for s, e in out:
        pos = s
        for ws, we, w in _words(text[s:e], s):
            if w.islower() and w not in PARTICLES and not _is_title(w):
                split.append((pos, ws))
                pos = we
        split.append((pos, e))
    return split


def clean_span(text: str, start: int, end: int, label: str) -> list[tuple[int, int]]:
    """Offsets of the names inside a PERSON/ORG span (usually one; none when it is junk).

    Splits at separators, then drops a leading "the", leading titles with the places or
    lower-case words before them, month and day names, numbers, and a trailing possessive.
    """
    found = []
    for s, e in _pieces(text, start, end, label):
        cleaned = _clean_piece(text, s, e, label)
        if cleaned:
            found.append(cleaned)
    return found


def _clean_piece(text: str, start: int, end: int, label: str) -> tuple[int, int] | None:
    words = _words(text[start:end], start)
    # Trailing possessives, punctuation and numbers ("H. Morris 69", "Putin's").
    while words:
        s, e, w = words[-1]
        trimmed = re.sub(r"(?:['\u2019]s?|[,;:])$", "", w)
        if _NUMERIC.match(trimmed):
            trimmed = ""
        if trimmed != w:
            words[-1] = (s, s + len(trimmed), trimmed)
        if words[-1][2]:
            break
        words.pop()
    while words and (
        words[0][2].lower() in ("the", "a", "an")
        or _NUMERIC.match(words[0][2])
        or words[0][2].lower() in _CALENDAR
    ):
        words = words[1:]
    if label == "PERSON":
        # The leading run of titles, places and lower-case words; cut after its last title.
        run = 0
        while run < len(words) - 1 and (
            _is_title(words[run][2]) or _is_placeish(words[run][2]) or words[run][2].islower()
        ):
            run += 1
        cut = 0
        for i in range(run):
            if _is_title(words[i][2]) or words[i][2].islower():
                cut = i + 1
        words = words[cut:]
    if not words or not words[0][2][:1].isupper():
        return None
    return words[0][0], words[-1][1]


def is_junk(text: str, start: int, end: int, label: str, lines: LineIndex) -> bool:
    """A span that is not an actor: heading text, an all-caps line, a score table row."""
    surface = text[start:end]
    words = surface.split()
    line = lines.line_of(start)
    if line.all_caps:
        return True
    if not any(c.islower() for c in surface) and len(surface.replace(".", "")) > 6:
        return True  # an all-caps span longer than an acronym is a shouted headline
    if line.heading and len(words) >= 2:
        if any(w.lower() in _FUNCTION_WORDS for w in words[1:]):
            return True
        if len(words) >= 0.6 * line.words:
            return True
    if label == "ORG":
        lower = [w for w in words if w[:1].islower() and w.lower() not in CONNECTORS]
        if lower:
            return True
    if label == "PERSON" and (len(words) > 5 or any(c.isdigit() for c in surface)):
        return True
    return False


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.replace("-", " ").split() if w.lower() not in CONNECTORS)


def _surname(name: str) -> str:
    parts = [p for p in name.split() if p.lower().rstrip(".") not in SUFFIXES]
    return parts[-1] if parts else name


def person_aliases(names: Iterable[str]) -> dict[str, str]:
    """Map each short person name to the one full name it abbreviates in this article.

    "Putin" (surname), "V. Putin" / "V Putin" (initials) -> "Vladimir Putin", only when
    exactly one full name fits; variants of one full name go to the most frequent.
    """
    counts = Counter(names)
    full = [n for n in counts if len(n.split()) >= 2 and not _INITIAL.match(n.split()[0])]
    by_surname: dict[str, list[str]] = defaultdict(list)
    for n in full:
        by_surname[_surname(n)].append(n)
    # Same first and last word ("Vladimir V. Putin", "Vladimir Putin"): keep the commonest.
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for n in full:
        groups[(n.split()[0], _surname(n))].append(n)
    aliases: dict[str, str] = {}
    for members in groups.values():
        best = max(members, key=lambda n: (counts[n], len(n)))
        aliases.update({m: best for m in members if m != best})
    for n in counts:
        parts = n.split()
        if len(parts) == 1:
            candidates = {aliases.get(f, f) for f in by_surname.get(parts[0], ())}
        elif _INITIAL.match(parts[0]):
            candidates = {
                aliases.get(f, f) for f in by_surname.get(_surname(n), ()) if f[0] == parts[0][0]
            }
        else:
            continue
        if len(candidates) == 1:
            aliases[n] = candidates.pop()
    return aliases


def org_aliases(names: Iterable[str]) -> dict[str, str]:
    """Map an acronym ("OPEC") to the one organisation name with those initials."""
    names = set(names)
    long_names = [n for n in names if len(n.split()) >= 2]
    aliases: dict[str, str] = {}
    for n in names:
        acronym = n.replace(".", "")
        if 2 <= len(acronym) <= 8 and acronym.isupper() and acronym.isalpha():
            fits = [f for f in long_names if _initials(f).upper() == acronym]
            if len(fits) == 1:
                aliases[n] = fits[0]
    return aliases


def extract_actors(
    text: str, spans: Sequence[tuple[str, int, int, str]], lines: LineIndex | None = None
) -> tuple[tuple[Actor, ...], frozenset[tuple[int, int]]]:
    """Actors of one article from its NER spans ``(label, start, end, text)``.

    Also returns the offsets of non-PERSON spans that turned out to be people (a "Jordan"
    who is Michael Jordan), so country resolution can skip them.
    """
    lines = lines or LineIndex(text)
    cands: list[Candidate] = []
    for label, start, end, _ in spans:
        if label not in ("PERSON", "ORG"):
            continue
        for piece in clean_span(text, start, end, label):
            if is_junk(text, *piece, label, lines):
                continue
            name = text[piece[0] : piece[1]]
            if countries.places().get(countries.normalize(name)):
                # "the Kremlin", "White House" (ORG) or "England", "Manchester" (PERSON):
                # places, not actors.
                continue
            if label == "PERSON" and len(name.split()) == 1 and _is_title(name):
                continue
            cands.append(Candidate(*piece, name, "person" if label == "PERSON" else "org"))
    cands, claimed = _relabel_people(text, spans, cands, lines)
    people = person_aliases(c.name for c in cands if c.kind == "person")
    orgs = org_aliases(c.name for c in cands if c.kind == "org")
    merged: dict[tuple[str, ActorKind], list[Mention]] = {}
    for c in sorted(cands, key=lambda c: c.start):
        name = (people if c.kind == "person" else orgs).get(c.name, c.name)
        merged.setdefault((name, c.kind), []).append(Mention(c.start, c.end, text[c.start : c.end]))
    actors = tuple(Actor(name, kind, tuple(ms)) for (name, kind), ms in merged.items())
    return actors, claimed


def _relabel_people(
    text: str,
    spans: Sequence[tuple[str, int, int, str]],
    cands: list[Candidate],
    lines: LineIndex,
) -> tuple[list[Candidate], frozenset[tuple[int, int]]]:
    """Repeats of a known person's name that NER labelled otherwise or missed."""
    names = {c.name for c in cands if c.kind == "person"}
    known = {n for n in names if len(n.split()) >= 2}
    known |= {_surname(n) for n in known if len(_surname(n)) > 2}
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
            if not lines.line_of(s).all_caps and not _overlaps(taken, *cleaned):
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
        if _overlaps(occupied, m.start(), m.end()) or lines.line_of(m.start()).all_caps:
            continue
        out.append(Candidate(m.start(), m.end(), m.group(), "person"))
    return out, frozenset(claimed)


def _overlaps(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in ranges)


def corpus_aliases(actor_counts: Mapping[str, int]) -> dict[str, str]:
    """Corpus-wide alias table: short name -> the full name it stands for, when unambiguous.

    A one-word name maps to the multi-word name whose surname (people) or initials
    (acronyms) it is, if that name holds at least 90% of the counts of all names that fit.
    """
    full = [n for n in actor_counts if len(n.split()) >= 2]
    by_last: dict[str, list[str]] = defaultdict(list)
    by_initials: dict[str, list[str]] = defaultdict(list)
    for n in full:
        by_last[_surname(n)].append(n)
        by_initials[_initials(n).upper()].append(n)
    table: dict[str, str] = {}
    for n in actor_counts:
        if len(n.split()) != 1:
            continue
        fits = list(by_last.get(n, ()))
        acronym = n.replace(".", "")
        if acronym.isupper() and len(acronym) >= 2:
            fits += by_initials.get(acronym, [])
        if not fits:
            continue
        fits.sort(key=lambda f: -actor_counts[f])
        total = sum(actor_counts[f] for f in fits)
        if actor_counts[fits[0]] >= 0.9 * total:
            table[n] = fits[0]
    return table
