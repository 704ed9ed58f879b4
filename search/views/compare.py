"""Several searches on one timeline: each series is a search, all share one axis.

A comparison is given as ordered ``(key, value)`` pairs, each adding one series:
``s`` a whole search as a query string (``q=oil&country=IR``), ``q`` a query, ``actor``
an actor, ``country`` a country. Each series is searched once (matching articles and
their histogram); the axis is the one a histogram of all of them would get
(``coverage.shared_axis``), finer histograms rolled up to it, gaps filled with zeros.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from search.errors import QueryError
from search.facets import FACETS, country_label
from search.params import MAX_VALUE_CHARS, parse_search_params
from search.query import MAX_QUERY_CHARS
from search.views.coverage import rollup, shared_axis
from search.views.records import Comparison, Series

if TYPE_CHECKING:
    from search.models import SearchRequest
    from search.service import SearchService

SERIES_KEYS = ("s", "q", "actor", "country")
MAX_SERIES = 6
MAX_SPEC_CHARS = 2000


def parse_series(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, SearchRequest]]:
    """``(label, request)`` per series, in the order given; ``QueryError`` (400) for a bad
    one (naming which) or more than ``MAX_SERIES``. Other keys are ignored."""
    out: list[tuple[str, SearchRequest]] = []
    for key, raw in pairs:
        if key not in SERIES_KEYS:
            continue
        value = raw.strip()
        if not value:
            continue
        if len(out) == MAX_SERIES:
            raise QueryError(f"at most {MAX_SERIES} series can be compared")
        limit = MAX_SPEC_CHARS if key == "s" else max(MAX_QUERY_CHARS, MAX_VALUE_CHARS)
        if len(value) > limit:
            raise QueryError(f"series {len(out) + 1} ({key}) is too long (at most {limit})")
        try:
            if key == "s":
                request = parse_search_params(parse_qs(value, keep_blank_values=False))
            else:
                request = parse_search_params({key: value})
        except QueryError as e:
            raise QueryError(f"series {len(out) + 1} ({key}={value[:60]!r}): {e}") from e
        out.append((describe(request), request))
    return out


def describe(request: SearchRequest) -> str:
    """A short label of a search: its query and filters ("oil · country: Iran")."""
    parts = [request.q] if request.q else []
    for name, spec in FACETS.items():
        for value in spec.selected(request):
            shown = country_label(value) if name == "country" else value
            parts.append(f"{spec.title.lower()}: {shown}")
    if request.from_text or request.to_text:
        parts.append(f"{request.from_text or '…'} to {request.to_text or '…'}")
    return " · ".join(parts) or "all articles"


def build_comparison(service: SearchService, series: list[tuple[str, SearchRequest]]) -> Comparison:
    """Every series' matching articles on one contiguous axis."""
    pages = [
        service.search(replace(request, page=1, per_page=0, facet_size=1, group="none"))
        for _, request in series
    ]
    interval, keys = shared_axis([p.dates for p in pages])
    lines = []
    for (label, request), page in zip(series, pages, strict=True):
        counts = rollup({b.key: b.count for b in page.dates.buckets}, interval)
        lines.append(
            Series(
                label=label,
                request=request,
                total=page.articles,
                counts=tuple(counts.get(k, 0) for k in keys),
                undated=page.dates.undated,
            )
        )
    return Comparison(interval=interval, keys=tuple(keys), series=tuple(lines))
