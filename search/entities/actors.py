"""Actors: people and organisations from NER spans, cleaned, filtered and merged.

Span cleaning lives in :mod:`search.entities.spans`, cross-span consistency (a name NER
labelled differently elsewhere, sports clubs) in :mod:`search.entities.consistency`.
Here: merge aliases within the article ("Putin", "Mr. Putin", "V. Putin" -> "Vladimir
Putin"; "OPEC" -> "Organization of the Petroleum Exporting Countries") and, across a
corpus, :func:`search.entities.corpus.corpus_aliases` from actor counts alone.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from search.entities import countries, institutions
from search.entities.canonical import (
    LEGAL_FORMS,
    joined_acronym,
    joined_initials,
    junk_reason,
    key_initials,
    spelling_key,
    title_acronym,
)
from search.entities.capitals import names_in_capitals
from search.entities.consistency import (
    Ranges,
    initialled_people,
    news_agencies,
    propagate_orgs,
    relabel_people,
    unlabelled_people,
    vote_kinds,
)
from search.entities.lines import Line, LineIndex, field_label
from search.entities.names import (
    NOT_PERSON_WORDS,
    ORG_SUFFIXES,
    first_names,
    given_sound,
    has_org_suffix,
    looks_like_person,
)
from search.entities.person_cues import (
    competitors,
    has_org_cue,
    has_person_cue,
    join_person_parts,
    sentence_opener,
    two_people,
)
from search.entities.spans import (
    POSSESSIVE,
    Candidate,
    clean_span,
    demonym_stem,
    is_junk,
    is_title,
    lower_case_words,
    opens_sentence,
    surname,
)
from search.entities.sports import CLUB_PLACES, find_clubs, home_and_rest, is_sports, scorers
from search.entities.usage import (
    common_acronyms,
    dateline_line_places,
    used_as_place,
    used_as_thing,
    used_as_word,
)
from search.entities.words import is_common_word
from search.models import Actor, ActorKind, Mention

_INITIAL = re.compile(r"^[A-Z]\.?$")
# Labels NER gives to people's names it does not know ("Les Ferdinand" GPE).
_MISLABELLED = frozenset({"GPE", "LOC", "FAC", "NORP", "PRODUCT", "WORK_OF_ART", "EVENT"})


def person_aliases(names: Iterable[str]) -> dict[str, str]:
    """Map each short person name to the one full name it abbreviates in this article.

    "Putin" (surname), "V. Putin" / "V Putin" (initials) -> "Vladimir Putin", and a given
    name used alone once the article named the person in full ("Saddam" -> "Saddam
    Hussein", "Jansher" -> "Jansher Khan"), and the end of a longer name ("Hashemi
    Rafsanjani" -> "Ali Akbar Hashemi Rafsanjani"), only when exactly one full name fits;
    variants of one full name go to the most frequent.
    """
    counts = Counter(names)
    full = [n for n in counts if len(n.split()) >= 2 and not _INITIAL.match(n.split()[0])]
    by_surname: dict[str, list[str]] = defaultdict(list)
    by_given: dict[str, list[str]] = defaultdict(list)
    for n in full:
        by_surname[surname(n)].append(n)
        by_given[n.split()[0]].append(n)
    # Same first and last word ("Vladimir V. Putin", "Vladimir Putin"; "Mark Dutroux" and
    # "Marc Dutroux", a given name spelled two ways): keep the commonest, then the longest,
    # then the first.
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for n in full:
        groups[(given_sound(n.split()[0]), surname(n))].append(n)
    aliases: dict[str, str] = {}
    for members in groups.values():
        best = max(members, key=lambda n: (counts[n], len(n)))
        aliases.update({m: best for m in members if m != best})
    for n in full:  # "Hashemi Rafsanjani": the end of "Ali Akbar Hashemi Rafsanjani"
        longer = {aliases.get(m, m) for m in full if m.endswith(" " + n)}
        if n not in aliases and len(longer) == 1:
            aliases[n] = longer.pop()
    for n in counts:
        parts = n.split()
        if len(parts) == 1:
            fits = by_surname.get(parts[0], []) + by_given.get(parts[0], [])
            candidates = {aliases.get(f, f) for f in fits}
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
    """Map an acronym ("OPEC", "IBM", "Nato") to the one organisation name with those
    initials, spellings of one name ("Chrysler Corp", "Chrysler") to the longest, and a
    name's home or the rest of it to the one name of the article made of both ("Orioles"
    and "Baltimore" -> "Baltimore Orioles", "Times" -> "New York Times"), and a firm's first
    word to the firm ("Standard" -> "Standard Oil Co")."""
    names = set(names)
    long_names = [n for n in names if len(n.split()) >= 2]
    aliases: dict[str, str] = {}
    parts: dict[str, set[str]] = defaultdict(set)
    for full in long_names:
        for part in home_and_rest(full):
            parts[part].add(full)
    for n in names:
        if len(parts.get(n, ())) == 1:
            aliases[n] = next(iter(parts[n]))
    # "Standard" beside "Standard Oil Co": a firm's first word alone, when the one name of
    # the article holding that word opens with it and is a firm's with its legal form
    # ("Lufthansa" beside "Lufthansa Cargo AG" and "Deutsche Lufthansa AG" stays).
    for n in names - aliases.keys():
        holding = [f for f in long_names if n in f.split()] if " " not in n else []
        if len(holding) == 1 and holding[0].startswith(n + " ") and has_org_suffix(holding[0]):
            aliases[n] = holding[0]
    for n in names:
        acronym = n.replace(".", "")
        joined = joined_acronym(n)
        if joined:  # "S and P": "Standard and Poor's Corp", not "Security Pacific Corp"
            fits = {f for f in long_names if f != n and joined_initials(f) == joined}
        elif 2 <= len(acronym) <= 8 and acronym.isupper() and acronym.isalpha():
            fits = {f for f in long_names if key_initials(f) == acronym}
        elif title_acronym(n):  # "Nato" beside "North Atlantic Treaty Organisation"
            fits = {f for f in long_names if key_initials(f) == n.upper()}
        else:
            continue
        if len({spelling_key(f) for f in fits}) == 1:
            aliases[n] = max(fits, key=len)
    by_key: dict[str, list[str]] = defaultdict(list)
    for n in names:
        by_key[spelling_key(n)].append(n)
    for variants in by_key.values():
        if len(variants) > 1:
            # The longest; of one length the one with more capitals ("NATO", not "Nato").
            best = max(variants, key=lambda v: (len(v), sum(c.isupper() for c in v), v))
            aliases.update({v: aliases.get(best, best) for v in variants if v != best})
    return aliases


def extract_actors(
    text: str,
    spans: Sequence[tuple[str, int, int, str]],
    lines: LineIndex | None = None,
    source: str | None = None,
) -> tuple[tuple[Actor, ...], frozenset[tuple[int, int]]]:
    """Actors of one article from its NER spans ``(label, start, end, text)``.

    ``source`` is the article's publisher: the wire itself is no actor of its stories.
    Generic institutions ("Finance Ministry") come back as written; :func:`qualify_institutions`
    gives them their country once the article's countries are known. Also returns the
    offsets of non-PERSON spans that turned out to be people (a "Jordan" who is Michael
    Jordan), so country resolution can skip them.
    """
    lines = lines or LineIndex(text)
    cands: list[Candidate] = []
    renamed: set[tuple[int, int]] = set()
    org_texts = [t for label, _, _, t in spans if label == "ORG"]
    cued: set[str] = set()  # names the words around one of their mentions make a person
    firm_cued: set[str] = set()  # ... or an organisation
    publisher = spelling_key(source) if source else None
    junk_acronyms = common_acronyms(text)  # "the cash reserve ratio ( CRR )"
    spans = join_person_parts(text, _join_split_firms(text, spans))
    covered = Ranges((s, e) for _, s, e, _ in spans)
    # Surnames of people the article names in full: who may own an organisation ("Lebed 's").
    owners = {surname(t) for label, _, _, t in spans if label == "PERSON" and " " in t.strip()}
    teams = countries.place_teams(text)  # "the Cleveland Indians": a club, not a people
    for label, start, end, _ in spans:
        if label == "ORG":
            start = _joined_name_start(text, start, covered)
            if two_people(text[start:end]):
                label = "PERSON"  # split at its "and" below, as people's names are
        if label == "PERSON" and has_org_suffix(text[start:end].strip(" .,")):
            label = "ORG"  # "Standard and Poor's Corp": one firm, not two people
        if label not in ("PERSON", "ORG"):
            if label in _MISLABELLED and not lines.line_of(start).all_caps:
                pieces = clean_span(text, start, end, "PERSON")
                for a, b in pieces:
                    if _is_place(text[a:b]):
                        continue  # "Hong Kong" (GPE): "Hong" is also a given name
                    if label == "NORP" and is_common_word(text[a:b].split()[-1].lower()):
                        continue  # "Roman Catholic": a faith's adjective, "Roman" or not
                    if looks_like_person(text[a:b]):  # "Ines Gorrochategui" (LOC)
                        cands.append(Candidate(a, b, text[a:b], "person"))
                        renamed.add((start, end))
            continue
        for piece in _name_pieces(text, start, end, label):
            if label == "PERSON":
                piece = (sentence_opener(text, *piece), piece[1])  # "Unseeded Patrick Rafter"
            elif label == "ORG":
                piece, owner = _owner_cut(text, piece, owners)
                if owner:  # "Lebed 's Security Council": Lebed's, not a part of its name
                    cands.append(Candidate(*owner, text[owner[0] : owner[1]], "person"))
            if is_junk(text, *piece, label, lines):
                continue
            name = text[piece[0] : piece[1]]
            named = institutions.named_institution(name) if label == "ORG" else None
            if named:  # "the Fed", "the Kremlin": an institution that acts
                cands.append(Candidate(*piece, named[0], "org"))
                continue
            if label == "ORG" and institutions.is_generic(name.split(" ", 1)[-1]):
                # Qualified by its country later; "Congress" is also a metonym of the US.
                cands.append(Candidate(*piece, name, "org"))
                continue
            if _is_place(name) and countries.normalize(name) not in teams:
                # "England", "Manchester" (PERSON), "Wall Street" (ORG): places, not actors.
                continue
            if label == "PERSON" and len(name.split()) == 1 and is_title(name):
                continue
            if publisher and spelling_key(name) == publisher:
                continue  # "Reuters" in a Reuters story: the wire, not an actor
            if wire_credit(text, *piece):
                continue  # "(AP) —" on another site: the wire that wrote it, not an actor
            if junk_reason(name) or (label == "ORG" and _common_word(text, name)):
                if " " in name:  # "PSBR" after "Public Sector Borrowing Requirement"
                    junk_acronyms.add(key_initials(name))
                continue
            folded = [w.lower().strip(".,") for w in name.split()]
            if all(w in _LEFTOVER_WORDS for w in folded) or folded in (["na"], ["kg"], ["cie"]):
                continue  # "Co Inc", "Sons Inc" left over from "... and Sons Inc"; "NA" alone
            kind: ActorKind = "person" if label == "PERSON" else "org"
            if kind == "person" and has_org_suffix(name):
                kind = "org"  # "Pirelli SpA", "Salomon Bros"
            elif kind == "org" and looks_like_person(name):
                # "Guy Forget" (ORG) is a person, unless the article also names a firm
                # that starts with it ("Morgan Stanley and Co Inc").
                if not any(_extends(o, name) for o in org_texts):
                    kind = "person"
            elif kind == "org" and _could_be_a_person(name) and has_person_cue(text, *piece):
                # "spokesman Glyn Davies", "Wang , 45 ,": a person in every mention.
                cued.add(name)
            elif kind == "org":
                # "American Dennis Mitchell" (ORG): a person once the demonym is cut. In a
                # sports story also with a given name the list lacks ("Spaniard Conchita
                # Martinez"): sportspeople are named by their country there. A city is
                # not cut so: "Chicago White Sox" is a club.
                alt = clean_span(text, *piece, "PERSON")
                rest = text[alt[0][0] : alt[0][1]] if len(alt) == 1 else ""
                is_person = bool(rest) and looks_like_person(rest)
                if rest and not is_person and len(rest.split()) >= 2 and is_sports(text):
                    is_person = _could_be_a_person(rest) and _demonym(text[piece[0] : alt[0][0]])
                if is_person:
                    piece, name, kind = alt[0], rest, "person"
            if not looks_like_person(name) and has_org_cue(text, *piece):
                firm_cued.add(name)  # "Deportivo chairman", "the daily Zycie Warszawy"
            cands.append(Candidate(*piece, name, kind))
    cands = _kinds_from_context(cands, cued, firm_cued)
    cands += unlabelled_people(text, spans, cands, lines)
    for a, b in competitors(text, spans, [(c.start, c.end) for c in cands]):
        if not lines.line_of(a).all_caps:  # "Arantxa Sanchez Vicario ( Spain ) beat"
            cands.append(Candidate(a, b, text[a:b], "person"))
    taken = Ranges((c.start, c.end) for c in cands)
    for a, b in scorers(text):  # "Schalke 1 ( Thon 2nd )", "c Stewart b Mullally"
        if not taken.overlaps(a, b):
            cands.append(Candidate(a, b, text[a:b], "person"))
            renamed |= {
                (s, e) for label, s, e, _ in spans if label in _MISLABELLED and s < b and a < e
            }
    initialled, took = initialled_people(text, spans, cands, lines, _is_place)
    cands, claimed = relabel_people(text, spans, cands + initialled, lines)
    claimed = claimed | renamed | took
    clubs = find_clubs(text, spans, lines)
    if clubs:
        known_people = {c.name for c in cands if c.kind == "person" and len(c.name.split()) > 1}
        known_people |= {surname(n) for n in known_people}
        clubs = [c for c in clubs if text[c[0] : c[1]] not in known_people]
        club_ranges = Ranges((s, e) for s, e, _ in clubs)
        cands = [c for c in cands if not club_ranges.overlaps(c.start, c.end)]
        for s, e, _ in clubs:
            cands += [Candidate(a, b, text[a:b], "org") for a, b in clean_span(text, s, e, "ORG")]
        claimed = claimed | {span for _, _, span in clubs}
    cands += news_agencies(text, spans, cands, lines, _is_place)
    cands = propagate_orgs(text, spans, vote_kinds(cands), lines, _is_place)
    # Names that reached here another way (repeats, relabelled spans) pass the same tests.
    club_spans = {(c[0], c[1]) for c in clubs}  # "Newcastle have won": a club, not a place
    # A person may bear a place's name when the article names them in full ("Jordan" after
    # "Michael Jordan"); otherwise a place is no person ("LONDON" on a dateline line).
    surnames = {surname(c.name) for c in cands if c.kind == "person" and " " in c.name}
    cands = [c for c in name_tickers(text, cands) if c.name not in junk_acronyms]
    cands = [c for c in cands if not _no_actor(text, c, lines, club_spans, surnames, teams)]
    # Names the article itself uses as places ("the town of Tavildara") or things ("the
    # Dow Jones industrial average"), clubs and firms with a legal form aside; a person
    # keeps such a name when named in full elsewhere ("Jordan" after "Michael Jordan").
    named_in_full = surnames | {
        c.name.split()[0] for c in cands if c.kind == "person" and " " in c.name
    }
    open_names = [
        c.name
        for c in cands
        if (c.start, c.end) not in club_spans
        and not has_org_suffix(c.name)
        and c.name not in named_in_full
    ]
    used = (
        used_as_place(text, open_names, _is_place, lambda: bool(clubs) or is_sports(text))
        | used_as_thing(text, open_names, lower_case_words(text))
        | used_as_word(text, open_names, _common_word_of(cands))
    )
    datelines = Ranges((s, e) for s, e, _ in dateline_line_places(text))
    cands = [
        c
        for c in cands
        if (c.start, c.end) in club_spans
        or (c.name not in used and not datelines.overlaps(c.start, c.end))
    ]
    people = person_aliases(c.name for c in cands if c.kind == "person")
    orgs = org_aliases(c.name for c in cands if c.kind == "org")
    merged: dict[tuple[str, ActorKind], list[Mention]] = {}
    for c in sorted(cands, key=lambda c: c.start):
        name = (people if c.kind == "person" else orgs).get(c.name, c.name)
        if c.kind == "org":
            name = _place_case(name)
        merged.setdefault((name, c.kind), []).append(Mention(c.start, c.end, text[c.start : c.end]))
    keys = list(merged)
    known = [(name, kind, [m.surface for m in merged[name, kind]]) for name, kind in keys]
    held = [(m.start, m.end) for ms in merged.values() for m in ms]
    for s, e, i in names_in_capitals(text, known, lines, held):  # "SHEARER NAMED AS ..."
        merged[keys[i]].append(Mention(s, e, text[s:e]))
        claimed = claimed | {(s, e)}
    actors = tuple(
        Actor(name, kind, tuple(sorted(ms, key=lambda m: m.start)))
        for (name, kind), ms in merged.items()
    )
    return actors, claimed


def _place_case(name: str) -> str:
    """A club named after a place and printed in capitals, as US standings print them
    ("KANSAS CITY"), written as the place is ("Kansas City"): the archive's prose and
    result lines name it so, and one club keeps one name."""
    if not name.isupper() or len(name) < 4:
        return name
    place = countries.place_of(name)
    if place is None or place.kind not in CLUB_PLACES:
        return name
    return " ".join(w.capitalize() for w in name.split())


def _kinds_from_context(
    cands: list[Candidate], people: set[str], firms: set[str]
) -> list[Candidate]:
    """Each name's kind in every mention, from what the words around one mention said
    (``people``, ``firms``: see :mod:`search.entities.person_cues`). A one-word name that
    opens a firm the article names with its legal form is that firm too ("Magna" after
    "Magna International Inc"). A person the article names in full keeps the surname
    ("Jones" beside "Paula Jones", "Icahn" beside "Carl Icahn")."""
    cands = [replace(c, kind="person") if c.name in people else c for c in cands]
    firms = firms | {
        c.name.split()[0]
        for c in cands
        if c.kind == "org" and " " in c.name and has_org_suffix(c.name)
    }
    firms -= {surname(c.name) for c in cands if c.kind == "person" and " " in c.name}
    return [replace(c, kind="org") if c.name in firms else c for c in cands]


# "Lebed 's Security Council", "Iliescu's Party of Social Democracy": an owner's name and
# possessive before the organisation's own name.
_OWNER = re.compile(r"([A-Z][\w-]+) ?['\u2019]s (?=[A-Z])")


def _owner_cut(
    text: str, piece: tuple[int, int], people: set[str]
) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """An ORG piece without the person who owns it, and where that person's name is.

    Only the surname of a person the article names in full, and not before a legal form:
    "Moody's Investors Service", "Josten's Corp" and "Paul's Place Inc" are firms' names.
    """
    m = _OWNER.match(text, *piece)
    if m is None or m.group(1) not in people or has_org_suffix(text[piece[0] : piece[1]]):
        return piece, None
    return (m.end(), piece[1]), (m.start(1), m.end(1))


def _extends(org_text: str, name: str) -> bool:
    """True when an ORG span goes on from ``name`` with more of a name ("Morgan Stanley and
    Co Inc" after "Morgan Stanley"); a possessive or a bracket after it does not."""
    rest = org_text[len(name) + 1 :] if org_text.startswith(name + " ") else ""
    return rest[:1].isupper() or rest[:1] == "&" or rest.startswith("and ")


def _could_be_a_person(name: str) -> bool:
    """One to four capitalised words, none of them a company's or a place's word."""
    words = name.split()
    return (
        1 <= len(words) <= 4
        and all(w[:1].isupper() for w in words)
        and not has_org_suffix(name)
        and not any(w.lower().strip(".,") in NOT_PERSON_WORDS for w in words)
    )


# A company name with a bracketed part inside: "Industrial Equity (Pacific) Ltd".
_BRACKETED_FIRM = re.compile(r"[A-Z][^()\n]*\([A-Z][\w. ]*\)(?: [A-Z][\w.&]*)+")


def _name_pieces(text: str, start: int, end: int, label: str) -> list[tuple[int, int]]:
    """The names in a span; a firm's bracketed middle ("(Pacific)") does not split it."""
    if label == "ORG" and _BRACKETED_FIRM.fullmatch(text, start, end):
        words = text[start:end].split()
        if has_org_suffix(" ".join(words[-2:])):
            return [(start, end)]
    return clean_span(text, start, end, label)


def _join_split_firms(
    text: str, spans: Sequence[tuple[str, int, int, str]]
) -> list[tuple[str, int, int, str]]:
    """One ORG span for a firm NER cut at its "and": "American Telephone" + "Telegraph Co".

    The second part may be a span or a capitalised run NER left untagged ("American
    Telephone" and Telegraph Co). :func:`_joined_pair` decides: an organisation of two or
    more words, then one word and legal forms ("Sumitomo Trust and Banking Co Ltd"), "and
    Co" or "and Sons", a partner list ("Donaldson, Lufkin and Jenrette Securities Corp"), or
    two one-word names the article never writes apart ("Cable and Wireless Plc", "Wagner
    and Brown"). "General Motors and Ford Motor Co", "Ford Motor Co and Chrysler Corp" and
    "Shultz and Weinberger" stay apart.
    """
    out: list[tuple[str, int, int, str]] = []
    for n, span in enumerate(spans):
        if out and out[-1][0] in ("ORG", "PERSON") and span[0] in ("ORG", "PERSON", "PRODUCT"):
            joined = _joined_pair(text, out[-1], span[1], span[2], label=span[0])
            if joined:
                out[-1] = joined
                continue
        out.append(span)
        if span[0] in ("ORG", "PERSON"):
            # The second part NER left out: a capitalised run after " and " that no span holds.
            m = _AND_NAME.match(text, span[2])
            following = spans[n + 1][1] if n + 1 < len(spans) else len(text)
            if m and m.end() <= following:
                joined = _joined_pair(text, span, m.start(1), m.end(), run=True)
                if joined:
                    out[-1] = joined
    return out


# " and Telegraph Co", " & Row": what may follow a name NER cut at its "and".
_AND_NAME = re.compile(r" (?:and|&) ([A-Z][\w'\u2019-]*(?: [A-Z][\w.]*)*)")


def _joined_pair(
    text: str,
    first: tuple[str, int, int, str],
    start: int,
    end: int,
    *,
    run: bool = False,
    label: str = "",
) -> tuple[str, int, int, str] | None:
    """``first`` and the name at ``start:end`` (NER's ``label``) as one ORG span, if they
    are one firm (see :func:`_join_split_firms`; each case is commented below).

    ``run``: the name is a capitalised run NER did not tag, read up to its last legal form
    ("Telegraph Co Chairman" is "Telegraph Co"), or one word.
    """
    head_end = first[2]
    if text[first[1] : first[2]].endswith((" and", " &")) and text[first[2] : start] == " ":
        head_end = text.rindex(" ", first[1], first[2])  # NER kept the "and": "Alex. Brown and"
    if text[head_end:start] not in (" and ", " & "):
        return None
    first = (first[0], first[1], head_end, text[first[1] : head_end])
    head = text[first[1] : first[2]].split()
    words = [(m.start(), m.end(), m.group()) for m in re.finditer(r"\S+", text[start:end])]
    if words:  # "Telegraph Corp's"
        ws, we, w = words[-1]
        bare = POSSESSIVE.sub("", w)
        words[-1] = (ws, we - (len(w) - len(bare)), bare)
    forms = [w.lower().strip(".,") in LEGAL_FORMS for _, _, w in words]
    name = text[first[1] : first[2]]
    listed = "," in name and not re.search(r" (?:and|&) ", name) and not has_org_suffix(name)
    if listed and forms[-1] and first[0] == "ORG":
        # Partners listed: "Donaldson, Lufkin and Jenrette Securities Corp"
        return ("ORG", first[1], start + words[-1][1], text[first[1] : start + words[-1][1]])
    if run and len(words) > 1:
        if not any(forms):
            return None  # a longer name NER did not see: "and World Bank"
        last = max(i for i, f in enumerate(forms) if f)
        words, forms = words[: last + 1], forms[: last + 1]
    if not words or not all(forms[1:]) or POSSESSIVE.search(head[-1]):
        return None  # "Moody's and Standard and Poor's": two agencies
    end = start + words[-1][1]
    joined = ("ORG", first[1], end, text[first[1] : end])
    partners = words[0][2].lower().strip(".,") in _PARTNERS
    if partners and first[0] == "ORG" and not looks_like_person(name):
        # "Alex. Brown and Sons Inc": one firm. A person's name stays a person ("Eli
        # Lilly" and Co), whom the article's "Lilly" names too.
        return joined
    legal_head = head[-1].lower().strip(".,") in LEGAL_FORMS  # "Ford Motor Co and ..."
    if len(head) >= 2 and len(words) >= 2 and first[0] == "ORG" and not legal_head:
        # "Merrill Lynch and Co Inc"; "American Telephone and Telegraph Co". After a head
        # that ends like a firm, only a word of a firm's trade: "Sumitomo Trust and Banking
        # Co Ltd", not "Beta Group and CooperVision Inc".
        trade = words[0][2].lower() in _TRADE_WORDS
        if all(forms) or not has_org_suffix(name) or trade:
            return joined
    if len(head) == 1 and not forms[0] and _apart_never(text, head[0], words[0][2]):
        # Named apart nowhere, and with a legal form, or more than once, or one part
        # taken for a firm and the other for a person: a firm named after its founders.
        mixed = {first[0], label} == {"ORG", "PERSON"}
        if len(words) >= 2 or mixed or len(_pairs(text, head[0], words[0][2])) >= 2:
            return joined
    return None


# What follows "and" in a firm's name, never in two names: "and Co", "and Sons".
_PARTNERS = frozenset({"co", "company", "cos", "sons", "son", "brothers", "bros"})
# A piece made of these words alone is what is left of a name cut before them.
_LEFTOVER_WORDS = ORG_SUFFIXES | _PARTNERS


# Words of a firm's trade joined to another by "and" in its name ("Trust and Banking",
# "Trading and Transport", "Light and Power"): a lexicon of English, not of one archive.
_TRADE_WORDS = frozenset(
    """banking bank trust savings loan loans insurance investment investments securities
    finance financial credit trading transport transportation shipping services service
    telegraph telephone electric electronics light power gas oil chemical chemicals mining
    smelting refining rubber steel manufacturing development engineering shipbuilding
    construction casualty life marine industries supply products cable""".split()
)


def _pairs(text: str, a: str, b: str) -> list[str]:
    return re.findall(rf"\b{re.escape(a)} (?:and|&) {re.escape(b)}\b", text)


def _apart_never(text: str, a: str, b: str) -> bool:
    """Whether one-word names ``a`` and ``b`` only ever appear as "a and b" in ``text``."""
    if not all(_NAME_WORD.fullmatch(w) for w in (a, b)):
        return False  # an acronym ("IMF and World Bank"), a rating ("AA-minus")
    if any(_is_place(w) or institutions.is_generic(w) or w.lower() in ORG_SUFFIXES for w in (a, b)):
        return False  # "Bonn and Paris", "Senate and House", "Associates and ..."
    pair = len(_pairs(text, a, b))
    alone = {w: len(re.findall(rf"\b{re.escape(w)}\b", text)) for w in (a, b)}
    if a == b:  # "Johnson and Johnson"
        return alone[a] == 2 * pair
    return pair >= 1 and alone[a] == pair and alone[b] == pair


_NAME_WORD = re.compile(r"[A-Z][a-z]+(?:-[A-Z][a-z]+)?")


def _no_actor(
    text: str,
    cand: Candidate,
    lines: LineIndex,
    clubs: set[tuple[int, int]],
    surnames: set[str],
    teams: frozenset[str],
) -> bool:
    """A candidate that is a place, a junk name or a field label, whatever found it
    (``teams``: plural demonyms the article uses as a club's name, "Indians")."""
    if (cand.start, cand.end) in clubs:
        return False
    if institutions.named_institution(cand.name) or (
        cand.kind == "org" and institutions.is_generic(cand.name.split(" ", 1)[-1])
    ):
        return False  # an institution: named, or qualified by its country later
    if (
        _is_place(cand.name)
        and (cand.kind == "org" or cand.name not in surnames)
        and countries.normalize(cand.name) not in teams
    ):
        return True
    if junk_reason(cand.name) or _country_and_common_word(text, cand.name, lines):
        return True
    return field_label(text, lines, cand.start, cand.end)


def _country_and_common_word(text: str, name: str, lines: LineIndex) -> bool:
    """ "U.S. Firms", "U.S. Market", "Japanese Banks": a country and a common word name a
    kind of body, not one. Common: the article writes the pair in lower case ("the U.S.
    market"), or the word is a plural it writes in lower case ("firms") that no company
    name ends with ("Airlines"), or the word follows an abbreviation's stop and is never
    capitalised where no sentence starts ("U.S. Attack": after "U.S." a capital says
    nothing, and old wires capitalised every word there). "U.S. Navy" (one of a country's
    bodies), "U.S. Steel" (a word firms are named with) and "British Sugar" (a firm:
    "sugar" alone is no evidence) stay."""
    code, rest = institutions.split_country(name)
    word = rest.lower()
    if code is None or " " in rest or word in institutions.BODIES:
        return False
    qualifier = name[: len(name) - len(rest)].strip()
    if re.search(rf"(?<![\w.]){re.escape(qualifier)} {re.escape(word)}\b", text):
        return True
    if qualifier.endswith(".") and word not in ORG_SUFFIXES and is_common_word(word):
        written = list(re.finditer(rf"(?<![\w-]){re.escape(rest)}(?![\w-])", text))
        # Read in running text only: a results line names a team by its sponsor's words
        # ("Sven Teutenberg ( Germany ) U.S. Postal", a heading's layout).
        in_prose = any(_running_text(lines.line_of(m.start())) for m in written)
        return (
            in_prose
            and all(opens_sentence(text, m.start()) for m in written)
            and not _has_ticker(text, name)  # "U.S. Tobacco (UBO)": a listed firm
        )
    plural = word.endswith("s") and not word.endswith(("ss", "us", "is"))
    return plural and word not in ORG_SUFFIXES and word in lower_case_words(text)


# A code printed in brackets right after a company's name: its ticker ("Merrill Lynch and
# Co <MER>", "Acme Inc (NYSE: ACM)", Reuters' "(MER)") or its acronym ("... (IBM)").
def _running_text(line: Line) -> bool:
    """Whether a line is running text: no heading, table or line in capitals."""
    return not (line.heading or line.table or line.all_caps)


_TICKER = re.compile(
    r"<([A-Z][A-Z0-9.]{0,7})>|\((?:[A-Z][A-Za-z]{1,9} ?: ?)?([A-Z][A-Z0-9.]{0,7})\)"
)
_BEFORE_TICKER = re.compile(r"(?:['’]s)? ?$")


def _has_ticker(text: str, name: str) -> bool:
    """Whether the article prints a ticker right after ``name`` somewhere ("U.S. Tobacco
    (UBO)")."""
    for m in re.finditer(rf"(?<![\w.]){re.escape(name)} ?", text):
        if _TICKER.match(text, m.end()):
            return True
    return False


def name_tickers(text: str, cands: list[Candidate]) -> list[Candidate]:
    """A code in brackets after a company's name becomes that company everywhere in the
    article ("MER" -> "Merrill Lynch and Co Inc"); a code in angle brackets after no
    company is dropped: a ticker, not a name."""
    tickers: dict[str, str | None] = {}
    ends = {c.end: c for c in cands if c.kind == "org"}
    for m in _TICKER.finditer(text):
        code = m.group(1) or m.group(2)
        gap = _BEFORE_TICKER.search(text, max(0, m.start() - 3), m.start())
        firm = ends.get(gap.start()) if gap else None
        if firm is not None and firm.name != code and not _is_place(code):
            tickers[code] = firm.name
        elif m.group(1):
            tickers.setdefault(code, None)
    if not tickers:
        return cands
    named = []
    for c in cands:
        if c.name not in tickers:
            named.append(c)
        elif (firm_name := tickers[c.name]) is not None:
            named.append(Candidate(c.start, c.end, firm_name, "org"))
    return named


def _demonym(words: str) -> bool:
    """True for one demonym, a people's adjective or noun ("American", "Spaniard",
    "Frenchman"), not a place's name ("Chicago")."""
    word = demonym_stem(words.strip())
    place = countries.place_of(word) if " " not in word else None
    return place is not None and place.kind == "demonym"


def _is_place(name: str) -> bool:
    """A place or a people of the place table, also as a noun in "-man" ("Frenchman"; not
    "Oshman", whose "Osh" is a town)."""
    if countries.place_of(name) is not None:
        return True
    place = countries.place_of(demonym_stem(name)) if " " not in name else None
    return place is not None and place.kind == "demonym"


# "Standard and Poor's Corp", "Procter & Gamble Co": NER often leaves the first name out.
_JOINED = re.compile(r"(?<![\w.])([A-Z][\w'\u2019-]*) (?:and|&) $")


def _joined_name_start(text: str, start: int, covered: Ranges) -> int:
    """Where an ORG span really starts when NER cut "X and" off its front.

    Only a capitalised word that no other span claims ("Britain and Texaco Inc" keeps
    Britain apart: NER tagged it GPE) and that is no place.
    """
    m = _JOINED.search(text, max(0, start - 40), start)
    if not m or covered.overlaps(m.start(1), m.end(1)) or _is_place(m.group(1)):
        return start
    return m.start(1)


# One-word institutions that name one national body, even without a country in the
# sentence: "the Treasury" in a Washington story is the U.S. Treasury. Other one-word heads
# ("House", "Bank", "Commission", "U.S. banks") name a kind of body, not one.
_NATIONAL_ALONE = frozenset(
    {"treasury", "parliament", "cabinet", "senate", "diet", "congress", "government"}
)


def qualify_institutions(
    actors: Sequence[Actor], text: str, home: str | None, published: institutions.Day = None
) -> tuple[Actor, ...]:
    """Generic institutions renamed with their country, or dropped when none is known.

    The country is the one the name holds ("U.S. Treasury"), else the one named just
    before it ("Japan's Finance Ministry"), else the one an earlier mention of the same
    institution had, else the story's ``home`` country (its dateline, else the one it
    names most).
    """
    kept: dict[tuple[str, ActorKind], list[Mention]] = {}
    generic: list[tuple[Mention, str | None, str]] = []
    parties: dict[str, str] = {}  # a party's generic word -> the party ("Congress")
    for actor in actors:
        code, rest = institutions.split_country(actor.name, published)
        if actor.kind != "org" or not institutions.is_generic(rest):
            kept.setdefault((actor.name, actor.kind), []).extend(actor.mentions)
            continue
        if _a_party(text, actor):
            kept.setdefault((actor.name, actor.kind), []).extend(actor.mentions)
            parties[rest.lower()] = actor.name
            continue
        generic.extend((m, code, rest) for m in actor.mentions)
    earlier: dict[str, str] = {}
    for mention, code, rest in sorted(generic, key=lambda g: g[0].start):
        key = rest.lower()
        if code is None and key in parties:  # "the Nepali Congress party ... Congress"
            kept[parties[key], "org"].append(mention)
            continue
        if " " not in key and key not in _NATIONAL_ALONE:
            continue  # "U.S. banks", "the Bank", "the House": a kind of body, not one body
        code = (
            code
            or institutions.country_before(text, mention.start, published)
            or earlier.get(key)
            or home
        )
        if code:
            earlier[key] = code
            name = institutions.qualified_name(code, rest)
            kept.setdefault((name, "org"), []).append(mention)
    return tuple(
        Actor(name, kind, tuple(sorted(ms, key=lambda m: m.start)))
        for (name, kind), ms in kept.items()
    )


_PARTY_AFTER = re.compile(r" (?:party|Party)\b")


def _a_party(text: str, actor: Actor) -> bool:
    """A name the article writes before "party" names a party, not the country's body it
    sounds like: "the Nepali Congress party" is no congress of Nepal."""
    return any(_PARTY_AFTER.match(text, m.end) for m in actor.mentions)


def _common_word_of(cands: Sequence[Candidate]) -> Callable[[str], bool]:
    """Whether a lower-case word is a common English word in this article: not the first
    word of a name it writes in full ("Salomon" of "Salomon Brothers Inc"), not a given
    name, not an institution ("Senate", qualified by its country later)."""
    name_starts = {c.name.split()[0].lower() for c in cands if " " in c.name}

    def common(word: str) -> bool:
        return (
            word not in name_starts
            and word.capitalize() not in first_names()
            and not institutions.is_generic(word)
            and institutions.named_institution(word) is None
            and is_common_word(word)
        )

    return common


def _common_word(text: str, name: str) -> bool:
    """A one-word name the article also writes in lower case ("Quotas" ... "quotas")."""
    if " " in name or not name[1:].islower():
        return False
    return name.lower() in lower_case_words(text)


# A wire's credit in the dateline of a story it wrote: "BUFFALO, N.Y. (AP) — Hours
# before...", "(Reuters) - The New York State...". Within the paragraph's first words.
_CREDIT_END = re.compile(r"\s*\)\s*[-\u2013\u2014]")
_CREDIT_WITHIN = 80


def wire_credit(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is the credit of the wire that wrote the story, in
    brackets before the dateline's dash at the head of a paragraph."""
    opening = text.rfind("(", max(0, start - 2), start)
    if opening < 0 or text[opening + 1 : start].strip() or not _CREDIT_END.match(text, end):
        return False
    return opening - (text.rfind("\n", 0, opening) + 1) <= _CREDIT_WITHIN
