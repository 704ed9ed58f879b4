"""Sports clubs named after places ("Newcastle beat Chelsea", "Somerset 83 and 174").

NER reads such clubs as places (or even people); in a sports story they are
organisations, and they say nothing about which country the story concerns. A span is a
club when the article is about sport, the span is not a country (national teams stay
countries), and its context is a sporting one: a score after it, or a verb or role next
to it ("beat Somerset", "Kent stepped up", "Newcastle team mate", "played for Nice"), or
a results table: a standings row ("Barnsley 3 3 0 0 8 2 9") or a result line ("Caen 1
Lyon 1"), where NER often labels nothing. Once the story has a club, its other mentions
are that club, NER's label or none, and so are the names listed with it ("Essex ,
Derbyshire and Surrey").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from search.entities import countries
from search.entities.canonical import GAMES
from search.entities.consistency import Ranges, find_names
from search.entities.lines import LineIndex, field_label
from search.entities.names import has_org_suffix, looks_like_person
from search.entities.spans import CALENDAR, lower_case_words

# Words that only sports stories use often; generic ones ("final", "points", "beat",
# "season", "captain") are left out so political or business news never counts as sport.
SPORTS_WORDS = GAMES | frozenset(
    """
    athletics innings wicket wickets goal goals league championship tournament seeded
    quarter-final semi-final striker midfielder goalkeeper defender skipper squad fixture
    fixtures unbeaten olympic olympics nba nfl nhl fifa uefa
    """.split()
)
CLUB_WORDS = frozenset(
    """
    united city rovers fc athletic real dynamo dinamo sporting wanderers albion county town
    villa hotspur forest rangers celtic olympique inter ac as sc spartak lokomotiv
    """.split()
)
_BEFORE = re.compile(
    r"\b(?:beat|beats|beating|drew with|draw with|drawn with|draw against|lost to|losing to|"
    r"against|v|vs|versus|defeated|played for|plays for|playing for|joined|joining|"
    r"hosts?|hosted|visit|visits|visiting|victory over|victory against|win over|"
    r"win against|winners over|defeat by|rivals|hopefuls|thrashed|edged|routed|crushed|"
    r"trounced|overcame|"
    r"move to|moved to|transferred to|loaned to|signed for|coach of|coach at)\s*\.?\s*$"
)
# A club's people and parts, after its name: "Ajax defender John Veldman".
_ROLES = (
    r"coach|captain|skipper|striker|midfielder|defender|goalkeeper|manager|owner|players?|"
    r"team|side|fans|supporters|club|chairman|team-mate|teammate"
)
CLUB_ROLE_AFTER = re.compile(rf" (?:{_ROLES})\b")
_AFTER = re.compile(
    r"^\s*(?:\d"
    r"|(?:, who )?(?:beat|beats|drew|won|lost|were|are|have|had|hosted|reached|closed|kept|"
    r"stepped|extended|scored|led|face|faced|meet|need|needed|trail|trailed|lead|thrashed|"
    rf"edged|routed|crushed|trounced|overcame|{_ROLES})\b"
    r"|'s\s+(?:home|away|first|second|victory|win|defeat|coach|manager|captain|players?|"
    r"fans|striker|goalkeeper|team|side)\b)"
)
# A date after a name is no score: "LONDON 1996-08-30" opens a story (its dateline line).
_DATE_AFTER = re.compile(
    r"\s*(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{4}(?!\d))"
)
_CLUB_LABELS = frozenset({"GPE", "LOC", "FAC", "NORP", "ORG", "PERSON"})


def is_sports(text: str) -> bool:
    """True for a sports story: at least three distinct sports words."""
    return len(_sports_words(text)) >= 3


@lru_cache(maxsize=4)  # asked by several rules of one article
def _sports_words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z][a-z-]+", text.lower())) & SPORTS_WORDS


def _could_be_club(surface: str, label: str, teams: frozenset[str]) -> bool:
    name = re.sub(r"^(?:the|The)\s+", "", surface).strip()
    if not name or not name[0].isupper() or "\n" in name:
        return False
    place = countries.place_of(name)
    if countries.normalize(name) in teams:
        place = None  # "the Cleveland Indians ... the Indians": the club's name
    elif place and place.kind in ("name", "code", "demonym", "region"):
        return False  # national teams ("England", "Scotland") are countries
    words = name.split()
    if label == "PERSON":
        # A one-word "person" in a sports story is often a club ("Kent stepped up");
        # surnames of people named in full are taken back out by the caller.
        return len(words) == 1 or place is not None or any(w.lower() in CLUB_WORDS for w in words)
    return len(words) <= 3


# Kinds of place a club is named after ("CHICAGO", "KANSAS CITY", "CALIFORNIA").
CLUB_PLACES = frozenset({"capital", "minor", "city", "town", "state"})
# A place after these is where something happened: "In Seattle , Pete Incaviglia 's".
_NEXT_WORD = re.compile(r" ([A-Z][\w'-]+)")
_LOCATIVE = re.compile(r"\b(?:[Ii]n|[Aa]t)\s+$")


def home_and_rest(name: str) -> tuple[str, ...]:
    """A name that starts with a city or a state, split there ("Kansas City Royals" ->
    "Kansas City", "Royals"); () for any other name."""
    words = name.split()
    for k in range(min(3, len(words) - 1), 0, -1):
        place = countries.place_of(" ".join(words[:k]))
        if place is not None and place.kind in CLUB_PLACES:
            rest = words[k:]
            if all(w[:1].isupper() for w in rest) and not has_org_suffix(" ".join(rest)):
                return " ".join(words[:k]), " ".join(rest)
            return ()
    return ()


def _homes(
    text: str, spans: Sequence[tuple[str, int, int, str]], teams: frozenset[str]
) -> set[str]:
    """Homes of one organisation each named after its home ("Cleveland" of "Cleveland
    Indians"; not "Chicago" beside two Chicago clubs). NER may leave the team's name out
    of such a span: "Cleveland" (GPE) "Indians" (``teams``: plural demonyms that name one)."""
    clubs: dict[str, set[str]] = {}
    for label, _, end, surface in spans:
        name = None
        if label == "ORG":
            name = re.sub(r"^(?:the|The)\s+", "", surface).strip()
        elif label in ("GPE", "LOC"):
            team = _NEXT_WORD.match(text, end)
            if team and team.group(1).lower() in teams:
                name = f"{surface} {team.group(1)}"
        split = home_and_rest(name) if name else ()
        if split:
            clubs.setdefault(split[0], set()).add(split[1])
    return {home for home, rests in clubs.items() if len(rests) == 1}


def find_clubs(
    text: str, spans: Sequence[tuple[str, int, int, str]], lines: LineIndex
) -> list[tuple[int, int, tuple[int, int]]]:
    """Clubs in a sports story (or in the results tables of a story that names a sport):
    ``(start, end, original span offsets)`` for each mention. A line in capitals is a
    headline, whose words NER labels at random, unless it is a table's row ("NEW YORK 74
    59 .556 -": US standings print the clubs in capitals)."""
    found: list[tuple[int, int, tuple[int, int]]] = []
    names: set[str] = set()
    teams = countries.place_teams(text) if is_sports(text) else frozenset()
    for label, start, end, surface in spans if is_sports(text) else ():
        if label not in _CLUB_LABELS or not _could_be_club(surface, label, teams):
            continue
        if lines.line_of(start).all_caps:
            continue
        lead = len(surface) - len(re.sub(r"^(?:the|The)\s+", "", surface))
        s = start + lead
        if field_label(text, lines, s, end):
            continue  # "Attendance 18,500 .", "Extras ( lb-11 w-1 ) 20": a table's labels
        before = text[max(0, s - 25) : s]
        after = text[end : end + 25]
        dated = _DATE_AFTER.match(after) is not None
        # A one-word "person" needs a sports-only cue: a score or a rival before it.
        strong = _BEFORE.search(before) or (re.match(r"\s*\d", after) and not dated)
        if strong or (label != "PERSON" and not dated and _AFTER.match(after)):
            found.append((s, end, (start, end)))
            names.add(text[s:end])
    for start, end in table_clubs(text):
        # A golfer's card looks like a standings row: NER's people stay people.
        spanned = [(label, s, e) for label, s, e, _ in spans if s < end and start < e]
        name = text[start:end]
        if looks_like_person(name) or any(lb == "PERSON" and " " in name for lb, _, _ in spanned):
            continue
        if field_label(text, lines, start, end):
            continue
        found.append((start, end, spanned[0][1:] if len(spanned) == 1 else (start, end)))
        names.add(name)
    # Where the story has clubs, NER may label none of a sentence's ("title hopefuls
    # Derbyshire and Surrey"): a name right after a sports-only cue is a club all the same.
    cued = _cued_names(text, spans, lines) if names else []
    for start, end in cued:
        found.append((start, end, (start, end)))
        names.add(text[start:end])
    # A club's home named alone is the club ("homered for Cleveland", "Cleveland 's lead"
    # after "the Cleveland Indians"), but not where something happened ("In Seattle ,").
    named = [*spans, *(("ORG", s, e, text[s:e]) for s, e in cued)]
    homes = _homes(text, named, teams) if is_sports(text) else set()
    for label, start, end, surface in spans if homes else ():
        if label not in ("GPE", "LOC") or surface not in homes or lines.line_of(start).all_caps:
            continue
        if _LOCATIVE.search(text, max(0, start - 4), start) or _DATE_AFTER.match(text, end):
            continue
        found.append((start, end, (start, end)))
    if not names:
        return found
    names |= _list_mates(text, names)
    # The same name elsewhere in the story is the same club, labelled by NER or not.
    taken = {f[2] for f in found}
    for label, start, end, surface in spans:
        if (
            (start, end) in taken
            or label not in _CLUB_LABELS
            or _headline(text, lines, start, names)
        ):
            continue
        name = re.sub(r"^(?:the|The)\s+", "", surface)
        if name in names and not field_label(text, lines, end - len(name), end):
            found.append((end - len(name), end, (start, end)))
    clubs = Ranges((s, e) for s, e, _ in found)
    labelled = Ranges((s, e) for _, s, e, _ in spans)
    for start, end in find_names(text, names):
        if (
            clubs.overlaps(start, end)
            or _headline(text, lines, start, names)
            or field_label(text, lines, start, end)
        ):
            continue
        # On a fixture line in capitals NER's spans run over both clubs ("BALTIMORE AT
        # SEATTLE"); elsewhere a span NER labelled was judged above.
        if lines.line_of(start).all_caps or not labelled.overlaps(start, end):
            found.append((start, end, (start, end)))
    return found


def _cued_names(
    text: str, spans: Sequence[tuple[str, int, int, str]], lines: LineIndex
) -> list[tuple[int, int]]:
    """Names NER left unlabelled right after a cue that only a club follows ("title hopefuls
    Derbyshire", "v Gloucestershire"): not a person's name or a word of one named in full,
    a country, a month or a word the story writes in lower case."""
    labelled = Ranges((s, e) for _, s, e, _ in spans)
    people = {
        w
        for label, _, _, surface in spans
        if label == "PERSON" and " " in surface
        for w in surface.split()
    }
    lower = lower_case_words(text)
    found = []
    for m in _CANDIDATE.finditer(text):
        start, end = m.span()
        name = m.group()
        before = _THE_BEFORE.sub(" ", text[max(0, start - 29) : start])
        if (
            labelled.overlaps(start, end)
            or not _BEFORE.search(before)
            or lines.line_of(start).all_caps
            or looks_like_person(name)
            or any(w in people for w in name.split())
            or not _club_name(name, lower)
            or field_label(text, lines, start, end)
        ):
            continue
        found.append((start, end))
    return found


# "victory over the Minnesota Twins": the cue, then the club's name.
_THE_BEFORE = re.compile(r"\s+the\s*$")
# A name NER may leave unlabelled: one or two capitalised words.
_CANDIDATE = re.compile(r"(?<![\w.'-])[A-Z][a-z][\w'-]*(?: [A-Z][a-z][\w'-]*)?")
# A list of names ("Essex , Derbyshire and Surrey", "Kent or Sussex"): capitalised words,
# commas between them and "and" or "or" before the last.
_NAME = r"[A-Z][\w'-]+(?: [A-Z][\w'-]+)?"
_LIST = re.compile(rf"(?<![\w.])({_NAME}(?: ?, {_NAME})* (?:and|or) {_NAME})(?![\w])")
# A fixture line of a US schedule in capitals: "CLEVELAND AT TEXAS".
_FIXTURE = re.compile(r"[ \t]*(.+?) (?:AT|VS\.?|V) (.+?)[ \t]*")


def _list_mates(text: str, names: set[str]) -> set[str]:
    """Names listed with a club of the story: clubs too ("title hopefuls Derbyshire and
    Surrey" once "Surrey" is a club), unless a country, a month or a lower-case word."""
    mates: set[str] = set()
    lower = lower_case_words(text)
    for m in _LIST.finditer(text):
        members = [_without_opener(n, lower) for n in re.split(r" ?, | and | or ", m.group(1))]
        if any(n in names for n in members):
            mates.update(n for n in members if _club_name(n, lower) and not looks_like_person(n))
    return mates


def _without_opener(name: str, lower: frozenset[str]) -> str:
    """``name`` without a first word the story writes in lower case ("Both Essex")."""
    first, _, rest = name.strip().partition(" ")
    return rest if rest and first.lower() in lower else name.strip()


def _headline(text: str, lines: LineIndex, start: int, clubs: set[str]) -> bool:
    """True on a line in capitals that is no fixture of two of the story's ``clubs``
    ("CLEVELAND AT TEXAS" is one): a headline, whose words name no club."""
    line = lines.line_of(start)
    if not line.all_caps:
        return False
    m = _FIXTURE.fullmatch(text, line.start, line.end)
    return m is None or m.group(1) not in clubs or m.group(2) not in clubs


# A club's name in a results table: a name of up to four words, capitalised or in
# capitals ("VfL Bochum", "1860 Munich", "SAN FRANCISCO").
_CLUB_NAME = r"((?:[A-Z]\w*|\d{4})(?:[ '-](?:[A-Z]\w*|[a-z]{1,3}))*?)"
# A standings row: the name, then five or more whole numbers to the end of the line
# ("Barnsley 3 3 0 0 8 2 9"); a poll's or a market's row has decimals or words in between.
_STANDINGS_ROW = re.compile(
    rf"^[ \t]*(?:\d{{1,2}}\.?[ \t]+)?{_CLUB_NAME}(?:[ \t]+\d{{1,4}}){{5,}}[ \t]*$", re.M
)
# A US standings row: wins, losses (ties), the winning share, games behind ("NEW YORK 74 59
# .556 -", "BOSTON 67 69 .493 8 1/2").
_SHARE_ROW = re.compile(
    rf"^[ \t]*{_CLUB_NAME}(?:[ \t]+\d{{1,3}}){{2,3}}[ \t]+\.\d{{3}}"
    r"(?:[ \t]+(?:-|\d+(?:\.\d)?(?: 1/2)?|1/2))?[ \t]*$",
    re.M,
)
# A result line: two names, each with its score ("Caen 1 Lyon 1", "Rangers 1 Dundee United 0",
# "SAN FRANCISCO 1 Philadelphia 0"), the first club's scorers in brackets or not ("Schalke 1
# ( Thon 2nd ) Bochum 1"), the second's or a full stop after.
_SCORERS = r"(?: \( [^()\n]* \))?"
_RESULT_ROW = re.compile(
    rf"^[ \t]*{_CLUB_NAME} \d{{1,3}}{_SCORERS} {_CLUB_NAME} \d{{1,3}}(?=[ \t]*(?:\(|\.|$))",
    re.M,
)
# A cricket score after a team at a line's start or a venue's colon ("At Cardiff : Kent
# 255-3 ( D. Fulton 64", "Somerset 83 and 174 ,", "Essex 24 points ,").
_TEAM_NAME = r"((?:[A-Z]\w*)(?:[ '-][A-Z]\w*){0,2})"  # no "c", "b", "not out" of a batting line
_INNINGS = re.compile(
    rf"(?:^[ \t]*|(?<=[a-z)] : )|(?<=[\w)] , )){_TEAM_NAME} \d{{1,3}}(?:-\d{{1,2}})?"
    r"(?: and \d{1,3}(?:-\d{1,2})?)?(?= \(| ,| \.| points\b| declared\b|[ \t]*$)",
    re.M,
)
# A results line of a sport raced by teams: rank, rider, the rider's country in brackets,
# then the team, one word, before the time or at the line's end ("3. Tristan Hoffman (
# Netherlands ) TVM same time", "9. Martin Brundle ( Britain ) Jordan 1:55.385"). Not two
# words: a rally's are cars ("Colin McRae ( Britain ) Subaru Impreza 3:58:12").
_TEAM_AFTER_COUNTRY = (
    r"[A-Z][\w'.-]*(?:[ \t]+[A-Za-z][\w'.-]*){0,4}"
    r"[ \t]+\([ \t]*([A-Z][\w.]*(?:[ \t]+[A-Za-z][\w.]*){0,3})[ \t]*\)"
    r"[ \t]+([A-Z][\w&'.-]*)(?=[ \t]+(?:\d|[a-z])|[ \t]*$)"
)
# Ranked, the line needs no sports word: a grid of motor racing names none.
_RANKED_TEAM = re.compile(rf"^[ \t]*\d{{1,3}}\.[ \t]+{_TEAM_AFTER_COUNTRY}", re.M)
_UNRANKED_TEAM = re.compile(rf"^[ \t]*{_TEAM_AFTER_COUNTRY}", re.M)


def table_clubs(text: str) -> list[tuple[int, int]]:
    """Clubs in the standings rows and result lines of a story that names a sport, labelled
    by NER or not; national teams stay countries ("England 2 Scotland 1"). One sports word
    is enough here: a page of tables has few words ("SOCCER - BELGIAN STANDINGS")."""
    lower = lower_case_words(text)
    out = _race_teams(text, lower)
    if not _sports_words(text) or not re.search(r"\d \d|\d$", text, re.M):
        return out
    patterns = [_STANDINGS_ROW, _SHARE_ROW, _RESULT_ROW]
    if "innings" in _sports_words(text) or "cricket" in _sports_words(text):
        patterns.append(_INNINGS)
    for pattern in patterns:
        for m in pattern.finditer(text):
            for group in range(1, (m.lastindex or 0) + 1):
                start, end = m.start(group), m.end(group)
                if _club_name(text[start:end], lower) and not _in_brackets(text, start):
                    out.append((start, end))  # not a batsman's score ("( Lewis 80 , Such 5 )")
    return sorted(set(out))  # a row may fit two patterns


def _race_teams(text: str, lower: frozenset[str]) -> list[tuple[int, int]]:
    """Teams after a competitor's country in a results line: a country's name too there
    ("Jordan", a racing team)."""
    if "(" not in text:
        return []
    out = []
    for pattern in (_RANKED_TEAM, _UNRANKED_TEAM) if _sports_words(text) else (_RANKED_TEAM,):
        for m in pattern.finditer(text):
            place = countries.place_of(m.group(1))
            team = m.group(2)
            if place is None or place.kind not in ("name", "code"):
                continue
            if team.lower() in CALENDAR or team.lower() in lower or looks_like_person(team):
                continue
            out.append((m.start(2), m.end(2)))
    return out


def _in_brackets(text: str, start: int) -> bool:
    """True when a bracket opened earlier on the line is still open at ``start``."""
    before = text[text.rfind("\n", 0, start) + 1 : start]
    return before.count("(") > before.count(")")


def _club_name(name: str, lower: frozenset[str]) -> bool:
    """Not a month, a number alone, a word the story writes in lower case ("Exports" of a
    trade table), or a country's name (a national team)."""
    if name.lower() in CALENDAR or name.isdigit() or name.lower() in lower:
        return False
    place = countries.place_of(name)
    return place is None or place.kind not in ("name", "code", "demonym", "region")


# Scorers in brackets after a club's score ("Schalke 1 ( Thon 2nd ) Bochum 1 ( Donkow
# 86th )", "( Jeffrey 7 , Roest 33 )") and the fielder and bowler of a cricket dismissal
# ("Ijaz Ahmed c Stewart b Mullally 61"): people, whom NER rarely labels there.
_SCORERS_BRACKET = re.compile(r"(?<=\d )\( ([^()\n]*) \)")
_SCORER = re.compile(
    r"(?:^|(?<=, )|(?<=; ))([A-Z][\w'-]+(?: [A-Z][\w'-]+)?) \d{1,3}(?:st|nd|rd|th)?\b"
)
_DISMISSAL = re.compile(r"(?<= )(?:c|b|st|c and b|lbw b|run out \() ([A-Z][\w'-]+)(?= )")


def scorers(text: str) -> list[tuple[int, int]]:
    """Offsets of scorers and of cricket fielders and bowlers in a story's results."""
    words = _sports_words(text)
    if not words:
        return []
    found = []
    for m in _SCORERS_BRACKET.finditer(text):
        inner = m.group(1)
        found += [(m.start(1) + s.start(1), m.start(1) + s.end(1)) for s in _SCORER.finditer(inner)]
    if "cricket" in words or "innings" in words:
        found += [(m.start(1), m.end(1)) for m in _DISMISSAL.finditer(text)]
    return found
