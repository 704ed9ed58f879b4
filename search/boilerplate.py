"""Plain-text hygiene: whitespace, control characters, web chrome, hard-wrapped text.

Pure string functions used by ``search.cleaning``. The chrome filter removes only whole
lines that match known widget phrases, so article sentences are never cut.
"""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls except tab and newline, plus zero-width characters and the BOM.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_RUNS = re.compile(r"\n{3,}")

_NETWORKS = (
    r"facebook|twitter|x|linkedin|whatsapp|telegram|reddit|pinterest|tumblr|pocket|email"
    r"|e-mail|print|mail|messenger|flipboard|threads|bluesky|mastodon|copy link|sms|more"
)
# Lines that are a share bar wherever they appear.
_SHARE_BAR = re.compile(
    rf"""^(?:
        share(?:\ this(?:\ (?:article|story|post|page))?)?(?:\ (?:on|via))?:?
      | share\ (?:on|via)\ (?:{_NETWORKS})(?:\ \(opens\ in\ new\ window\))?
      | click\ to\ (?:share\ on\ .{{1,30}}|email\ a\ link\ to\ a\ friend|print|email)
        (?:\ \(opens\ in\ new\ window\))?
      | (?:(?:{_NETWORKS})\s*[|,·•/]?\s*){{2,}}
    )$""",
    re.I | re.X,
)
# Chrome that ends an article: when one of these starts a line in the last part of a text,
# everything from it on is widgets (related links, comment forms, navigation).
_TAIL_START = re.compile(
    r"""^(?:
        leave\ a\ (?:reply|comment).*
      | related(?:\ (?:posts?|articles?|stories|news|content|reading|coverage))?:?
      | you\ (?:may|might)\ also\ (?:like|be\ interested\ in):?
      | (?:read|see)\ also:?
      | more\ (?:from|on)\ this\ (?:author|topic|site):?
      | like\ this:?
      | post\ navigation
      | you\ must\ be\ logged\ in\ to\ post\ a\ comment\.?
      | your\ email\ address\ will\ not\ be\ published\.?.*
      | (?:\d+\ |view\ |show\ )?comments?(?:\ \(\d+\))?:?
      | no\ comments(?:\ yet)?\.?
      | (?:subscribe|sign\ up)\ (?:to|for)\ (?:our|the)\ (?:daily\ |weekly\ )?newsletters?.*
    )$""",
    re.I | re.X,
)
# Single trailing lines that are chrome but do not by themselves end the article.
_TAIL_LINE = re.compile(
    r"""^(?:
        (?:tags?|tagged|filed\ under|categor(?:y|ies)|posted\ in|topics?)\s*:?\s.{0,300}
      | (?:previous|next|older|newer)\ (?:post|article|story)s?\b.{0,200}
      | (?:read\ more|continue\ reading|advertisement|cancel\ reply)
      | (?:like\ )?loading\.\.\.
      | (?:\d+\ )?(?:likes?|shares?|views?|comments?)
      | (?:©|\(c\)|copyright\b).{0,150}
      | all\ rights\ reserved\.?
      | required\ fields\ are\ marked\ \*?
      | (?:posted|published|updated)\ (?:on|by)\ .{0,80}
    )$""",
    re.I | re.X,
)
# Tail markers are only trusted after this share of the text: a heading "Related" in the
# first half of a story is more likely part of it.
_TAIL_FROM = 0.5


