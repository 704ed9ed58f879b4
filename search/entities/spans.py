"""Span cleaning: from a raw PERSON/ORG span to the name it holds, or nothing.

Titles and honorifics ("Russian President", "Kremlin spokesperson", "Mr."), a leading
"the", possessives, scores and month names are cut off; a span holding several names
("Sri Lanka - Arjuna Ranatunga") is split; junk (headings, all-caps lines) is flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from search.entities import countries
from search.entities.lines import LineIndex
from search.models import ActorKind

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


def surname(name: str) -> str:
    """The last word of a person's name that is not a suffix ("Jr.", "III")."""
    parts = [p for p in name.split() if p.lower().rstrip(".") not in SUFFIXES]
    return parts[-1] if parts else name


def is_title(word: str) -> bool:
    """True for a title or honorific word ("President", "Mr.", "spokesperson")."""
    return word.lower().replace(".", "").rstrip(",") in TITLES


def demonym_stem(word: str) -> str:
    """A people's noun in "-man" read as its adjective ("Frenchman", "Dutchwoman" ->
    "French", "Dutch"); other words as they are."""
    if word.endswith(("man", "men")) and len(word) > 5:
        return word[:-3].removesuffix("wo")
    return word


@lru_cache(maxsize=65536)
def _is_placeish(word: str) -> bool:
    w = demonym_stem(POSSESSIVE.sub("", word))
    return bool(w) and countries.place_of(w) is not None


# Where one NER span holds several names: line breaks, dashes, brackets, semicolons
# ("Sri Lanka - Arjuna Ranatunga", "Scott Draper ( Australia )") and a slash between words
# ("Leipzig / Halle", "Ulsan / Yosu").
_SEPARATOR = re.compile(r"\n|\s[-\u2013\u2014]+\s|--|[()\[\];\"\u201c\u201d]|\s/\s?")
# The score between two clubs of a result line ("Manchester United 2 Blackburn 1",
# "Marseille 1 ( Gravelaine 24th ) Metz 2"): split only when the second club's score or
# its scorers follow, so a firm keeps its number ("Pier 1 Imports Inc").
_FIRST_SCORE = re.compile(r"(?<=[a-zA-Z.]) \d{1,3} (?=[A-Z])")
_SECOND_SCORE = re.compile(r" (?:\d{1,3}\b|\()")
_ENDING_SCORE = re.compile(r"[a-zA-Z.] \d{1,3}$")


def _result_line(text: str, start: int, end: int) -> list[tuple[int, int]] | None:
    """The two clubs of "Bordeaux 0 Auxerre 0", or None when the piece is no result."""
    if not (_SECOND_SCORE.match(text, end) or _ENDING_SCORE.search(text, start, end)):
        return None
    m = _FIRST_SCORE.search(text, start, end)
    if m is None or _FIRST_SCORE.search(text, m.end() - 1, end):
        return None  # a table row ("Akron 135 Mch 134 Apl"), not two clubs
    return [(start, m.start()), (m.end(), end)]


# A comma between people's names ("Dieter Eilts , Steffen Freund"): a list, not one name.
# In other spans only after a place ("Larnaca , Cyprus", "Auckland , Christchurch"): a
# firm's name may hold partners ("Donaldson, Lufkin and Jenrette").
_LIST_COMMA = re.compile(r" ?, ")
# Prepositions that open a sentence before a name NER took in ("In Sofia :", "At Chesterfield"),
# never a given name there, though "In" is one in Korean.
OPENING_PREPOSITIONS = frozenset({"In", "At"})
# Abbreviated titles after a place that NER ran into it ("Massachusetts Gov .", "Georgia Rep .").
_TRAILING_TITLES = frozenset({"gov", "rep", "sen"})
_TRAILER = re.compile(r"(?:['\u2019]s?|[,;:])$")
POSSESSIVE = re.compile(r"['\u2019]s$")  # "Moody's" -> "Moody"
_NUMERIC = re.compile(r"^[-+]?\d[\d.,:/-]*$")
# A minute after a scorer's name ("Bohinen 51st"); before a name it is part of it ("96th
# Brigade").
_ORDINAL = re.compile(r"^\d{1,3}(?:st|nd|rd|th)$")
# Lower-case words that belong inside a person's name.
PARTICLES = frozenset(
    "de del della der den di da das dos du la le van von ter bin ibn al el y".split()
)
# Words a name does not end with: a span ending so was cut short.
_OPEN_ENDED = frozenset({"of", "the", "and", "for", "&", "on", "in"})
# A ticker with its exchange printed after a company's name ("UOBM.SI", "BNPP.PA").
_GLUED_TICKER = re.compile(r"[A-Z0-9]{2,6}\.[A-Z]{1,2}")
# Newswire and financial-table abbreviations NER takes for organisations. On Reuters
# "Revs", "Avg", "Shr", "GMT" and "U.S. Dlrs" were among the top 60 actors (754, 568, 244,
# 99 and 89 articles). A name ending in one is not an actor; "Net" and "Div" only alone
# ("Maxwell House Div" is a division).
_WIRE_ENDINGS = frozenset(
    "revs rev avg shr shrs qtr qtly mths mth cts dlrs dlr mln bln pct gmt reuter oper".split()
)
_WIRE_WORDS = _WIRE_ENDINGS | {"net", "div"}
CALENDAR = frozenset(
    """january february march april may june july august september october november
    december monday tuesday wednesday thursday friday saturday sunday""".split()
)
_LOWER_WORD = re.compile(r"\b[a-z][a-z'-]*\b")


