"""TEMPORARY stand-in for issue 13's engine side (helper F1), so the web layer can be
tested before it lands: delete this module when F1's service and backends are merged.

It groups in Python over every matching article (fine for test indexes of a few dozen
articles, hopeless at Reuters scale): copy groups, stories, the ``story=``/``copy=``
filters and ``SearchService.story``. Facets and the histogram are the backend's (they
ignore the story and copy filters).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

from search.backends import Backend
from search.backends.shared import choose_interval, lead
from search.errors import StoryError
from search.models import (
    DateBucket,
    DateHistogram,
    FacetValue,
    Hit,
    IndexDocument,
    SearchPage,
    SearchRequest,
    Story,
    StoryRef,
)

STORY_ARTICLES = 200
_FETCH = 100


def grouped_search(backend: Backend, request: SearchRequest) -> SearchPage:
    """Search every match, then filter by story/copy and group as the request asks."""
    docs = {d.id: d for d in backend.iter_documents()}
    sizes = Counter(d.story_key for d in docs.values())
    base = replace(request, page=1, per_page=_FETCH)
    first = backend.search(base)
    hits = list(first.hits)
    number = 1
    while number * _FETCH < first.total:
        number += 1
        hits += backend.search(replace(base, page=number)).hits
    hits = [h for h in hits if _keep(docs[h.id], request)]
    rows = _rows([_decorate(h, docs[h.id], sizes) for h in hits], request, docs)
    start = request.offset
    return replace(
        first,
        request=request,
        total=len(rows),
        articles=len(hits),
        hits=tuple(rows[start : start + request.per_page]),
    )


def _keep(doc: IndexDocument, request: SearchRequest) -> bool:
    if request.stories and doc.story_key not in request.stories:
        return False
    return not request.copy_groups or doc.copy_key in request.copy_groups


def _decorate(hit: Hit, doc: IndexDocument, sizes: Counter[str]) -> Hit:
    return replace(
        hit, story=StoryRef(doc.story_key, sizes[doc.story_key]), copy_group=doc.copy_key
    )


def _rows(hits: list[Hit], request: SearchRequest, docs: dict[str, IndexDocument]) -> list[Hit]:
    if request.group == "none":
        return hits
    key = (lambda h: h.copy_group) if request.group == "copy" else (lambda h: h.story.id)  # type: ignore[union-attr]
    best: dict[str, Hit] = {}
    counts: Counter[str] = Counter()
    for hit in hits:
        counts[key(hit)] += 1
        best.setdefault(key(hit), hit)
    rows = []
    for k, hit in best.items():
        if request.group == "copy":
            rows.append(replace(hit, copies=counts[k] - 1))
        else:
            members = [d for d in docs.values() if d.story_key == k]
            days = sorted(d.published.date() for d in members if d.published)
            ref = StoryRef(
                k,
                len(members),
                days[0] if days else None,
                days[-1] if days else None,
                len({d.source for d in members if d.source}),
            )
            rows.append(replace(hit, story=ref))
    return rows


def load_story(backend: Backend, story_id: str) -> Story:
    """One story with its articles oldest first; ``StoryError`` for an unknown id."""
    members = [d for d in backend.iter_documents() if d.story_key == story_id]
    if not members:
        raise StoryError(f"no story with id {story_id[:40]!r}")
    members.sort(key=lambda d: (d.published is None, d.published or 0, d.id))
    days = [d.published.date() for d in members if d.published]
    return Story(
        id=story_id,
        title=members[0].title,
        size=len(members),
        first=min(days) if days else None,
        last=max(days) if days else None,
        sources=_values(d.source for d in members if d.source),
        actors=_values(a for d in members for a in d.actors),
        countries=_values(c for d in members for c in d.countries),
        dates=_histogram(days, len(members) - len(days)),
        articles=tuple(
            Hit(
                id=d.id,
                title=d.title,
                snippet=lead(d.body),
                url=d.url,
                source=d.source,
                published=d.published,
                actors=d.actors,
                countries=d.countries,
                story=StoryRef(story_id, len(members)),
                copy_group=d.copy_key,
            )
            for d in members[:STORY_ARTICLES]
        ),
    )


def _values(values: object) -> tuple[FacetValue, ...]:
    counts = Counter(values)  # type: ignore[call-overload]
    return tuple(FacetValue(v, c) for v, c in sorted(counts.items(), key=lambda i: (-i[1], i[0])))


def _histogram(days: list[date], undated: int) -> DateHistogram:
    if not days:
        return DateHistogram(undated=undated)
    interval = choose_interval(min(days).toordinal(), max(days).toordinal())
    width = {"year": 4, "month": 7, "day": 10}[interval]
    counts = Counter(d.isoformat()[:width] for d in days)
    buckets = tuple(DateBucket(k, c) for k, c in sorted(counts.items()))
    return DateHistogram(interval, buckets, undated)
