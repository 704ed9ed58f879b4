"""Canonical actor names across an archive, decided from the names, their counts and, for
a few, how many articles call them a person or an organisation.

Runs after every reindex over the actor facet (see ``search.indexing``), so it sees the
whole archive but no text. A name is merged into another only on evidence, because a
wrong merge is worse than a duplicate:

* spellings of one name (:func:`~search.entities.canonical.spelling_key`: case, punctuation,
  legal form, British/American spelling; a person's given name by its sound, "Marc" and
  "Mark") become the archive's most used spelling;
* an initial and a surname become the one person of that initial ("R. Croft" -> "Robert
  Croft");
* a one-word name becomes the full name it abbreviates when that name holds at least 90%
  (80% for a person) of the counts of every name it could abbreviate: a surname ("Reagan"
  -> "Ronald Reagan"), an acronym ("GM" -> "General Motors Corp"), a name cut at its possessive
  ("Moody" -> "Moody's Investors Service Inc"), a firm's first word before its trade
  ("Ford" -> "Ford Motor Co"); the other firms that hold the word count among those
  names ("Disney" is not "Roy E. Disney" beside "Walt Disney Co");
* a home city or state the archive calls an organisation is the one club of it named in
  full ("Seattle" of the standings -> "Seattle Mariners");
* "<person> Administration" is that person ("Reagan Administration" -> "Ronald Reagan");
* "<acronym> <word>" is the expansion's first word with it ("EC Commission" ->
  "European Commission") when the archive uses that name too.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping

from search.entities.canonical import (
    LEGAL_FORMS,
    joined_acronym,
    joined_initials,
    key_initials,
    spelling_key,
    title_acronym,
)
from search.entities.names import (
    WORD_GIVEN_NAMES,
    has_org_suffix,
    looks_like_person,
    person_key,
)
from search.entities.spans import surname

# Share of all the names a short name could stand for that the chosen one must hold. An
# acronym is read against fewer rivals (only names with those initials that are not
# people), so a lower share is as strong: "EC" is the European Community (84% on Reuters).
# A surname is read the same way against other people of that name: news spells out the
# lesser-known ones, so "Clinton" in 1996 is Bill Clinton beside Hillary (17 of 20 articles
# naming a Clinton in full on AIDA train), as "Bush" 200 to 1 is George Bush. Only for a
# name shaped like a person's ("Times" is no surname of "New York Times").
DOMINANCE = 0.9
ACRONYM_DOMINANCE = 0.8
PERSON_DOMINANCE = 0.8
# A short name used in at most this many articles may take the only full name that fits it
# even when that full name is in one article (a small archive, a person named once in full).
RARE = 3
# A short name used this many times as often as the full name it would stand for, when
# that full name is seen fewer than FEW times, is taken to name something the archive does
# not spell out: "CIA" (16 articles) is not the "Confectionery Industry Association" (2),
# nor "Wagner" (27, a firm "Wagner and Brown") the "Ulrich Wagner" of 2 articles. "Reagan"
# (493) is "Ronald Reagan": 24 articles spell him out. An order of magnitude, because
# names are spelled out once and then shortened: "OPEC" 9 times for 2 spelled out is usual.
OUTNUMBERED = 8
FEW = 5
# Articles calling a one-word name an organisation before it is no one's surname.
ORG_EVIDENCE = 2
# Words naming a firm's trade after its name: "Ford Motor Co" is what "Ford" stands for,
# "Texaco Canada" (a place after the name) is another company.
_TRADES = frozenset(
    """motor motors oil petroleum airlines airways chemical chemicals steel electric
    electronics computer computers industries holdings group""".split()
)
# Legal forms an acronym may end with the initial of ("British Broadcasting Corporation").
_COMPANY = frozenset({"corp", "corporation", "co", "company"})
_ACRONYM = re.compile(r"[A-Z](?:\.?(?: ?(?:&|and) ?)?[A-Z])+\.?")
# Words that make a person's name stand for their government ("Reagan Administration").
_GOVERNMENT = frozenset({"administration", "government", "cabinet"})


def corpus_aliases(
    actor_counts: Mapping[str, int],
    known: Mapping[str, str] | None = None,
    kinds: Callable[[str], Mapping[str, int]] | None = None,
) -> dict[str, str]:
    """Archive-wide alias table: each name that has a better canonical name -> that name.

    ``known``: the aliases derived before (earlier rounds, earlier reindexes). Their names
    are gone from the counts, but what they were still counts as evidence: "Dupont Co",
    merged into "Dupont", still says that "Dupont" is a firm.

    ``kinds``: how many of the archive's articles call a name a "person" or an "org",
    asked only of a one-word name that could be a surname, the names it could stand for,
    and a club's home. A name most of them call an organisation, in two articles at least,
    is no one's surname, only short for a club's name: "Santos" the club is not "Dos
    Santos", nor "Jordan" the racing team "Wayne Jordan"; "Orioles" is "Baltimore
    Orioles". One article is too little: a surname alone is an "org" now and then. A
    home the archive calls an organisation is its one club named in full ("Seattle" ->
    "Seattle Mariners"). Without ``kinds`` neither rule applies.
    """
    spelling, totals = _spelling_families(actor_counts)
    # A family with a legal form ("Continental Corp") is a firm in its own right: its bare
    # name is not short for another firm that starts with it ("Continental Airlines"), nor
    # a person's surname ("Dupont" is not "Xavier Dupont").
    firm_keys = {spelling_key(n) for n in known or () if _legal_form(n)}
    firm_keys.update(spelling_key(n) for n, c in actor_counts.items() if c >= 2 and _legal_form(n))
    firms = {rep for name, rep in spelling.items() if spelling_key(name) in firm_keys}
    initialled = _initialled_names(totals)
    for name, full in initialled.items():  # "R. Croft" is no rival of "Robert Croft"
        totals[full] += totals.pop(name)
    short = _short_names(totals, firms, kinds) | initialled
    if kinds is not None:
        short = _club_homes(totals, kinds) | short
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
    return table


def _spelling_families(counts: Mapping[str, int]) -> tuple[dict[str, str], dict[str, int]]:
    """Each name -> its family's most used spelling; each such spelling -> family total.

    Names are one family when their spelling keys agree ("Merrill Lynch", "Merrill Lynch
    and Co Inc") or their person keys do ("Marc Dutroux", "Mark Dutroux"): a person key
    folds a given name by its sound, so it alone would part a firm named after a person
    from the same name with its legal form.
    """
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for name in counts:
        parent[root("p" + person_key(name))] = root("s" + spelling_key(name))
    families: dict[str, list[str]] = defaultdict(list)
    for name in counts:
        families[root("s" + spelling_key(name))].append(name)
    spelling: dict[str, str] = {}
    totals: dict[str, int] = {}
    for members in families.values():
        best = max(members, key=lambda n: (counts[n], len(n), n))
        spelling.update(dict.fromkeys(members, best))
        totals[best] = sum(counts[n] for n in members)
    return spelling, totals


def _initialled_names(counts: Mapping[str, int]) -> dict[str, str]:
    """ "R. Croft" -> "Robert Croft": an initial and a surname stand for the person whose
    given name starts with that letter, when one such person dominates."""
    by_last: dict[str, list[str]] = defaultdict(list)
    for name in counts:
        words = name.split()
        if len(words) >= 2 and len(words[0]) > 2 and _person_shaped(name):
            by_last[surname(name)].append(name)
    table: dict[str, str] = {}
    for name in counts:
        m = _INITIALLED.fullmatch(name)
        if m is None:
            continue
        fits = {f for f in by_last.get(m.group(2), ()) if f[0] == m.group(1)}
        best = _dominant(name, fits, counts, fits, acronym=False)
        if best:
            table[name] = best
    return table


# An initial and a surname: "R. Croft", "R Croft".
_INITIALLED = re.compile(r"([A-Z])\.? ([A-Z][\w'-]+)")


def _short_names(
    counts: Mapping[str, int],
    firms: set[str],
    kinds: Callable[[str], Mapping[str, int]] | None = None,
) -> dict[str, str]:
    """One-word names -> the full name they stand for, when one dominates."""
    by_last: dict[str, list[str]] = defaultdict(list)
    by_initials: dict[str, list[str]] = defaultdict(list)
    # "BBC", "AMC": acronyms with the C of a legal form, read only when none fits without.
    with_company: dict[str, list[str]] = defaultdict(list)
    by_first: dict[str, list[str]] = defaultdict(list)
    # Firms holding a word: what a one-word name may stand for besides the names it fits.
    holding: dict[str, list[str]] = defaultdict(list)
    for name in counts:
        words = name.split()
        if len(words) < 2:
            continue
        if (_legal_form(name) or has_org_suffix(name)) and words[-1].lower() not in _GOVERNMENT:
            for word in set(words):
                holding[word].append(name)
        by_last[surname(name)].append(name)
        capitals = [w for w in words if w.replace(".", "").isupper()]
        if not any(w.lower().strip(".") not in LEGAL_FORMS for w in capitals) and not (
            looks_like_person(name)
        ):  # not "EC Commission", "James Baker"; "Imperial Chemical Industries PLC" is ICI
            initials = key_initials(name)
            by_initials[initials].append(name)
            if len(initials) >= 2 and words[-1].lower().strip(".") in _COMPANY:
                # "BBC", "AMC": the C written too
                with_company[initials + "C"].append(name)
        first = words[0]
        if first.endswith(("'s", "\u2019s")):
            by_first[first[:-2]].append(name)  # "Moody's Investors Service"
        elif all(w.lower().strip(".,") in _TRADES | LEGAL_FORMS for w in words[1:]):
            by_first[first].append(name)  # "Ford Motor Co"
    table: dict[str, str] = {}
    for name in counts:
        acronym = _acronym(name)
        if " " in name and not acronym:
            continue
        if acronym and len(acronym) == 2 and counts[name] < 2:
            continue  # "K.M." once is too little to say whose initials they are
        firm = name in firms
        people = [] if firm else [f for f in by_last.get(name, ()) if _person_shaped(f)]
        if people and kinds is not None and _mostly(kinds(name), "org", ORG_EVIDENCE):
            # An organisation is no one's surname: "Santos" the club is not "Dos Santos".
            # It may still be short for a club's name ("Orioles" for "Baltimore Orioles",
            # "Bochum" for "VfL Bochum"), when no other organisation's name ends with it:
            # "Rangers" beside "Berwick Rangers", "Stirling" beside "East Stirling".
            clubs = [f for f in people if _club_of(name, f)]
            others = [f for f in people if f not in clubs and not _mostly(kinds(f), "person", 1)]
            people = [] if others else clubs
        fits = set(people) | (set() if firm else set(by_first.get(name, ())))
        if acronym:
            fits |= set(by_initials.get(acronym, ()) or with_company.get(acronym, ()))
            joined = joined_acronym(name)
            if joined:  # "S and P" stands for a name joined there: "Standard and Poor's"
                fits = {f for f in fits if f != name and joined_initials(f) == joined}
        # "Disney" is "Walt Disney Co" as much as "Roy E. Disney"; "Delta" is "Delta Air
        # Lines Inc" as much as "Delta Motor Corp": the names it fits must dominate those too.
        rivals = set() if acronym else set(holding.get(name, ())) - fits
        best = _dominant(name, fits, counts, set(people), acronym is not None, rivals)
        if best is None and not fits and title_acronym(name):
            # "Opec", "Nato": an acronym written as a word, read as one when nothing else fits.
            spelled = set(by_initials.get(name.upper(), ()))
            best = _dominant(name, spelled, counts, set(), True)
        if best:
            table[name] = best
    return table


def _club_of(name: str, full: str) -> bool:
    """True when ``full`` is a club's name made of ``name`` and its home ("Baltimore
    Orioles" for "Orioles") or a club's initials ("VfL Bochum", "SC Espinho")."""
    from search.entities.sports import home_and_rest  # loads the place table: archive pass only

    first, _, rest = full.partition(" ")
    if rest == name and _CLUB_INITIALS.fullmatch(first):
        return True
    split = home_and_rest(full)
    return bool(split) and split[1] == name


# A club's initials before its home's name: "VfL", "MSV", "SC", "FC", "PSV" (not "East").
_CLUB_INITIALS = re.compile(r"(?=(?:[a-z]*[A-Z]){2})[A-Za-z]{2,4}")


def _club_homes(
    counts: Mapping[str, int], kinds: Callable[[str], Mapping[str, int]]
) -> dict[str, str]:
    """Home cities and states the archive calls organisations -> the one club of each it
    names in full ("Seattle" of the standings -> "Seattle Mariners" of the prose).

    Standings and result lines name a club by its home alone; prose by its full name. A
    home stands for a club only when the archive calls it an organisation in two articles
    at least, and names one club of it (a home and a nickname in the plural: "Mariners",
    "Red Sox") that holds 90% of the counts of all of them: "Chicago" beside the Cubs and
    the White Sox, or "New York" beside the Yankees and the New York Times, stays as it
    is. One article naming the club is enough when it is the only one.
    """
    from search.entities.sports import home_and_rest  # loads the place table: archive pass only

    by_home: dict[str, list[str]] = defaultdict(list)
    for name in counts:
        split = home_and_rest(name)
        if split and _NICKNAME.fullmatch(split[1]):
            by_home[split[0]].append(name)
    table: dict[str, str] = {}
    for home, named in by_home.items():
        if home not in counts or not _mostly(kinds(home), "org", ORG_EVIDENCE):
            continue
        clubs = [c for c in named if _mostly(kinds(c), "org", 1)]
        if not clubs:
            continue
        best = max(clubs, key=lambda c: (counts[c], c))
        alone = len(clubs) == 1
        if (counts[best] >= 2 or alone) and counts[best] >= DOMINANCE * sum(
            counts[c] for c in clubs
        ):
            table[home] = best
    return table


# A club's nickname: title-case words, the last a plural ("Mariners", "Blue Jays", "Red Sox").
_NICKNAME = re.compile(r"(?:[A-Z][a-z]+ )?[A-Z][a-z]+(?<!s)[sx]")


def _dominant(
    name: str,
    fits: set[str],
    counts: Mapping[str, int],
    people: set[str],
    acronym: bool,
    rivals: Collection[str] = (),
) -> str | None:
    """The one of ``fits`` that ``name`` stands for, or None when the evidence is weak.

    Names seen once neither win nor count as rivals ("Athough Reagan"), with one
    exception: a rare short name and the only full name of a person it fits ("Dole" and
    "Bob Dole", each in one article); "RCA" once is not "Reichhold Chemie AG". ``rivals``
    (firms holding the name as a word) count against the winner like other fits, unless
    they extend its name ("Ford Motor Credit Co" is no rival of "Ford Motor Co").
    """
    strong = {f for f in fits if counts[f] >= 2}
    if not strong:
        only = next(iter(fits)) if len(fits) == 1 else None
        rare = counts[name] <= RARE
        return only if only in people and rare and not acronym else None
    best = max(strong, key=lambda f: (counts[f], f))
    if counts[best] < FEW and counts[name] >= OUTNUMBERED * counts[best]:
        return None
    if acronym:
        share = DOMINANCE if best in people else ACRONYM_DOMINANCE
    else:
        first = best.split()[0]
        # A given name before the surname ("Bill Clinton"; not "Mark IV", a firm).
        named = (looks_like_person(best) or first in WORD_GIVEN_NAMES) and surname(best) != first
        share = PERSON_DOMINANCE if best in people and named else DOMINANCE
    against = strong | {r for r in rivals if counts[r] >= 2 and not _extends(r, best)}
    return best if counts[best] >= share * sum(counts[f] for f in against) else None


def _mostly(votes: Mapping[str, int], kind: str, at_least: int) -> bool:
    """True when ``kind`` has at least ``at_least`` votes and more than the other kind."""
    other = "person" if kind == "org" else "org"
    return votes.get(kind, 0) >= at_least and votes.get(kind, 0) > votes.get(other, 0)


def _extends(name: str, base: str) -> bool:
    """``name`` starts with ``base`` less its legal form: "Ford Motor Credit Co" extends
    "Ford Motor Co", "Texaco Canada Inc" extends "Texaco Inc"."""
    core = base.split()
    while len(core) > 1 and core[-1].lower().strip(".,") in LEGAL_FORMS:
        core.pop()
    return name.split()[: len(core)] == core


def _legal_form(name: str) -> bool:
    """A name ending in a legal form ("Dupont Co", "Continental Corp.")."""
    words = name.split()
    return len(words) > 1 and words[-1].lower().strip(".,") in LEGAL_FORMS


def _acronym(name: str) -> str | None:
    """The letters of an acronym ("EC", "E.C.", "S&P", "S and P"), or None."""
    m = _ACRONYM.fullmatch(name)
    return re.sub(r"[^A-Z]", "", name) if m else None


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
    if len(words) == 2 and _acronym(words[0]):
        expansion = canonical(words[0])
        if expansion != words[0] and " " in expansion:
            for candidate in (f"{expansion.split()[0]} {words[1]}", f"{expansion} {words[1]}"):
                if candidate in counts and counts[candidate] >= 2:
                    return canonical(candidate)
    return None
