"""RawArticle -> Article: main text, title, publication date (UTC), source, canonical URL.

``clean`` is pure: the same RawArticle always gives the same Article. HTML pages go through
trafilatura (precision mode) with a BeautifulSoup fallback; plain text loses trailing web
chrome; Reuters wire text is reflowed into paragraphs.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import trafilatura
from bs4 import BeautifulSoup, CData, MarkupResemblesLocatorWarning, NavigableString, Tag

from search.boilerplate import (
    NAME_TITLES,
    normalize_whitespace,
    reflow_wire_text,
    strip_chrome,
    strip_text_markup,
    unwrap_lines,
)
from search.models import Article, RawArticle, article_id
from search.settings import Settings

log = logging.getLogger(__name__)

# Longer bodies are cut at a paragraph boundary: the default of Settings.max_article_chars,
# which the reindex passes to clean().
MAX_BODY_CHARS = Settings().max_article_chars
# Extraction costs about a second per MB of markup; real article pages are under ~1.5 MB
# (the largest of the dev corpus is 1.1 MB). Beyond this, scripts and styles are dropped
# and the rest cut, so one 50 MB page cannot take minutes.
MAX_HTML_CHARS = 3_000_000
TITLE_LINE_MAX = 120
TITLE_SHORT_MAX = 100


class EmptyArticle(ValueError):
    """No text remains after cleaning; callers report the article as a FileProblem."""


@dataclass(frozen=True, slots=True)
class _Page:
    """What extraction found in an HTML page (every field may be missing)."""

    text: str = ""
    title: str | None = None
    published: str | None = None
    source: str | None = None
    url: str | None = None


def clean(raw: RawArticle, max_chars: int = MAX_BODY_CHARS) -> Article:
    """The cleaned Article for ``raw``, its body cut to ``max_chars``; ``EmptyArticle`` if no
    text remains."""
    page = _Page()
    if raw.text and raw.text.strip():
        body = _clean_text(raw.text, wire=raw.format == "reuters")
    elif raw.html and raw.html.strip():
        markup = bound_html(raw.html, MAX_HTML_CHARS)
        page = (
            extract_html(markup, raw.url)
            if _is_full_page(markup)
            else _Page(text=html_fragment_text(markup))
        )
        body = strip_chrome(normalize_whitespace(page.text))
    else:
        body = ""
    body = truncate(body, max_chars)
    if not body:
        raise EmptyArticle(f"no text after cleaning ({raw.format})")
    url = canonical_url(raw.url) or canonical_url(page.url)
    source = _one_line(raw.source) or _one_line(page.source) or _site_name(url)
    title = _one_line(raw.title) or _one_line(page.title) or derive_title(body)
    published = parse_date(raw.published) or parse_date(page.published)
    return Article(
        id=article_id(raw.key, url),
        key=raw.key,
        title=title,
        body=body,
        url=url,
        source=source,
        published=published,
        dateline=_dateline(raw.dateline),
    )


def _clean_text(text: str, wire: bool) -> str:
    if wire:
        return normalize_whitespace(reflow_wire_text(text))
    return strip_chrome(normalize_whitespace(unwrap_lines(strip_text_markup(text))))


# ---------------------------------------------------------------- HTML


_NON_TEXT = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>|<!--.*?-->", re.I | re.S)


def bound_html(html: str, limit: int) -> str:
    """``html`` itself when within ``limit`` characters; else without scripts, styles and
    comments, cut at the last tag boundary before ``limit`` if still too long."""
    if len(html) <= limit:
        return html
    html = _NON_TEXT.sub("", html)
    if len(html) <= limit:
        return html
    cut = html.rfind("<", 0, limit)
    log.debug("HTML cut from %d to %d characters", len(html), cut)
    return html[: cut if cut > 0 else limit]


def _is_full_page(html: str) -> bool:
    head = html[:4096].lower()
    return "<html" in head or "<body" in head or "<!doctype" in head or "<head" in head


def extract_html(html: str, url: str | None = None) -> _Page:
    """Main text and metadata of a page: trafilatura, else BeautifulSoup, else bare text."""
    try:
        doc = trafilatura.bare_extraction(
            html,
            url=url,
            favor_precision=True,
            include_comments=False,
            with_metadata=True,
        )
    except (RecursionError, ValueError, TypeError, LookupError, AttributeError) as e:
        # Pathological pages (thousands of nesting levels, odd encodings) can break
        # lxml-based extraction; the BeautifulSoup fallback below still gives their text.
        log.debug("trafilatura failed on %s: %r", url, e)
        doc = None
    meta = _Page(
        text=(getattr(doc, "text", None) or "").strip(),
        title=getattr(doc, "title", None),
        published=_with_time(html, getattr(doc, "date", None)),
        source=getattr(doc, "sitename", None),
        url=getattr(doc, "url", None),
    )
    if meta.text:
        return meta
    text = html_fragment_text(html, page=True)
    return _Page(text, meta.title or _html_title(html), meta.published, meta.source, meta.url)


_PUBLISHED_META = re.compile(
    r"<meta[^>]+(?:property|name|itemprop)=[\"'](?:article:published_time|og:published_time"
    r"|datePublished|pubdate)[\"'][^>]*>"
    r"|\"datePublished\"\s*:\s*\"([^\"]+)\"",
    re.I,
)
_CONTENT = re.compile(r"""content=["']([^"']+)["']""", re.I)


def _with_time(html: str, day: str | None) -> str | None:
    """trafilatura's publication day, with the time of day when the page's own metadata
    (article:published_time, JSON-LD datePublished) gives one for that same day."""
    found = parse_date(day)
    if found is None:
        return day
    for m in _PUBLISHED_META.finditer(html[:500_000]):
        content = m.group(1)
        if content is None:
            attribute = _CONTENT.search(m.group(0))
            content = attribute.group(1) if attribute else None
        # Same calendar day as written in the page (before conversion to UTC).
        if content and content.strip().startswith(found.date().isoformat()):
            precise = parse_date(content)
            if precise is not None:
                return precise.isoformat()
    return day


_BLOCKS = frozenset((
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "blockquote", "pre", "section", "article", "header", "footer", "dd", "dt", "figcaption",
))  # fmt: skip
_DROP = ("script", "style", "noscript", "template", "iframe", "svg", "head")
_PAGE_CHROME = ("nav", "footer", "header", "aside", "form", "menu")
_TAGS = re.compile(r"<[^>]*>")


def html_fragment_text(html: str, page: bool = False) -> str:
    """Text of an HTML fragment (a feed item's description) with paragraph breaks kept.

    With ``page``, navigation, header, footer and forms are dropped and an ``<article>`` or
    ``<main>`` element is preferred: the fallback when trafilatura finds nothing.
    """
    try:
        with warnings.catch_warnings():
            # Short fragments that look like file names or URLs are still text for us.
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            soup = BeautifulSoup(html, "lxml")
        for tag in soup.find_all(_DROP + _PAGE_CHROME if page else _DROP):
            tag.decompose()
        root: Tag = soup
        if page:
            main = soup.find("article") or soup.find("main")
            root = main if isinstance(main, Tag) else soup
        # One pass over the tree (inserting "\n" nodes after each block is quadratic on
        # deeply nested pages): a block element or <br> starts a new line.
        parts: list[str] = []
        for node in root.descendants:
            if isinstance(node, Tag):
                if node.name in _BLOCKS or node.name == "br":
                    parts.append("\n")
            elif type(node) in (NavigableString, CData):
                parts.append(str(node))
        return "".join(parts)
    except RecursionError:
        return html_lib.unescape(_TAGS.sub(" ", html))


def _html_title(html: str) -> str | None:
    m = re.search(r"<title[^>]*>(.*?)</title>", html[:200_000], re.I | re.S)
    if not m:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(m.group(1), "lxml").get_text() or None


# ---------------------------------------------------------------- title


_SENTENCE_END = re.compile(
    r"(?<!\b[A-Z])"
    + "".join(rf"(?<!\b{a})" for a in (*NAME_TITLES, "No", "Jr", "Inc", "Co", "Corp", "Ltd"))
    + r"(?<!\bU\.S)"
    + r"""[.!?]["”’')\]]*(?=\s+["“‘'(\[]?[A-Z0-9]|\s*$)"""
)


def derive_title(body: str) -> str:
    """A title for an article that has none: its first line when that is a short heading,
    else its first sentence shortened to about 100 characters."""
    first_line = body.split("\n", 1)[0].strip()
    bare = first_line.rstrip("\"”’')]")
    if first_line and len(first_line) <= TITLE_LINE_MAX and not bare.endswith((".", "!", "?")):
        return first_line
    m = _SENTENCE_END.search(first_line)
    sentence = first_line[: m.end()] if m else first_line
    return shorten(sentence, TITLE_SHORT_MAX)


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    head = text[: cut if cut > limit // 2 else limit - 1]
    return head.rstrip(" ,;:-–—") + "…"


# ---------------------------------------------------------------- dates


_REUTERS_DATE = re.compile(r"^\s*(\d{1,2})-([A-Za-z]{3})-(\d{4})\s+(\d{1,3}):(\d{2}):(\d{2})")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
)}  # fmt: skip
_TEXT_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d", "%Y.%m.%d")


