"""JSON shapes of Dateline's records: the public API contract and the extraction cache."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from search.facets import FACETS, FacetSpec, country_label
from search.models import (
    Actor,
    CountryMention,
    DateHistogram,
    DateMention,
    Entities,
    Facet,
    FacetValue,
    Hit,
    IndexDocument,
    Mention,
    SearchPage,
    SearchRequest,
    Story,
    StoryRef,
)


def iso_date(value: datetime | date | None) -> str | None:
    """A publication datetime as the ISO day users see, or None."""
    if value is None:
        return None
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()


def request_json(request: SearchRequest) -> dict[str, Any]:
    """The ``query`` block echoed in every search response."""
    return {
        "q": request.q,
        **{name: list(spec.selected(request)) for name, spec in FACETS.items()},
        **{spec.exclude_param: list(spec.excluded(request)) for spec in FACETS.values()},
        "from": request.from_text,
        "to": request.to_text,
        "sort": request.sort,
        "story": list(request.stories),
        "copy": list(request.copy_groups),
        "group": request.group,
        "count": request.count,
    }


def hit_json(hit: Hit) -> dict[str, Any]:
    """One result in the JSON contract."""
    return {
        "id": hit.id,
        "title": hit.title,
        "url": hit.url,
        "source": hit.source,
        "published": iso_date(hit.published),
        "snippet": hit.snippet,
        "actors": list(hit.actors),
        "countries": [{"code": c, "name": country_label(c)} for c in hit.countries],
        "score": None if hit.score is None else round(hit.score, 4),
        "story": story_ref_json(hit.story or StoryRef(hit.id, 1)),
        # An article alone in its copy group is its own group (the contract's "").
        "copy_group": hit.copy_group or hit.id,
        "copies": hit.copies,
    }


def story_ref_json(ref: StoryRef) -> dict[str, Any]:
    """A hit's story: id and size, plus span and source count when the search knows them."""
    out: dict[str, Any] = {"id": ref.id, "size": ref.size}
    if ref.first is not None or ref.last is not None:
        out["first"] = iso_date(ref.first)
        out["last"] = iso_date(ref.last)
    if ref.sources:
        out["sources"] = ref.sources
    return out


def facet_json(facet: Facet, spec: FacetSpec) -> dict[str, Any]:
    """A facet's values with counts (a labelled facet's also carry their display label)."""
    values = []
    for v in facet.values:
        item: dict[str, Any] = {"value": v.value, "count": v.count, "selected": v.selected}
        if spec.label:
            item["label"] = spec.label(v.value)
        values.append(item)
    return {"values": values, "truncated": facet.truncated}


def page_json(page: SearchPage) -> dict[str, Any]:
    """A whole search page in the JSON contract of docs/architecture.md."""
    request = page.request
    return {
        "ok": True,
        "total": page.total,
        # Matching articles before copies or stories were grouped into rows.
        "articles": page.articles,
        "page": request.page,
        "per_page": request.per_page,
        "took_ms": round(page.took_ms, 1),
        "query": request_json(request),
        "hits": [hit_json(h) for h in page.hits],
        "facets": {
            **{
                name: facet_json(page.facets.get(name) or Facet(), spec)
                for name, spec in FACETS.items()
            },
            "date": histogram_json(page.dates),
        },
        "suggestion": page.suggestion,
    }


def histogram_json(dates: DateHistogram) -> dict[str, Any]:
    """A date histogram: its interval, every bucket from the first dated article's to the
    last's (empty ones with count 0) and the undated articles, counted apart."""
    return {
        "interval": dates.interval,
        "buckets": [{"key": b.key, "count": b.count} for b in dates.buckets],
        "undated": dates.undated,
    }


def values_json(values: tuple[FacetValue, ...], spec: FacetSpec) -> list[dict[str, Any]]:
    """A story's facet values with counts (and display labels for a labelled facet)."""
    out = []
    for v in values:
        item: dict[str, Any] = {"value": v.value, "count": v.count}
        if spec.label:
            item["label"] = spec.label(v.value)
        out.append(item)
    return out


