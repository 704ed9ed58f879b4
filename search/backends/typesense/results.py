"""Typesense search responses -> ``SearchPage``: hits, snippets, facets and the histogram.

Kept identical in meaning to the Whoosh backend (``columns.top_facet``/``histogram`` and
``whoosh.snippets``): facet values sorted by count then value, selected values always
shown, the same histogram intervals, snippets that are escaped text with only ``<mark>``.
Pure functions: no I/O, no ``typesense`` import.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from search.backends.shared import MONTH_SPAN_DAYS, choose_interval, contiguous, lead
from search.backends.typesense.schema import LEAD_CHARS, from_key, from_typesense
from search.models import DateBucket, DateHistogram, Hit

# Typesense marks matches with these control characters (it keeps them as given); they
# cannot come from cleaned article text, so after HTML-escaping they are the only places
# to put <mark> tags.
MARK_START = "\x02"
MARK_END = "\x03"
# Extra facet values fetched beyond ``facet_size`` so ties at the cut are broken by value
# here, as the Whoosh backend does, rather than by Typesense's internal order.
FACET_SLACK = 25
_ADJACENT_MARKS = re.compile(r"</mark>(\s+)<mark>")


def snippet(body: str, highlight: str | None) -> str:
    """HTML for Typesense's marked ``highlight`` of ``body``; the body's lead when none."""
    if not highlight or MARK_START not in highlight:
        return lead(body)
    plain = highlight.replace(MARK_START, "").replace(MARK_END, "")
    out = html.escape(highlight, quote=False)
    out = out.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    if out.count("<mark>") != out.count("</mark>"):  # a stray control character: play safe
        return lead(body)
    out = _ADJACENT_MARKS.sub(r"\1", out)
    flat = " ".join(body.split())
    flat_plain = " ".join(plain.split())
    if not flat.startswith(flat_plain):
        out = "… " + out
    if not (len(body) < LEAD_CHARS and flat.endswith(flat_plain)):
        out += " …"
    return out


def hit(raw: dict[str, Any]) -> Hit:
    """One ``Hit`` from a Typesense search hit (its ``body`` holds only the lead)."""
    stored = raw["document"]
    doc = from_typesense({**stored, "body": stored.get("lead") or ""})
    marked = None
    for h in raw.get("highlights") or ():
        if h.get("field") == "body":
            marked = h.get("snippet")
    return Hit(
        id=doc.id,
        title=doc.title,
        snippet=snippet(doc.body, marked),
        # Typesense's text_match is a bucketed rank key, not a score comparable to BM25.
        score=None,
        url=doc.url,
        source=doc.source,
        published=doc.published,
        actors=doc.actors,
        countries=doc.countries,
    )


def facet_counts(response: dict[str, Any], field_name: str) -> tuple[dict[str, int], int]:
    """``({value: count}, number of distinct values)`` of one facet in a response.

    Values of ``*_key(s)`` and ``*_fold`` fields are hex keys (see ``exact_key``) and
    come back decoded.
    """
    for fc in response.get("facet_counts") or ():
        if fc.get("field_name") != field_name:
            continue
        raw = {c["value"]: int(c["count"]) for c in fc.get("counts") or ()}
        distinct = max(int((fc.get("stats") or {}).get("total_values", len(raw))), len(raw))
        if field_name.endswith(("_key", "_keys", "_fold")):
            raw = {from_key(k): c for k, c in raw.items()}
        return raw, distinct
    return {}, 0


def facet_stats(response: dict[str, Any], field_name: str) -> dict[str, float]:
    """The min/max/sum stats Typesense gives for a numeric facet."""
    for fc in response.get("facet_counts") or ():
        if fc.get("field_name") == field_name:
            return dict(fc.get("stats") or {})
    return {}


def cut_in_tie(counts: dict[str, int], distinct: int, size: int) -> bool:
    """Whether values Typesense did not return may tie with the ``size``-th value."""
    if distinct <= len(counts) or len(counts) <= size:
        return False
    ordered = sorted(counts.values(), reverse=True)
    return ordered[size - 1] == ordered[-1] if size > 0 else False


def histogram(
    dated: dict[str, Any],
    total: int,
    fetch: Callable[[str, int], dict[str, Any]],
) -> DateHistogram:
    """The date facet of the dated part of a result.

    ``dated`` is the search of that part faceted by ``day_n`` (whose min/max stats pick
    the interval, as in Whoosh) and by ``year`` (the year buckets); month (<= 25) or day
    (<= 63) buckets, needed only for short spans, come from ``fetch(field, max values)``.
    """
    found = int(dated.get("found") or 0)
    undated = max(total - found, 0)
    stats = facet_stats(dated, "day_n")
    if not found or "min" not in stats:
        return DateHistogram(interval="day", buckets=(), undated=undated)
    interval = choose_interval(int(stats["min"]), int(stats["max"]))
    if interval == "year":
        counts, _ = facet_counts(dated, "year")
    else:
        wanted = 26 if interval == "month" else MONTH_SPAN_DAYS + 2
        counts, _ = facet_counts(fetch(interval, wanted), interval)
    buckets = tuple(DateBucket(k, counts[k]) for k in sorted(counts) if counts[k])
    return contiguous(buckets, interval, undated)
