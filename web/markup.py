"""Safe HTML from stored text: highlighted snippets and entity-marked article text.

The backend already escapes snippets; this module escapes again as defense in depth, so
a backend bug can never turn stored article text into markup on our pages.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from search.models import MarkedSpan

_MARK_TAG = re.compile(r"(<mark>|</mark>)")
SPAN_TYPES = ("person", "org", "country", "date")


def safe_snippet(snippet: str | None) -> Markup:
    """Re-escape everything in a snippet except ``<mark>``/``</mark>``, with balanced marks.

    Entities the backend produced (``&lt;``) are decoded first so they are not shown
    double-escaped; whatever was not escaped is escaped now.
    """
    out: list[str] = []
    open_marks = 0
    for part in _MARK_TAG.split(snippet or ""):
        if part == "<mark>":
            if open_marks == 0:
                out.append(part)
                open_marks = 1
        elif part == "</mark>":
            if open_marks:
                out.append(part)
                open_marks = 0
        elif part:
            out.append(str(escape(html.unescape(part))))
    if open_marks:
        out.append("</mark>")
    return Markup("".join(out))


def mark_entities(
    text: str, spans: Iterable[MarkedSpan], *, start: int = 0, labels: dict[str, str] | None = None
) -> Markup:
    """``text[start:]`` as HTML with each entity span in a ``<mark>`` classed by its type.

    Spans outside the range, malformed or overlapping an earlier one are skipped rather
    than trusted; every piece of text goes through ``escape``.
    """
    labels = labels or {}
    out: list[str] = []
    pos = start
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if span.type not in SPAN_TYPES or span.start < pos or span.end > len(text):
            continue
        if span.end <= span.start:
            continue
        out.append(escape(text[pos : span.start]))
        title = f"{span.type}: {labels.get(span.value, span.value)}"
        out.append(
            Markup('<mark class="ent ent-{}" title="{}">{}</mark>').format(
                span.type, title, text[span.start : span.end]
            )
        )
        pos = span.end
    out.append(escape(text[pos:]))
    return Markup("".join(out))


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL we may link to, else None.

    Stored URLs come from scraped input: ``javascript:`` or ``data:`` must never become
    an ``href``.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()
