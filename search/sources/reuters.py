"""Reuters-21578 SGML files (.sgm): one RawArticle per <REUTERS> element.

A regular-expression split is used instead of an SGML parser: the files are machine
generated and regular, and BeautifulSoup per article would be several times slower.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator
from pathlib import Path

from search.models import FileProblem, RawArticle
from search.settings import Settings
from search.sources.files import FileRefused, read_bytes

EXTENSIONS = (".sgm", ".sgml")

_ARTICLE = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
_NEWID = re.compile(r'\bNEWID="(\d+)"')
_TEXT = re.compile(r"<TEXT\b([^>]*)>(.*?)</TEXT>", re.S)
_FIELDS = {
    name: re.compile(rf"<{name}>(.*?)</{name}>", re.S)
    for name in ("DATE", "TITLE", "DATELINE", "BODY")
}
_TAG = re.compile(r"</?[A-Z]+\b[^>]*>")
# The wire signature closing a story: "Reuter", "REUTER", "reuter...", "REUTER^M" and
# the end-of-text control character &#3;.
# It stands on its own line or after a run of spaces, never inside a sentence.
_SIGNATURE = re.compile(r"(?:\s*\n|[ \t]{2,})[ \t]*reuters?\b[.^M\s]*(?:&#3;)?\s*\Z", re.I)
_END_OF_TEXT = re.compile(r"\s*&#3;\s*\Z")
_SPACE = re.compile(r"\s+")


def looks_like_reuters(head: str) -> bool:
    """True when a document starts like a Reuters-21578 SGML file."""
    return "<!DOCTYPE lewis" in head[:512] or head.lstrip().startswith("<REUTERS")


def read_reuters_file(path: Path, settings: Settings) -> Iterator[RawArticle | FileProblem]:
    """Articles of one .sgm file, keys ``path#NEWID``; decoded as latin-1 like the corpus."""
    # latin-1 maps every byte: the corpus is ASCII but for one 0xFC byte in reut2-017.
    text = read_bytes(path, settings.max_file_bytes).decode("latin-1")
    base = os.path.abspath(path)
    found = False
    for n, m in enumerate(_ARTICLE.finditer(text), start=1):
        found = True
        attrs, inner = m.group(1), m.group(2)
        newid = _NEWID.search(attrs)
        if not newid:
            yield FileProblem(f"{path}#{n}", "REUTERS element without NEWID")
            continue
        # An element with no text at all (NEWID 12793) is still yielded: cleaning reports it.
        yield _article(f"{base}#{newid.group(1)}", inner)
    if not found:
        raise FileRefused("no <REUTERS> elements")


def _article(key: str, inner: str) -> RawArticle:
    date = _field("DATE", inner)
    title = _field("TITLE", inner)
    dateline = _field("DATELINE", inner)
    text_match = _TEXT.search(inner)
    text_type = text_match.group(1) if text_match else ""
    body_match = _FIELDS["BODY"].search(inner)
    if body_match:
        body = _unescape(_SIGNATURE.sub("", body_match.group(1)))
    elif "BRIEF" in text_type or not text_match:
        # Briefs carry only a headline (and the filler "Blah blah blah."): the title is the text.
        body = title or ""
    else:
        # UNPROC stories: unparsed text (often tables) directly inside <TEXT>.
        raw = _END_OF_TEXT.sub("", _TAG.sub("", text_match.group(2)))
        body = _unescape(_SIGNATURE.sub("", raw))
    return RawArticle(
        key=key,
        format="reuters",
        text=body,
        title=title,
        published=date,
        source="Reuters",
        dateline=dateline,
    )


def _field(name: str, inner: str) -> str | None:
    m = _FIELDS[name].search(inner)
    if not m:
        return None
    value = _SPACE.sub(" ", _unescape(m.group(1))).strip()
    return value or None


# Reuters marks company names and tickers in angle brackets ("<Boeing Co>", "Dow Chemical
# Co <DOW>"): the brackets are markup, and left in they end up inside actor names ("Boeing
# Co>"). A ticker becomes "(DOW)", as a newspaper prints it, so it stays apart from the name.
_COMPANY_MARK = re.compile(r"<([A-Za-z0-9][^<>]{0,80})>")
_TICKER = re.compile(r"[A-Z0-9.]{1,6}")


def _company(match: re.Match[str]) -> str:
    inner = match.group(1)
    return f"({inner})" if _TICKER.fullmatch(inner) else inner


def _unescape(text: str) -> str:
    # &#2; &#3; &#5; ... are wire control codes, not text.
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", html.unescape(text))
    return _COMPANY_MARK.sub(_company, text)
