"""Sports clubs named after places ("Newcastle beat Chelsea", "Somerset 83 and 174").

NER reads such clubs as places (or even people); in a sports story they are
organisations, and they say nothing about which country the story concerns. A span is a
club when the article is about sport, the span is not a country (national teams stay
countries), and its context is a sporting one: a score after it, or a verb or role next
to it ("beat Somerset", "Kent stepped up", "Newcastle team mate", "played for Nice").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from search.entities import countries

# Words that only sports stories use often; generic ones ("final", "points", "beat",
# "season", "captain") are left out so political or business news never counts as sport.
SPORTS_WORDS = frozenset(
    """
    soccer football cricket tennis rugby golf basketball baseball hockey boxing athletics
    cycling innings wicket wickets goal goals halftime half-time league championship
    tournament seeded quarter-final semi-final striker midfielder goalkeeper defender
    skipper squad fixture fixtures unbeaten olympic olympics nba nfl nhl fifa uefa
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
    r"hosts?|hosted|visit|visits|visiting|victory over|win over|defeat by|title rivals|"
    r"move to|moved to|transferred to|loaned to|signed for|coach of|coach at)\s*\.?\s*$"
)
_AFTER = re.compile(
    r"^\s*(?:\d"
    r"|(?:beat|beats|drew|won|lost|were|are|have|had|hosted|reached|closed|kept|stepped|"
    r"extended|scored|led|face|faced|meet|need|needed|trail|trailed|lead|"
    r"coach|captain|skipper|striker|midfielder|defender|goalkeeper|manager|owner|players?|"
    r"team|side|fans|supporters|club|chairman|team-mate|teammate)\b"
    r"|'s\s+(?:home|away|first|second|victory|win|defeat|coach|manager|captain|players?|"
    r"fans|striker|goalkeeper|team|side)\b)"
)
# A date after a name is no score: "LONDON 1996-08-30" opens a story (its dateline line).
_DATE_AFTER = re.compile(
    r"\s*(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{4}(?!\d))"
)
_CLUB_LABELS = frozenset({"GPE", "LOC", "FAC", "NORP", "ORG", "PERSON"})


@lru_cache(maxsize=4)
def is_sports(text: str) -> bool:
    """True for a sports story: at least three distinct sports words."""
    words = set(re.findall(r"[a-z][a-z-]+", text.lower()))
    return len(words & SPORTS_WORDS) >= 3


def _could_be_club(surface: str, label: str, teams: frozenset[str]) -> bool:
    name = re.sub(r"^(?:the|The)\s+", "", surface).strip()
    if not name or not name[0].isupper() or "\n" in name:
        return False
    place = countries.places().get(countries.normalize(name))
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


def find_clubs(
    text: str, spans: Sequence[tuple[str, int, int, str]]
) -> list[tuple[int, int, tuple[int, int]]]:
    """Clubs in a sports story: ``(start, end, original span offsets)`` for each mention."""
    if not is_sports(text):
        return []
    found: list[tuple[int, int, tuple[int, int]]] = []
    names: set[str] = set()
    teams = countries.place_teams(text)
    for label, start, end, surface in spans:
        if label not in _CLUB_LABELS or not _could_be_club(surface, label, teams):
            continue
        lead = len(surface) - len(re.sub(r"^(?:the|The)\s+", "", surface))
        s = start + lead
        before = text[max(0, s - 25) : s]
        after = text[end : end + 25]
        dated = _DATE_AFTER.match(after) is not None
        # A one-word "person" needs a sports-only cue: a score or a rival before it.
        strong = _BEFORE.search(before) or (re.match(r"\s*\d", after) and not dated)
        if strong or (label != "PERSON" and not dated and _AFTER.match(after)):
            found.append((s, end, (start, end)))
            names.add(text[s:end])
    if not names:
        return found
    # The same name elsewhere in the story is the same club.
    taken = {f[2] for f in found}
    for label, start, end, surface in spans:
        if (start, end) in taken or label not in _CLUB_LABELS:
            continue
        name = re.sub(r"^(?:the|The)\s+", "", surface)
        if name in names:
            found.append((end - len(name), end, (start, end)))
    return found