def normalize_whitespace(text: str) -> str:
    """NFC, no control characters, single spaces, stripped lines, at most one blank line."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text.replace("\f", "\n").replace("\v", "\n"))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


_QUOTE_MARKS = re.compile(r"^(?:> ?)+|^#{1,6} +", re.M)


def strip_text_markup(text: str) -> str:
    """Drop Markdown-style quote markers ("> ") and heading markers ("## ") at line starts.

    Plain-text articles often carry them from the editor they were pasted from; they are
    layout, not words, and would otherwise show in snippets.
    """
    return _QUOTE_MARKS.sub("", text)


def strip_chrome(text: str) -> str:
    """Remove share bars anywhere and web widgets (replies, related links, tags) at the end.

    ``text`` must already be whitespace-normalized.
    """
    lines = [line for line in text.split("\n") if not _SHARE_BAR.match(line)]
    lines = _cut_tail(lines)
    while lines and (not lines[-1] or _is_tail_line(lines[-1])):
        lines.pop()
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def _cut_tail(lines: list[str]) -> list[str]:
    total = sum(len(line) + 1 for line in lines)
    seen = 0
    for i, line in enumerate(lines):
        if seen >= total * _TAIL_FROM and len(line) <= 160 and _TAIL_START.match(line):
            return lines[:i]
        seen += len(line) + 1
    return lines


def _is_tail_line(line: str) -> bool:
    return len(line) <= 300 and bool(_TAIL_LINE.match(line) or _TAIL_START.match(line))


# Dot leaders before a number ("Borrowings.......40"), long dot runs, aligned columns,
# rows of figures or rules; an ellipsis in prose ("tax increases.... We will") is not one.
_TABLE_LINE = re.compile(
    r"\.{4,}\s*[-+$(]?\d|\.{6,}|\S {3,}\S"
    r"|^\s*[-+(]?\d[\d.,%()+-]*(?:\s+[-+(]?\d[\d.,%()+-]*)+\s*$"  # a row of two+ figures
    r"|^[\s-]*-[\s-]*-[\s-]*-[\s-]*$"  # a rule: three or more dashes
)
_INLINE_INDENT = re.compile(r"([a-z0-9][.!?][\"']?) {3,}(?=[\"A-Z])")
_WIRE_INDENT = re.compile(r"^(?: {2,}|\t)")


def reflow_wire_text(text: str) -> str:
    """Join hard-wrapped wire lines into paragraphs (one per line).

    A paragraph starts at an indented line (Reuters indents by four spaces) or after a
    blank line; table-like lines (dot leaders, aligned columns) are kept as they are.
    """
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    # A paragraph indent can land mid-line ("this year.     Monday's ..."): split there
    # first, so the line is not mistaken for an aligned table row.
    text = _INLINE_INDENT.sub("\\1\n    ", text.replace("\r\n", "\n"))
    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if not line:
            flush()
        elif _TABLE_LINE.search(raw_line.rstrip()):
            flush()
            paragraphs.append(raw_line.rstrip())
        else:
            if _WIRE_INDENT.match(raw_line):
                flush()
            current.append(line)
    flush()
    return "\n".join(paragraphs)


# Hard-wrapped plain text (wire copy, e-mail, fixed-width archives) breaks its lines at a
# set width, mid-sentence and inside names ("Belgian Prime Minister Wilfried\nMartens",
# "the Federal\nReserve"). Its lines are at most this long (the wrap width, read as the
# 90th percentile of line lengths); a text with longer lines has a paragraph per line.
_WRAP_WIDTH_MAX = 100
# Nor is a text whose lines are all short (a headline and a few short paragraphs): so
# narrow a wrap is not read from so few lines.
_WRAP_WIDTH_MIN = 50
# A line at least this share of the wrap width long ends where the wrap cut it, in prose
# wrapped so: where at least this share of the line breaks go on in lower case (wire copy:
# most; a results table or a text of one sentence a line: hardly any).
_WRAP_FULL = 0.75
_WRAPPED_PROSE = 0.3
# Titles written with a full stop before a name ("Mr. Reagan"): the stop ends no sentence.
NAME_TITLES = tuple("Mr Mrs Ms Dr St Gen Sen Rep Gov Lt Col Capt Sgt Prof Rev".split())
# A line that ends in an initial or a title: the name goes on ("Michael T.\nFuller").
_NAME_GOES_ON = re.compile(rf"(?<![\w.])(?:[A-Z]|{'|'.join(NAME_TITLES)})\.\Z")
_LIST_ITEM = re.compile(r"(?:[-*\u2022]|\d{1,2}[.)])\s")


def unwrap_lines(text: str) -> str:
    """Join the lines of hard-wrapped plain text back into its paragraphs.

    A line goes on the previous one when the wrap cut a sentence there: the line goes on
    in lower case, the previous line ends in an initial or a title ("Alan H.", "Mr."), or,
    in wrapped prose, the previous line is full (near the wrap width) and ends in a word
    or a comma. A blank line, an indent, a list item or a table line starts anew, and so
    do a short line, a line in capitals or a line ending in a figure before a capital (a
    headline, a label, a table's row). Text whose lines are longer or shorter than a wrap
    would leave them is returned as it is.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    lengths = sorted(len(line.rstrip()) for line in lines if line.strip())
    if len(lengths) < 3:
        return text
    width = lengths[(len(lengths) - 1) * 9 // 10]
    if not _WRAP_WIDTH_MIN <= width <= _WRAP_WIDTH_MAX:
        return text
    breaks = [b for a, b in zip(lines, lines[1:], strict=False) if a.strip() and b[:1].isalpha()]
    in_lower = sum(b[0].islower() for b in breaks)
    full = _WRAP_FULL * width if in_lower >= _WRAPPED_PROSE * len(breaks) > 0 else None
    out = [lines[0]]
    for previous, line in zip(lines, lines[1:], strict=False):
        if _continues(previous, line, full):
            out[-1] = f"{out[-1].rstrip()} {line.strip()}"
        else:
            out.append(line)
    return "\n".join(out)


def _continues(previous: str, line: str, full: float | None) -> bool:
    """Whether ``line`` goes on with the sentence that the wrap cut after ``previous``; a
    line ``full`` long or longer was cut by the wrap (None: a full line says nothing)."""
    head = line.lstrip()
    before = previous.rstrip()
    if not before or not head or line[:1] in " \t" or _LIST_ITEM.match(head):
        return False
    if _TABLE_LINE.search(before) or _TABLE_LINE.search(line):
        return False
    if head[0].islower() or _NAME_GOES_ON.search(before):
        return True
    if full is None or before.isupper() or not (before[-1].isalpha() or before[-1] == ","):
        return False  # no wrapped prose, a headline in capitals, a sentence's or a row's end
    return len(before) >= full
