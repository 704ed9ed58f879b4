"""Per-line layout facts (heading, all-caps, score table) used to drop junk spans."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_TERMINAL = tuple('.!?:;"\u201d\u2019)')
_NUMBER = re.compile(r"^[-+]?\d[\d.,:/-]*$")


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the text and how it looks."""

    start: int
    end: int
    words: int
    heading: bool  # short, title-cased, no closing punctuation: "Russia Keeps Its Distance"
    all_caps: bool  # "SOCCER - JAPAN GET LUCKY WIN"
    table: bool  # "Leeds 3 2 1 0 5 2 7": mostly numbers


def describe(text: str, start: int, end: int) -> Line:
    """Classify ``text[start:end]`` (one line)."""
    chunk = text[start:end].strip()
    words = chunk.split()
    alpha = [w for w in words if any(c.isalpha() for c in w)]
    letters = [c for c in chunk if c.isalpha()]
    all_caps = len(alpha) >= 2 and bool(letters) and not any(c.islower() for c in letters)
    numbers = sum(1 for w in words if _NUMBER.match(w))
    table = len(words) >= 4 and numbers >= 3 and numbers >= 0.4 * len(words)
    content = [w for w in alpha if len(w) > 3]
    heading = (
        0 < len(words) <= 12
        and not chunk.endswith(_TERMINAL)
        and bool(content)
        and sum(1 for w in content if w[0].isupper()) >= 0.75 * len(content)
    )
    return Line(start, end, len(words), heading, all_caps, table)


class LineIndex:
    """Find the :class:`Line` holding a character offset (lines are built lazily)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self._cache: dict[int, Line] = {}

    def line_of(self, offset: int) -> Line:
        """The line that contains ``offset``."""
        i = bisect.bisect_right(self._starts, offset) - 1
        line = self._cache.get(i)
        if line is None:
            start = self._starts[i]
            end = self._starts[i + 1] - 1 if i + 1 < len(self._starts) else len(self._text)
            line = self._cache[i] = describe(self._text, start, end)
        return line


# What follows a one-word field label opening a line of a table or list, on that line: a
# colon ("Attendance : 2,000"), a count in thousands ("Attendance 18,500 ."), a bracket of
# words in lower case ("Extras ( lb-11 w-1 ) 20", "Total ( for one wicket ) 229") or a
# dash before a list ("Forwards - Oliver Bierhoff , Fredi Bobic", "Goalkeepers - Ed de
# Goey ( Feyenoord ) ,"). A club's line looks otherwise: "Hampshire 81-7 .", "Surrey 429-7
# ( C. Lewis 80", "Arsenal - Chelsea 2-1", "Brann - Mons Ivar Mjelde ( 10th ) ,".
_LABEL_AFTER = re.compile(
    r"[ \t]*:|[ \t]+\d{1,3},\d{3}\b|[ \t]+\([ \t]*[a-z]"
    r"|[ \t]+-[ \t]+[^,(\n]+(?:\([^)\d\n]*\)[^,(\n]*)?,"
)


def field_label(text: str, lines: LineIndex, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is one word opening its line as a field's label."""
    line = lines.line_of(start)
    return (
        " " not in text[start:end]
        and not text[line.start : start].strip()
        and _LABEL_AFTER.match(text, end) is not None
    )
