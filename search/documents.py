"""Article + Entities -> IndexDocument: the one place that decides what gets indexed."""

from __future__ import annotations

import bisect
from dataclasses import replace
from datetime import date, datetime, timedelta

from search.aliases import AliasTable
from search.models import Actor, ActorKind, Article, Entities, IndexDocument, MarkedSpan

# A mentioned range ("last week", "June") is indexed day by day up to this length, so a
# `mentioned:` filter on any of its days finds it; longer ranges keep only their first day.
MAX_RANGE_DAYS = 31


def build_document(
    article: Article,
    entities: Entities,
    aliases: AliasTable | None = None,
    indexed_at: datetime | None = None,
) -> IndexDocument:
    """The index document of one article; ``aliases`` names actors across the archive."""
    actors, kinds, spans = _actor_fields(entities.actors, aliases or AliasTable())
    # The facet holds every country the story names, passing mentions included: issue 2's
    # acceptance files the seed under SY for one late "in Syria". Which ones the story is
    # about (CountryMention.salient) is kept in the extraction for a facet of its own.
    countries = [c.code for c in sorted(entities.countries, key=lambda c: -len(c.mentions))]
    for c in entities.countries:
        spans.extend(MarkedSpan(m.start, m.end, "country", c.code) for m in c.mentions)
    days: dict[str, None] = {}
    for d in entities.dates:
        if d.start is None:
            continue
        spans.append(MarkedSpan(d.mention.start, d.mention.end, "date", d.start.isoformat()))
        days.update(dict.fromkeys(_days(d.start, d.end or d.start)))
    return IndexDocument(
        id=article.id,
        key=article.key,
        title=article.title,
        body=article.body,
        content_hash=article.content_hash,
        url=article.url,
        source=article.source,
        published=article.published,
        actors=actors,
        actor_kinds=kinds,
        countries=tuple(dict.fromkeys(countries)),
        dates_mentioned=tuple(days),
        spans=_drop_overlaps(spans),
        indexed_at=indexed_at,
        dateline=article.dateline,
    )


def rebuild_actors(
    doc: IndexDocument, actors: tuple[Actor, ...], aliases: AliasTable
) -> IndexDocument:
    """``doc`` with its actors named anew from the extracted ``actors`` (before any alias)."""
    names, kinds, spans = _actor_fields(actors, aliases)
    spans.extend(s for s in doc.spans if s.type not in ("person", "org"))
    return replace(doc, actors=names, actor_kinds=kinds, spans=_drop_overlaps(spans))


def apply_aliases(doc: IndexDocument, aliases: AliasTable) -> IndexDocument:
    """The same document with ``aliases`` applied to the actor names it holds now.

    For documents whose extracted names are no longer at hand; :func:`rebuild_actors`
    can also undo an alias the user removed.
    """
    if not any(aliases.changes(a) for a in doc.actors):
        return doc
    merged: dict[str, ActorKind] = {}
    renamed: dict[str, str | None] = {}
    for name, kind in zip(doc.actors, doc.actor_kinds, strict=False):
        target = renamed[name] = aliases.canonical(name)
        if target is not None:
            merged.setdefault(target, kind)
    spans = tuple(
        replace(s, value=renamed.get(s.value, s.value) or "") if s.type in ("person", "org") else s
        for s in doc.spans
        if not (s.type in ("person", "org") and renamed.get(s.value, s.value) is None)
    )
    return replace(doc, actors=tuple(merged), actor_kinds=tuple(merged.values()), spans=spans)


def actor_names(
    entities: Entities, aliases: AliasTable
) -> tuple[tuple[str, ...], tuple[ActorKind, ...]]:
    """The actor values :func:`build_document` gives ``entities`` (what the facet counts),
    and the kind of each."""
    names, kinds, _ = _actor_fields(entities.actors, aliases)
    return names, kinds


def _actor_fields(
    actors: tuple[Actor, ...], aliases: AliasTable
) -> tuple[tuple[str, ...], tuple[ActorKind, ...], list[MarkedSpan]]:
    named: dict[str, ActorKind] = {}
    spans: list[MarkedSpan] = []
    # Most-mentioned first, so lists and chips lead with the main actors.
    for actor in sorted(actors, key=lambda a: -len(a.mentions)):
        name = aliases.canonical(actor.name)
        if name is None:
            continue  # the user says it is no actor
        named.setdefault(name, actor.kind)
        spans.extend(MarkedSpan(m.start, m.end, actor.kind, name) for m in actor.mentions)
    return tuple(named), tuple(named.values()), spans


def _days(start: date, end: date) -> list[str]:
    if end < start or (end - start).days >= MAX_RANGE_DAYS:
        return [start.isoformat()]
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def _drop_overlaps(spans: list[MarkedSpan]) -> tuple[MarkedSpan, ...]:
    """The spans in text order with no two overlapping, so the article page can mark them
    unambiguously. An actor's span wins over a country's or a date's it overlaps ("the
    Federal Reserve" is the Fed, which counts for the US too); else the first and longest.
    """
    kept: list[MarkedSpan] = []  # in text order
    for span in sorted(spans, key=lambda s: (s.type not in _ACTOR_TYPES, s.start, -s.end)):
        at = bisect.bisect_left(kept, span.start, key=lambda k: k.start)
        if at > 0 and kept[at - 1].end > span.start:
            continue
        if at < len(kept) and kept[at].start < span.end:
            continue
        kept.insert(at, span)
    return tuple(kept)


_ACTOR_TYPES = frozenset({"person", "org"})
