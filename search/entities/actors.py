"""Actors: people and organisations from NER spans, cleaned, filtered and merged.

Span cleaning lives in :mod:`search.entities.spans`, cross-span consistency (a name NER
labelled differently elsewhere, sports clubs) in :mod:`search.entities.consistency`.
Here: merge aliases within the article ("Putin", "Mr. Putin", "V. Putin" -> "Vladimir
Putin"; "OPEC" -> "Organization of the Petroleum Exporting Countries") and, across a
corpus, :func:`corpus_aliases` from actor counts alone.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from search.entities import countries
from search.entities.consistency import (
    Ranges,
    propagate_orgs,
    relabel_people,
    unlabelled_people,
    vote_kinds,
)
from search.entities.lines import LineIndex
from search.entities.names import ORG_SUFFIXES, has_org_suffix, looks_like_person
from search.entities.spans import (
    CONNECTORS,
    Candidate,
    clean_span,
    is_junk,
    is_title,
    surname,
)
from search.entities.sports import find_clubs
from search.models import Actor, ActorKind, Mention

_INITIAL = re.compile(r"^[A-Z]\.?$")
# Labels NER gives to people's names it does not know ("Les Ferdinand" GPE).
_MISLABELLED = frozenset({"GPE", "LOC", "FAC", "NORP", "PRODUCT", "WORK_OF_ART", "EVENT"})


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.replace("-", " ").split() if w.lower() not in CONNECTORS)


def person_aliases(names: Iterable[str]) -> dict[str, str]:
    """Map each short person name to the one full name it abbreviates in this article.

    "Putin" (surname), "V. Putin" / "V Putin" (initials) -> "Vladimir Putin", only when
    exactly one full name fits; variants of one full name go to the most frequent.
    """
    counts = Counter(names)
    full = [n for n in counts if len(n.split()) >= 2 and not _INITIAL.match(n.split()[0])]
    by_surname: dict[str, list[str]] = defaultdict(list)
    for n in full:
        by_surname[surname(n)].append(n)
    # Same first and last word ("Vladimir V. Putin", "Vladimir Putin"): keep the commonest.
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for n in full:
        groups[(n.split()[0], surname(n))].append(n)
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
                aliases.get(f, f) for f in by_surname.get(surname(n), ()) if f[0] == parts[0][0]
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
    renamed: set[tuple[int, int]] = set()
    org_texts = [t for label, _, _, t in spans if label == "ORG"]
    for label, start, end, _ in spans:
        if label not in ("PERSON", "ORG"):
            if label in _MISLABELLED and not lines.line_of(start).all_caps:
                pieces = clean_span(text, start, end, "PERSON")
                for a, b in pieces:
                    if looks_like_person(text[a:b]):  # "Ines Gorrochategui" (LOC)
                        cands.append(Candidate(a, b, text[a:b], "person"))
                        renamed.add((start, end))
            continue
        for piece in clean_span(text, start, end, label):
            if is_junk(text, *piece, label, lines):
                continue
            name = text[piece[0] : piece[1]]
            if countries.places().get(countries.normalize(name)):
                # "the Kremlin", "White House" (ORG) or "England", "Manchester" (PERSON):
                # places, not actors.
                continue
            if label == "PERSON" and len(name.split()) == 1 and is_title(name):
                continue
            if all(w.lower().strip(".,") in ORG_SUFFIXES for w in name.split()):
                continue  # "Co Inc" left over from "Morgan Stanley and Co Inc"
            kind: ActorKind = "person" if label == "PERSON" else "org"
            if kind == "person" and has_org_suffix(name):
                kind = "org"  # "Pirelli SpA", "Salomon Bros"
            elif kind == "org" and looks_like_person(name):
                # "Guy Forget" (ORG) is a person, unless the article also names a firm
                # that starts with it ("Morgan Stanley and Co Inc").
                if not any(o.startswith(name + " ") for o in org_texts):
                    kind = "person"
            elif kind == "org":
                # "American Dennis Mitchell" (ORG): a person once the demonym is cut.
                alt = clean_span(text, *piece, "PERSON")
                if len(alt) == 1 and looks_like_person(text[alt[0][0] : alt[0][1]]):
                    piece, name, kind = alt[0], text[alt[0][0] : alt[0][1]], "person"
            cands.append(Candidate(*piece, name, kind))
    cands += unlabelled_people(text, spans, cands, lines)
    cands, claimed = relabel_people(text, spans, cands, lines)
    claimed = claimed | renamed
    clubs = [c for c in find_clubs(text, spans) if not lines.line_of(c[0]).all_caps]
    if clubs:
        known_people = {c.name for c in cands if c.kind == "person" and len(c.name.split()) > 1}
        known_people |= {surname(n) for n in known_people}
        clubs = [c for c in clubs if text[c[0] : c[1]] not in known_people]
        club_ranges = Ranges((s, e) for s, e, _ in clubs)
        cands = [c for c in cands if not club_ranges.overlaps(c.start, c.end)]
        for s, e, _ in clubs:
            cands += [Candidate(a, b, text[a:b], "org") for a, b in clean_span(text, s, e, "ORG")]
        claimed = claimed | {span for _, _, span in clubs}
    cands = propagate_orgs(text, spans, vote_kinds(cands), lines)
    people = person_aliases(c.name for c in cands if c.kind == "person")
    orgs = org_aliases(c.name for c in cands if c.kind == "org")
    merged: dict[tuple[str, ActorKind], list[Mention]] = {}
    for c in sorted(cands, key=lambda c: c.start):
        name = (people if c.kind == "person" else orgs).get(c.name, c.name)
        merged.setdefault((name, c.kind), []).append(Mention(c.start, c.end, text[c.start : c.end]))
    actors = tuple(Actor(name, kind, tuple(ms)) for (name, kind), ms in merged.items())
    return actors, claimed


def corpus_aliases(actor_counts: Mapping[str, int]) -> dict[str, str]:
    """Corpus-wide alias table: short name -> the full name it stands for, when unambiguous.

    A one-word name maps to the multi-word name whose surname (people) or initials
    (acronyms) it is, if that name holds at least 90% of the counts of all names that fit.
    """
    full = [n for n in actor_counts if len(n.split()) >= 2]
    by_last: dict[str, list[str]] = defaultdict(list)
    by_initials: dict[str, list[str]] = defaultdict(list)
    for n in full:
        by_last[surname(n)].append(n)
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
        best = fits[0]
        # One mention elsewhere is no evidence ("RCA" is not "Reichhold Chemie AG"), and a
        # surname maps only to a name shaped like a person's ("Hills" is not "Beverly Hills").
        evidence = actor_counts[best] >= 2 and (
            best in by_initials.get(acronym, ())
            or looks_like_person(best)
            or (not has_org_suffix(best) and all(w[:1].isupper() for w in best.split()))
        )
        if evidence and actor_counts[best] >= 0.9 * total:
            table[n] = best
    return table
