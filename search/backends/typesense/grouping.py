"""Copy groups and stories on Typesense 0.24: ``group_by`` for the rows, and one
follow-up round trip of facet searches, filtered to the page's groups, for what the rows
carry (copies collapsed into each, story sizes in the whole index, for ``group=story``
each story's first and last day and distinct sources).

Measured on 0.24.1: under ``group_by``, ``found`` counts groups and facet counts count
distinct groups per value, so ``count=stories`` is a facet search grouped by story.
Every search here is bounded by the page (at most 100 keys in a filter, values asked =
keys), never by the archive. Pure functions: no I/O, no ``typesense`` import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from search.backends.typesense.schema import COPY_KEY, NO_DAY, STORY_KEY, exact_key
from search.models import Hit, SearchRequest, StoryRef

# The key field of each grouping (``none``: one row per article).
GROUP_FIELDS = {"copy": COPY_KEY, "story": STORY_KEY}
# Typesense 0.24 returns at most 250 hits (groups) per page.
MAX_GROUPS_PER_PAGE = 250
# Pages of (story, source) groups read for the sources of a page of stories.
MAX_SOURCE_PAGES = 8

Many = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def group_field(request: SearchRequest) -> str | None:
    """The field the rows of ``request`` are grouped by, or None."""
    return GROUP_FIELDS.get(request.group)


def facet_group(request: SearchRequest) -> dict[str, Any]:
    """Parameters making facet counts count stories (``count=stories``), else none."""
    if request.count == "stories":
        return {"group_by": STORY_KEY, "group_limit": 1}
    return {}


@dataclass(frozen=True, slots=True)
class Row:
    """The article shown for one row and its grouping keys (hex, as stored)."""

    raw: dict[str, Any]
    copy_key: str
    story_key: str


def rows(response: dict[str, Any]) -> list[Row]:
    """The rows of a page: its hits, or the first hit of each of its groups."""
    if "grouped_hits" in response:
        raws = [g["hits"][0] for g in response.get("grouped_hits") or () if g.get("hits")]
    else:
        raws = list(response.get("hits") or ())
    out = []
    for raw in raws:
        doc = raw["document"]
        doc_id = str(doc["id"])
        out.append(
            Row(
                raw,
                exact_key(doc.get("copy_group") or doc_id),
                exact_key(doc.get("story") or doc_id),
            )
        )
    return out


def follow_ups(
    request: SearchRequest, page_rows: list[Row], matching: dict[str, Any]
) -> list[dict[str, Any]]:
    """The searches giving what the rows carry, in ``apply``'s order.

    ``matching`` are the search parameters of the whole result (query and filters, no
    paging): copies are counted within it; story sizes over the whole index.
    """
    stories = list(dict.fromkeys(r.story_key for r in page_rows))
    whole = {"q": "*", "query_by": "title", "per_page": 0}
    searches = [
        {
            **whole,
            "filter_by": _among(STORY_KEY, stories),
            "facet_by": STORY_KEY,
            "max_facet_values": len(stories),
        }
    ]
    field = group_field(request)
    if field is not None:
        keys = list(dict.fromkeys(_key(r, field) for r in page_rows))
        filters = [matching["filter_by"]] if matching.get("filter_by") else []
        searches.append(
            {
                **matching,
                "per_page": 0,
                "filter_by": " && ".join([*filters, _among(field, keys)]),
                "facet_by": field,
                "max_facet_values": len(keys),
            }
        )
    if request.group == "story":
        grouped = {
            **whole,
            "group_by": STORY_KEY,
            "group_limit": 1,
            "per_page": len(stories),
            "include_fields": f"{STORY_KEY},day_n",
        }
        dated = _among(STORY_KEY, stories) + " && dated:=1"
        searches += [
            {**grouped, "filter_by": dated, "sort_by": "stamp:asc"},
            {**grouped, "filter_by": dated, "sort_by": "stamp:desc"},
        ]
        searches.append(_sources_search(stories, 1))
    return searches


def apply(
    request: SearchRequest,
    page_rows: list[Row],
    answers: list[dict[str, Any]],
    many: Many,
    hit: Callable[[dict[str, Any]], Hit],
) -> list[Hit]:
    """The page's hits with their story, copy group and copies, from the answers to
    ``follow_ups`` (more pages of sources are fetched through ``many`` when needed)."""
    sizes = _counts(answers[0], STORY_KEY)
    field = group_field(request)
    in_result = _counts(answers[1], field) if field is not None else {}
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    sources: dict[str, int] = {}
    if request.group == "story":
        first, last = _days(answers[2]), _days(answers[3])
        stories = list(dict.fromkeys(r.story_key for r in page_rows))
        sources = _source_counts(answers[4], stories, many)
    out = []
    for row in page_rows:
        base = hit(row.raw)
        doc = row.raw["document"]
        story_id = str(doc.get("story") or doc["id"])
        ref = StoryRef(id=story_id, size=sizes.get(row.story_key, 1))
        if request.group == "story":
            ref = replace(
                ref,
                first=_date(first.get(row.story_key)),
                last=_date(last.get(row.story_key)),
                sources=sources.get(row.story_key, 0),
            )
        copies = in_result.get(_key(row, field), 1) - 1 if field is not None else 0
        out.append(
            replace(
                base,
                story=ref,
                copy_group=str(doc.get("copy_group") or doc["id"]),
                copies=max(copies, 0),
            )
        )
    return out


def _key(row: Row, field: str) -> str:
    return row.copy_key if field == COPY_KEY else row.story_key


def _among(field: str, keys: list[str]) -> str:
    # Keys are hex (or "z" + hex): one token each, nothing to quote.
    return f"{field}:=[" + ",".join(keys) + "]"


def _sources_search(stories: list[str], page: int) -> dict[str, Any]:
    """One page of the distinct (story, source) pairs of ``stories``."""
    return {
        "q": "*",
        "query_by": "title",
        "filter_by": _among(STORY_KEY, stories),
        "group_by": f"{STORY_KEY},source_fold",
        "group_limit": 1,
        "per_page": MAX_GROUPS_PER_PAGE,
        "page": page,
        "include_fields": "id",
    }


def _source_counts(first_page: dict[str, Any], stories: list[str], many: Many) -> dict[str, int]:
    """Distinct sources per story, from pages of (story, source) groups."""
    counts: dict[str, int] = {}
    answer, page = first_page, 1
    while True:
        groups = answer.get("grouped_hits") or ()
        for group in groups:
            key = group.get("group_key") or []
            # An article without a source has no source value to count.
            if len(key) == 2 and key[1] not in (None, "", []):
                counts[str(key[0])] = counts.get(str(key[0]), 0) + 1
        seen = page * MAX_GROUPS_PER_PAGE
        if len(groups) < MAX_GROUPS_PER_PAGE or seen >= int(answer.get("found") or 0):
            return counts
        if page >= MAX_SOURCE_PAGES:
            return counts
        page += 1
        answer = many([_sources_search(stories, page)])[0]


def _counts(response: dict[str, Any], field: str) -> dict[str, int]:
    """``{hex key: count}`` of one facet of a response (keys as stored, not decoded)."""
    for fc in response.get("facet_counts") or ():
        if fc.get("field_name") == field:
            return {str(c["value"]): int(c["count"]) for c in fc.get("counts") or ()}
    return {}


def _days(response: dict[str, Any]) -> dict[str, int]:
    """``{story key: day ordinal}`` of the first hit of each group."""
    out = {}
    for group in response.get("grouped_hits") or ():
        hits = group.get("hits") or ()
        if hits:
            doc = hits[0]["document"]
            out[str(doc[STORY_KEY])] = int(doc.get("day_n", NO_DAY))
    return out


def _date(day: int | None) -> date | None:
    return date.fromordinal(day) if day is not None and day != NO_DAY else None
