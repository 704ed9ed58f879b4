"""Article + Entities -> IndexDocument: the one place that decides what gets indexed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta

from search.models import Article, Entities, IndexDocument, MarkedSpan

# A mentioned range ("last week", "June") is indexed day by day up to this length, so a
# `mentioned:` filter on any of its days finds it; longer ranges keep only their first day.
MAX_RANGE_DAYS = 31


def build_document(
    article: Article,
    entities: Entities,
    aliases: Mapping[str, str] | None = None,
    indexed_at: datetime | None = None,
) -> IndexDocument:
    """The index document of one article; ``aliases`` maps corpus-level short names."""
    aliases = aliases or {}
    actors: dict[str, str] = {}
    spans: list[MarkedSpan] = []
    # Most-mentioned first, so lists and chips lead with the main actors.
    for actor in sorted(entities.actors, key=lambda a: -len(a.mentions)):
        name = aliases.get(actor.name, actor.name)
        actors.setdefault(name, actor.kind)
        spans.extend(MarkedSpan(m.start, m.end, actor.kind, name) for m in actor.mentions)
    countries = [c.code for c in sorted(entities.countries, key=lambda c: -len(c.mentions))]
    for c in entities.countries:
        spans.extend(MarkedSpan(m.start, m.end, "country", c.code) for m in c.mentions)
    days: dict[str, None] = {}
    for d in entities.dates:
        if d.start is None:
            continue
        spans.append(MarkedSpan(d.mention.start, d.mention.end, "date", d.start.isoformat()))
        days.update(dict.fromkeys(_days(d.start, d.end or d.start)))
    spans.sort(key=lambda s: (s.start, -s.end))
    return IndexDocument(
        id=article.id,
        key=article.key,
        title=article.title,
        body=article.body,
        content_hash=article.content_hash,
        url=article.url,
        source=article.source,
        published=article.published,
        actors=tuple(actors),
        actor_kinds=tuple(actors.values()),  # type: ignore[arg-type]  # values are ActorKind
        countries=tuple(dict.fromkeys(countries)),
        dates_mentioned=tuple(days),
        spans=_drop_overlaps(spans),
        indexed_at=indexed_at,
    )


def apply_aliases(doc: IndexDocument, aliases: Mapping[str, str]) -> IndexDocument:
    """The same document with corpus-level aliases applied to its actors and spans."""
    if not any(a in aliases for a in doc.actors):
        return doc
    merged: dict[str, str] = {}
    for name, kind in zip(doc.actors, doc.actor_kinds, strict=False):
        merged.setdefault(aliases.get(name, name), kind)
    spans = tuple(
        replace(s, value=aliases.get(s.value, s.value)) if s.type in ("person", "org") else s
        for s in doc.spans
    )
    return replace(
        doc,
        actors=tuple(merged),
        actor_kinds=tuple(merged.values()),  # type: ignore[arg-type]
        spans=spans,
    )


def _days(start: date, end: date) -> list[str]:
    if end < start or (end - start).days >= MAX_RANGE_DAYS:
        return [start.isoformat()]
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def _drop_overlaps(spans: list[MarkedSpan]) -> tuple[MarkedSpan, ...]:
    """Keep the first of overlapping spans so the article page can mark them unambiguously."""
    kept: list[MarkedSpan] = []
    for span in spans:
        if kept and span.start < kept[-1].end:
            continue
        kept.append(span)
    return tuple(kept)