# Where a sentence starts: the text, a line, or after a sentence end and a quote.
_SENTENCE_START = re.compile(r"(?:\A|[\n.!?]\s*|[.!?] [\"'`\u201c]+ ?|\n[\"'`\u201c]+ ?)\Z")


def opens_sentence(text: str, start: int) -> bool:
    """True when ``text[start:]`` begins a sentence, a line or the text."""
    return _SENTENCE_START.search(text, max(0, start - 6), start) is not None


@lru_cache(maxsize=4)
def lower_case_words(text: str) -> frozenset[str]:
    """The words an article writes in lower case, once per article: a pattern per name
    filled re's cache (2.8 of 16 s of rules)."""
    return frozenset(_LOWER_WORD.findall(text))


def _pieces(text: str, start: int, end: int, label: str) -> list[tuple[int, int]]:
    """Split a span at separators and a result line's score; people's spans also at commas
    and lower-case non-particle words, other spans at a comma after a place."""
    out = _split_at(text, [(start, end)], _SEPARATOR)
    out = [q for s, e in out for q in (_result_line(text, s, e) or [(s, e)])]
    if label != "PERSON":
        return [p for s, e in out for p in _split_after_place(text, s, e)]
    split: list[tuple[int, int]] = []
    for s, e in _split_at(text, out, _LIST_COMMA):
        pos = s
        for ws, we, w in _words(text[s:e], s):
            if w.islower() and w not in PARTICLES and not is_title(w):
                split.append((pos, ws))
                pos = we
        split.append((pos, e))
    return split


def _split_after_place(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The piece cut at each comma that follows a place's name ("Auckland , Christchurch")."""
    m = _LIST_COMMA.search(text, start, end)
    if m is None or countries.place_of(text[start : m.start()]) is None:
        return [(start, end)]
    return [(start, m.start()), *_split_after_place(text, m.end(), end)]


def _split_at(
    text: str, pieces: list[tuple[int, int]], pattern: re.Pattern[str]
) -> list[tuple[int, int]]:
    """Each piece cut where ``pattern`` matches (the match itself left out)."""
    out: list[tuple[int, int]] = []
    for s, e in pieces:
        pos = s
        for m in pattern.finditer(text, s, e):
            out.append((pos, m.start()))
            pos = m.end()
        out.append((pos, e))
    return out


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
        trimmed = _TRAILER.sub("", w)
        if (_NUMERIC.match(trimmed) or _ORDINAL.match(trimmed)) and not (
            len(words) > 1 and words[-2][2].lower() in _OPEN_ENDED
        ):
            trimmed = ""  # "H. Morris 69"; but "Group of 7" keeps its number
        if trimmed != w:
            words[-1] = (s, s + len(trimmed), trimmed)
        if words[-1][2]:
            break
        words.pop()
    while len(words) > 1 and (
        words[-1][2].lower() in _OPEN_ENDED
        or _GLUED_TICKER.fullmatch(words[-1][2])
        or words[-1][2].lower().rstrip(".") in _TRAILING_TITLES
    ):
        words.pop()  # "Donaldson, Lufkin and" cut short; "United Overseas Bank Ltd UOBM.SI"
    if len(words) > 1 and words[0][2] in OPENING_PREPOSITIONS and opens_sentence(text, start):
        words = words[1:]
    while words and (
        words[0][2].lower() in ("the", "a", "an")
        or _NUMERIC.match(words[0][2])
        or words[0][2].lower() in CALENDAR
    ):
        words = words[1:]
    if label == "PERSON":
        # The leading run of titles, places and lower-case words; cut after its last title.
        run = 0
        while run < len(words) - 1 and (
            is_title(words[run][2]) or _is_placeish(words[run][2]) or words[run][2].islower()
        ):
            run += 1
        cut = 0
        for i in range(run):
            if is_title(words[i][2]) or words[i][2].islower():
                cut = i + 1
        if cut == 0 and run and len(words) - run >= 2:
            cut = run  # "Iranian Abbas Araghchi"; but "Jordan Henderson" keeps "Jordan"
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
    last = words[-1].lower().rstrip(".") if words else ""
    if last in _WIRE_ENDINGS or (len(words) == 1 and last in _WIRE_WORDS):
        return True
    if line.table and (len(surface) <= 3 or not any(c.islower() for c in surface)):
        return True  # column heads and codes in a score table ("Pts", "GF"); names stay
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
