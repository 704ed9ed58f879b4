"""Canonical actor names across an archive, decided from the names and their counts alone.

Runs after every reindex over the actor facet (see ``search.indexing``), so it sees the
whole archive but no text. A name is merged into another only on evidence, because a
wrong merge is worse than a duplicate:

* spellings of one name (:func:`~search.entities.canonical.fold_key`: case, punctuation,
  legal form, British/American spelling) become the archive's most used spelling;
* a one-word name becomes the full name it abbreviates when that name holds at least 90%
  of the counts of every name it could abbreviate: a surname ("Reagan" -> "Ronald
  Reagan"), an acronym ("GM" -> "General Motors Corp"), a name cut at its possessive
  ("Moody" -> "Moody's Investors Service Inc"), a firm's first word before its trade
  ("Ford" -> "Ford Motor Co");
* "<person> Administration" is that person ("Reagan Administration" -> "Ronald Reagan");
* "<acronym> <word>" is the expansion's first word with it ("EC Commission" ->
  "European Commission") when the archive uses that name too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping

from search.entities.canonical import LEGAL_FORMS, fold_key, key_initials
from search.entities.names import has_org_suffix, looks_like_person
from search.entities.spans import surname

# Share of all the names a short name could stand for that the chosen one must hold.
DOMINANCE = 0.9
# Words naming a firm's trade after its name: "Ford Motor Co" is what "Ford" stands for,
# "Texaco Canada" (a place after the name) is another company.
_TRADES = frozenset(
    """motor motors oil petroleum airlines airways chemical chemicals steel electric
    electronics computer computers industries holdings group""".split()
)
# Words that make a person's name stand for their government ("Reagan Administration").
_GOVERNMENT = frozenset({"administration", "government", "cabinet"})


def corpus_aliases(actor_counts: Mapping[str, int]) -> dict[str, str]:
    """Archive-wide alias table: each name that has a better canonical name -> that name."""
    spelling, totals = _spelling_families(actor_counts)
    short = _short_names(totals)
    table: dict[str, str] = {}
    for name in actor_counts:
        target = _follow(spelling[name], short)
        if target != name:
            table[name] = target
    members: dict[str, list[str]] = defaultdict(list)
    for name, rep in spelling.items():
        members[rep].append(name)
    for rep in totals:  # composite names, once every short name is settled
        composite = _composite(rep, totals, lambda n: _follow(spelling.get(n, n), short))
        if composite:
            table.update(dict.fromkeys(members[rep], composite))
    return {k: v for k, v in table.items() if k != v}


def _spelling_families(counts: Mapping[str, int]) -> tuple[dict[str, str], dict[str, int]]:
    """Each name -> its family's most used spelling; each such spelling -> family total."""
    families: dict[str, list[str]] = defaultdict(list)
    for name in counts:
        families[fold_key(name)].append(name)
    spelling: dict[str, str] = {}
    totals: dict[str, int] = {}
    for members in families.values():
        best = max(members, key=lambda n: (counts[n], len(n), n))
        spelling.update(dict.fromkeys(members, best))
        totals[best] = sum(counts[n] for n in members)
    return spelling, totals


def _short_names(counts: Mapping[str, int]) -> dict[str, str]:
    """One-word names -> the full name they stand for, when one dominates."""
    by_last: dict[str, list[str]] = defaultdict(list)
    by_initials: dict[str, list[str]] = defaultdict(list)
    by_first: dict[str, list[str]] = defaultdict(list)
    for name in counts:
        words = name.split()
        if len(words) < 2:
            continue
        by_last[surname(name)].append(name)
        if not any(w.replace(".", "").isupper() for w in words):  # not "EC Commission"
            by_initials[key_initials(name)].append(name)
        first = words[0]
        if first.endswith(("'s", "\u2019s")):
            by_first[first[:-2]].append(name)  # "Moody's Investors Service"
        elif all(w.lower().strip(".,") in _TRADES | LEGAL_FORMS for w in words[1:]):
            by_first[first].append(name)  # "Ford Motor Co"
    table: dict[str, str] = {}
    for name in counts:
        if " " in name:
            continue
        acronym = name.replace(".", "")
        is_acronym = acronym.isupper() and len(acronym) >= 2
        people = [f for f in by_last.get(name, ()) if _person_shaped(f)]
        fits = set(people) | set(by_first.get(name, ()))
        if is_acronym:
            fits |= set(by_initials.get(acronym, ()))
        if not fits:
            continue
        best = max(fits, key=lambda f: (counts[f], f))
        total = sum(counts[f] for f in fits)
        # One mention elsewhere is no evidence ("RCA" is not "Reichhold Chemie AG").
        if counts[best] >= 2 and counts[best] >= DOMINANCE * total:
            table[name] = best
    return table


def _person_shaped(name: str) -> bool:
    # A surname maps only to a name shaped like a person's ("Hills" is not "Beverly Hills").
    return looks_like_person(name) or (
        not has_org_suffix(name) and all(w[:1].isupper() for w in name.split())
    )


def _follow(name: str, table: Mapping[str, str]) -> str:
    seen = {name}
    while name in table and table[name] not in seen:
        name = table[name]
        seen.add(name)
    return name


def _composite(name: str, counts: Mapping[str, int], canonical: Callable[[str], str]) -> str | None:
    """ "Reagan Administration" -> "Ronald Reagan"; "EC Commission" -> "European Commission"."""
    words = name.split()
    if len(words) < 2:
        return None
    if words[-1].lower() in _GOVERNMENT:
        person = canonical(" ".join(words[:-1]))
        if person in counts and looks_like_person(person):
            return person
    if len(words) == 2 and words[0].replace(".", "").isupper():
        expansion = canonical(words[0])
        if expansion != words[0] and " " in expansion:
            for candidate in (f"{expansion.split()[0]} {words[1]}", f"{expansion} {words[1]}"):
                if candidate in counts and counts[candidate] >= 2:
                    return canonical(candidate)
    return None
