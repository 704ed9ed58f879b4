"""Links between search states: add or remove a filter, change the page, sort or dates.

Every action on the search page is a plain link built here, so the site works without
JavaScript and every state has a shareable URL. Links carry the canonical values of a
parsed ``SearchRequest`` (country codes, not names), never the raw query string.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from search.facets import FACETS
from search.models import SearchRequest

DEFAULT_PER_PAGE = 20
DEFAULT_FACET_SIZE = 10
DEFAULT_GROUP = "copy"
DEFAULT_COUNT = "articles"


def default_sort(q: str) -> str:
    """The sort a request gets when none is given (mirrors ``parse_search_params``)."""
    return "relevance" if q.strip() else "newest"


@dataclass(frozen=True, slots=True)
class SearchState:
    """A parsed request plus the path its links point to ("/" or "/api/search")."""

    request: SearchRequest
    path: str = "/"

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """The request as query pairs, with ``changes`` applied (None drops a key).

        Changing anything but ``page`` goes back to page 1: a new filter makes the old
        page number meaningless.
        """
        r = self.request
        values: dict[str, Any] = {
            "q": r.q,
            **{name: list(spec.selected(r)) for name, spec in FACETS.items()},
            **{spec.exclude_param: list(spec.excluded(r)) for spec in FACETS.values()},
            "from": r.from_text,
            "to": r.to_text,
            "sort": r.sort,
            "story": list(r.stories),
            "copy": list(r.copy_groups),
            "group": r.group,
            "count": r.count,
            "per_page": r.per_page,
            "facet_size": r.facet_size,
            "page": r.page,
        }
        if "page" not in changes:
            values["page"] = 1
        values.update(changes)
        return _pairs(values)

    def url(self, **changes: Any) -> str:
        """This state's URL with ``changes`` (``from_``/``to`` for the date keys)."""
        if "from_" in changes:
            changes["from"] = changes.pop("from_")
        query = urlencode(self.params(**changes))
        return f"{self.path}?{query}" if query else self.path

    def selected(self, facet: str) -> tuple[str, ...]:
        """Selected values of ``facet`` (a name in ``FACETS``)."""
        return FACETS[facet].selected(self.request)

    def is_selected(self, facet: str, value: str) -> bool:
        """Whether ``value`` is one of the facet's filters."""
        return value in self.selected(facet)

    def add(self, facet: str, value: str) -> str:
        """URL with one more value of ``facet`` (narrowing or widening, as the facet does)."""
        current = list(self.selected(facet))
        if value not in current:
            current.append(value)
        return self.url(**{facet: current})

    def remove(self, facet: str, value: str) -> str:
        """URL without ``value`` of ``facet``."""
        return self.url(**{facet: [v for v in self.selected(facet) if v != value]})

    def excluded(self, facet: str) -> tuple[str, ...]:
        """Values of ``facet`` the search leaves out."""
        return FACETS[facet].excluded(self.request)

    def exclude(self, facet: str, value: str) -> str:
        """URL leaving out articles with ``value`` (and no longer requiring it)."""
        spec = FACETS[facet]
        current = [v for v in self.excluded(facet) if v != value] + [value]
        kept = [v for v in self.selected(facet) if v != value]
        return self.url(**{spec.exclude_param: current, facet: kept})

    def include_again(self, facet: str, value: str) -> str:
        """URL without the exclusion of ``value`` (its chip's "x")."""
        spec = FACETS[facet]
        return self.url(**{spec.exclude_param: [v for v in self.excluded(facet) if v != value]})

    def toggle(self, facet: str, value: str) -> str:
        """Remove a selected value, add an unselected one (facet sidebar links)."""
        if self.is_selected(facet, value):
            return self.remove(facet, value)
        return self.add(facet, value)

    def page_url(self, page: int) -> str:
        """URL of another page of the same results."""
        return self.url(page=page)

    def hidden_fields(self, *, exclude: Iterable[str] = ()) -> list[tuple[str, str]]:
        """Pairs for hidden inputs, so a form (new query, sort) keeps the other filters."""
        skip = set(exclude) | {"page"}
        return [(k, v) for k, v in self.params() if k not in skip]

    def without_filters(self) -> str:
        """URL of the same query with no facet, exclusion, date, story or copy filter."""
        return self.url(
            **{name: [] for name in FACETS},
            **{spec.exclude_param: [] for spec in FACETS.values()},
            from_=None,
            to=None,
            story=[],
            copy=[],
        )

    @property
    def has_filters(self) -> bool:
        """Whether any facet (or exclusion), date, story or copy filter is applied."""
        r = self.request
        return (
            any(self.selected(name) or self.excluded(name) for name in FACETS)
            or bool(r.from_text or r.to_text)
            or bool(r.stories or r.copy_groups)
        )

    def copies_url(self, group: str) -> str:
        """The copies of one copy group ("+ N copies"): every article, none collapsed."""
        return self.url(copy=[group], group="none", story=[])

    def story_search_url(self, story_id: str) -> str:
        """This search narrowed to one story, every article of it listed."""
        return self.url(story=[story_id], group="none", copy=[])


def _pairs(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Query pairs in a stable order, leaving out defaults so URLs stay short."""
    q = values.get("q") or ""
    defaults = {
        "q": "",
        "sort": default_sort(q),
        "group": DEFAULT_GROUP,
        "count": DEFAULT_COUNT,
        "per_page": DEFAULT_PER_PAGE,
        "facet_size": DEFAULT_FACET_SIZE,
        "page": 1,
    }
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        if value is None or (key in defaults and value == defaults[key]):
            continue
        if isinstance(value, list | tuple):
            pairs.extend((key, str(v)) for v in value)
        elif value != "":
            pairs.append((key, str(value)))
    return pairs