def story_json(story: Story) -> dict[str, Any]:
    """One story (``/api/stories/<id>``): span, sources, actors, countries, coverage, articles."""
    return {
        "ok": True,
        "id": story.id,
        "title": story.title,
        "size": story.size,
        "first": iso_date(story.first),
        "last": iso_date(story.last),
        "sources": values_json(story.sources, FACETS["source"]),
        "actors": values_json(story.actors, FACETS["actor"]),
        "countries": values_json(story.countries, FACETS["country"]),
        "coverage": histogram_json(story.dates),
        "articles": [hit_json(h) for h in story.articles],
    }


def document_json(doc: IndexDocument) -> dict[str, Any]:
    """One stored article (``/api/articles/<id>``)."""
    return {
        "ok": True,
        "id": doc.id,
        "title": doc.title,
        "url": doc.url,
        "source": doc.source,
        "dateline": doc.dateline,
        "published": doc.published.isoformat() if doc.published else None,
        "body": doc.body,
        "actors": [
            {"name": name, "kind": kind}
            for name, kind in zip(doc.actors, doc.actor_kinds, strict=False)
        ],
        "countries": [{"code": c, "name": country_label(c)} for c in doc.countries],
        "dates_mentioned": list(doc.dates_mentioned),
        "mentions": [
            {"start": s.start, "end": s.end, "type": s.type, "value": s.value} for s in doc.spans
        ],
        "content_hash": doc.content_hash,
        "indexed_at": doc.indexed_at.isoformat() if doc.indexed_at else None,
    }


def _mention(m: Mention) -> list[Any]:
    return [m.start, m.end, m.surface]


def _unmention(raw: list[Any]) -> Mention:
    return Mention(int(raw[0]), int(raw[1]), str(raw[2]))


def entities_json(entities: Entities, text: str | None = None) -> dict[str, Any]:
    """Entities as plain JSON (``dateline extract`` output and the extraction cache)."""
    out: dict[str, Any] = {
        "actors": [
            {
                "name": a.name,
                "kind": a.kind,
                "mentions": [
                    {"start": m.start, "end": m.end, "surface": m.surface} for m in a.mentions
                ],
            }
            for a in entities.actors
        ],
        "countries": [
            {
                "code": c.code,
                "name": c.name,
                "salient": c.salient,
                "mentions": [
                    {"start": m.start, "end": m.end, "surface": m.surface} for m in c.mentions
                ],
            }
            for c in entities.countries
        ],
        "dates": [
            {
                "start": d.mention.start,
                "end": d.mention.end,
                "surface": d.mention.surface,
                "from": d.start.isoformat() if d.start else None,
                "to": d.end.isoformat() if d.end else None,
            }
            for d in entities.dates
        ],
    }
    if text is not None:
        out = {"text": text, **out}
    return out


def encode_entities(entities: Entities) -> str:
    """Compact JSON for the extraction cache."""
    return json.dumps(
        {
            "a": [[a.name, a.kind, [_mention(m) for m in a.mentions]] for a in entities.actors],
            "c": [
                [c.code, c.name, [_mention(m) for m in c.mentions], c.salient]
                for c in entities.countries
            ],
            "d": [
                [
                    _mention(d.mention),
                    d.start.isoformat() if d.start else None,
                    d.end.isoformat() if d.end else None,
                ]
                for d in entities.dates
            ],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def decode_entities(payload: str) -> Entities:
    """Inverse of ``encode_entities``."""
    raw = json.loads(payload)
    return Entities(
        actors=tuple(
            Actor(name, kind, tuple(_unmention(m) for m in ms)) for name, kind, ms in raw["a"]
        ),
        countries=tuple(
            # Entries written before salience have three fields: all countries were salient.
            CountryMention(c[0], c[1], tuple(_unmention(m) for m in c[2]), *c[3:4])
            for c in raw["c"]
        ),
        dates=tuple(
            DateMention(
                _unmention(m),
                date.fromisoformat(s) if s else None,
                date.fromisoformat(e) if e else None,
            )
            for m, s, e in raw["d"]
        ),
    )
