"""Turn request parameters (web query string, CLI options) into a validated SearchRequest.

Both front doors call ``parse_search_params`` so they accept and reject exactly the same
input, with the same messages.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from search.errors import QueryError
from search.facets import FACETS, FacetSpec
from search.models import CountMode, Grouping, SearchRequest, SortOrder

MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MAX_FACET_SIZE = 100
MAX_VALUES = 20  # values per repeatable filter
MAX_VALUE_CHARS = 200
SORTS: tuple[SortOrder, ...] = ("relevance", "newest", "oldest")
GROUPS: tuple[Grouping, ...] = ("copy", "story", "none")
COUNTS: tuple[CountMode, ...] = ("articles", "stories")
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")

Params = Mapping[str, str | Sequence[str]]
# Every parameter ``parse_search_params`` reads (the web adds ``format`` for exports).
SEARCH_PARAMS = (
    "q",
    *FACETS,
    *(spec.exclude_param for spec in FACETS.values()),
    "from",
    "to",
    "sort",
    "page",
    "per_page",
    "facet_size",
    "story",
    "copy",
    "group",
    "count",
)


def parse_search_params(params: Params, extra: Sequence[str] = ()) -> SearchRequest:
    """Validate the ``SEARCH_PARAMS`` (``q``, facets and their ``not_`` exclusions, dates,
    sort, paging, grouping) into a ``SearchRequest``.

    A parameter that is neither one of them nor in ``extra`` (what the caller reads
    itself, such as ``format``) raises ``QueryError`` naming it: a misspelt filter
    (``contry=IR``) must not quietly search everything. A bad value raises ``QueryError``
    naming the parameter and what is allowed. ``q`` is parsed by ``SearchRequest`` itself
    (``search.query``), with that module's messages.
    """
    check_known(params, (*SEARCH_PARAMS, *extra))
    q = _single(params, "q") or ""
    from_text = _single(params, "from")
    to_text = _single(params, "to")
    date_from = parse_date_bound(from_text, "from", end=False)
    date_to = parse_date_bound(to_text, "to", end=True)
    if date_from and date_to and date_from > date_to:
        raise QueryError(f"from ({from_text}) is after to ({to_text})")
    sort = _single(params, "sort") or ("relevance" if q.strip() else "newest")
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    group = _single(params, "group") or "copy"
    if group not in GROUPS:
        raise QueryError(f"group must be one of {', '.join(GROUPS)}, not {group!r}")
    count = _single(params, "count") or "articles"
    if count not in COUNTS:
        raise QueryError(f"count must be one of {', '.join(COUNTS)}, not {count!r}")
    # Typed Any: mypy cannot tell these keys from SearchRequest's other fields.
    filters: dict[str, Any] = {
        spec.request_field: _facet_values(params, spec) for spec in FACETS.values()
    }
    for spec in FACETS.values():
        excluded = _facet_values(params, spec, spec.exclude_param)
        both = set(excluded) & set(filters[spec.request_field])
        if both:
            raise QueryError(
                f"{spec.name} and {spec.exclude_param} both name {sorted(both)[0]!r}: "
                "an article cannot both have it and not have it"
            )
        filters[spec.exclude_field] = excluded
    return SearchRequest(
        q=q.strip(),
        **filters,
        date_from=date_from,
        date_to=date_to,
        sort=sort,  # type: ignore[arg-type]  # checked against SORTS above
        page=_int(params, "page", 1, 1, MAX_PAGE),
        per_page=_int(params, "per_page", 20, 1, MAX_PER_PAGE),
        facet_size=_int(params, "facet_size", 10, 1, MAX_FACET_SIZE),
        from_text=from_text,
        to_text=to_text,
        stories=_values(params, "story"),
        copy_groups=_values(params, "copy"),
        group=group,  # type: ignore[arg-type]  # checked against GROUPS above
        count=count,  # type: ignore[arg-type]  # checked against COUNTS above
    )


def parse_date_bound(text: str | None, name: str, *, end: bool) -> date | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` -> the first (or, for ``end``, last) day."""
    if text is None or not text.strip():
        return None
    match = _DATE.match(text.strip())
    if not match:
        raise QueryError(f"{name} must be YYYY, YYYY-MM or YYYY-MM-DD, not {text!r}")
    year = int(match[1])
    month = int(match[2]) if match[2] else (12 if end else 1)
    try:
        if match[3]:
            return date(year, month, int(match[3]))
        day = calendar.monthrange(year, month)[1] if end else 1
        return date(year, month, day)
    except (ValueError, calendar.IllegalMonthError) as e:
        raise QueryError(f"{name} is not a real date: {text!r}") from e


def check_known(params: Params, known: Sequence[str]) -> None:
    """``QueryError`` naming every parameter of ``params`` not in ``known``."""
    unknown = sorted(k for k in params if k not in known)
    if unknown:
        names = ", ".join(repr(k[:40]) for k in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise QueryError(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {names}{more}; "
            f"known: {', '.join(known)}"
        )


def _facet_values(params: Params, spec: FacetSpec, name: str | None = None) -> tuple[str, ...]:
    """The selected (or, with ``name``, excluded) values of one facet, in their stored
    form (country names -> codes)."""
    values = _values(params, name or spec.name)
    if spec.canonical is None:
        return values
    return tuple(dict.fromkeys(spec.canonical(v) for v in values))


def _raw(params: Params, name: str) -> list[str]:
    value = params.get(name)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _single(params: Params, name: str) -> str | None:
    values = _raw(params, name)
    if len(values) > 1 and len(set(values)) > 1:
        raise QueryError(f"{name} was given {len(values)} times; give it once")
    return values[0] if values else None


def _values(params: Params, name: str) -> tuple[str, ...]:
    values = [v.strip() for v in _raw(params, name) if v.strip()]
    if len(values) > MAX_VALUES:
        raise QueryError(f"at most {MAX_VALUES} {name} values, got {len(values)}")
    for v in values:
        if len(v) > MAX_VALUE_CHARS:
            raise QueryError(f"{name} value is too long (at most {MAX_VALUE_CHARS} characters)")
    return tuple(dict.fromkeys(values))


def _int(params: Params, name: str, default: int, low: int, high: int) -> int:
    text = _single(params, name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError as e:
        raise QueryError(f"{name} must be a whole number, not {text!r}") from e
    if not low <= value <= high:
        raise QueryError(f"{name} must be between {low} and {high}, not {value}")
    return value