def parse_date(value: str | None) -> datetime | None:
    """A timezone-aware UTC datetime from ISO 8601, RFC 822 or a Reuters DATE; else None.

    Times without a zone are taken as UTC; nothing is guessed from ambiguous text.
    """
    if not value or not value.strip():
        return None
    value = value.strip()
    for parse in (_iso, _reuters, _rfc822, _textual):
        try:
            parsed = parse(value)
        except (ValueError, TypeError, OverflowError, IndexError, KeyError):
            continue
        if parsed is not None and 1800 <= parsed.year <= 2200:
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
    return None


def _iso(value: str) -> datetime | None:
    if not re.match(r"^\d{4}-\d{2}", value):
        return None
    return datetime.fromisoformat(value.replace(" ", "T", 1) if len(value) > 10 else value)


def _reuters(value: str) -> datetime | None:
    m = _REUTERS_DATE.match(value)
    if not m:
        return None
    day, month, year, hour, minute, second = (
        int(g) if g.isdigit() else _MONTHS[g.lower()] for g in m.groups()
    )
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        # One corpus DATE reads "31-MAR-1987 605:12:19.12": the day is certain, the time not.
        return datetime(year, month, day)


def _rfc822(value: str) -> datetime | None:
    if not re.search(r"\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}", value):
        return None
    return parsedate_to_datetime(value)


def _textual(value: str) -> datetime | None:
    for fmt in _TEXT_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


# ---------------------------------------------------------------- URLs, source, misc


_TRACKING = {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "_ga", "igshid"}


def canonical_url(url: str | None) -> str | None:
    """http(s) URL without fragment and tracking parameters (utm_*, fbclid...); else None."""
    if not url or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        return None
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING
    ]
    return urlunsplit((scheme, parts.netloc.lower(), parts.path or "/", urlencode(query), ""))


def _site_name(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def _one_line(value: str | None) -> str | None:
    if not value:
        return None
    return " ".join(value.split()) or None


def _dateline(value: str | None) -> str | None:
    line = _one_line(value)
    return line.rstrip(" -–—") or None if line else None


def truncate(body: str, limit: int) -> str:
    """``body`` cut to at most ``limit`` characters at a paragraph (else word) boundary."""
    if len(body) <= limit:
        return body
    cut = body.rfind("\n", 0, limit)
    if cut < limit // 2:
        cut = body.rfind(" ", 0, limit)
    return body[: cut if cut > 0 else limit].rstrip()
