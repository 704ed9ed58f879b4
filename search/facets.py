"""The facet registry: one definition per facet, read by every layer.

A facet is something users filter a search by and see counted beside the results: its
``name`` (the request parameter, the JSON key under ``facets``, the finder's URL), the
``SearchRequest`` field holding the selected values, the ``IndexDocument`` field holding
each article's values, whether several selected values narrow (every one: AND) or widen
(any one: OR), how a value is shown (a country code as its name) and how what a user
types finds values (the facet finder).

The service, both backends, the serializers, the web pages, the links and the OpenAPI
document iterate ``FACETS``; adding a facet is one entry here plus how each backend
stores the field (its schema). The date facet is not a value facet: it is the histogram
of ``SearchPage.dates``, with its own ``from``/``to`` parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from search.errors import QueryError
from search.places import country_name, resolve_country

if TYPE_CHECKING:
    from search.models import SearchRequest

# What a user typed in a facet finder -> a test of each value (see ``FacetSpec.finder``).
Finder = Callable[[str], Callable[[str], bool]]


@dataclass(frozen=True, slots=True)
class FacetSpec:
    """One facet: its names in each layer and its behaviour."""

    name: str  # request parameter, JSON key, finder URL ("actor")
    title: str  # heading on the search page ("Actor")
    request_field: str  # the SearchRequest field of the selected values ("actors")
    doc_field: str  # the IndexDocument field of an article's values ("actors")
    narrows: bool  # True: an article must have every selected value; False: any one
    description: str  # of the request parameter (OpenAPI document, CLI help)
    example: str  # placeholder of the finder box
    # Display name of a stored value (a country code -> "Russia"); None: shown as stored.
    label: Callable[[str], str] | None = None
    # A value as a user gives it in a filter -> the stored value; raises QueryError.
    canonical: Callable[[str], str] | None = None
    # How a finder's text matches values; None: a word of the value starts with it.
    finder: Finder | None = None
    # Whether values have other names in the archive's alias table (actors).
    aliases: bool = False

    def selected(self, request: SearchRequest) -> tuple[str, ...]:
        """The values of this facet a request filters by."""
        values: tuple[str, ...] = getattr(request, self.request_field)
        return values

    def display(self, value: str) -> str:
        """A value as users read it."""
        return self.label(value) if self.label else value

    @property
    def exclude_param(self) -> str:
        """The request parameter of the values to leave out ("not_actor")."""
        return f"not_{self.name}"

    @property
    def exclude_field(self) -> str:
        """The SearchRequest field of the excluded values ("not_actors")."""
        return f"not_{self.request_field}"

    def excluded(self, request: SearchRequest) -> tuple[str, ...]:
        """The values of this facet a request leaves out (an article with any is dropped)."""
        values: tuple[str, ...] = getattr(request, self.exclude_field)
        return values

    def matcher(self, text: str) -> Callable[[str], bool]:
        """The test of each value for what a user typed in the finder: the facet's own
        ``finder``, else a word of the value starting with ``text`` (any case)."""
        return self.finder(text) if self.finder else word_start(text)

    @property
    def indefinite(self) -> str:
        """The facet's noun with its article ("an actor", "a country")."""
        noun = self.title.lower()
        return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def word_start(text: str) -> Callable[[str], bool]:
    """A test of values: ``text`` (any case) starts the value or one of its words.

    "volcker" finds "Paul Volcker", "vol" finds "Volkswagen AG" and "paul vol" finds
    "Paul Volcker"; a word starts after anything that is not a letter or digit, so "bank"
    finds "Deutsche Bank-Gruppe" and "o'neill" finds "Tip O'Neill".
    """
    wanted = " ".join(text.casefold().split())
    if not wanted:
        return lambda value: True

    def matches(value: str) -> bool:
        folded = " ".join(value.casefold().split())
        start = folded.find(wanted)
        while start >= 0:
            if start == 0 or not folded[start - 1].isalnum():
                return True
            start = folded.find(wanted, start + 1)
        return False

    return matches


def country_label(code: str) -> str:
    """Display name of an ISO alpha-2 code ("RU" -> "Russia"); unknown codes as given."""
    return country_name(code) or code


def normalize_country(value: str) -> str:
    """An ISO alpha-2 code or a country name/demonym -> upper-case ISO alpha-2."""
    code = resolve_country(value)
    if code is None:
        raise QueryError(f"unknown country {value!r}: use an ISO code like RU or a name")
    return code


def find_countries(text: str) -> Callable[[str], bool]:
    """Codes a finder's ``text`` names: by code or name prefix, or through the place table
    (a demonym, capital or other name: "iranian" finds IR)."""
    wanted = text.casefold()
    named = resolve_country(text) if text.strip() else None
    by_word = word_start(text)
    return lambda code: (
        code == named or code.casefold().startswith(wanted) or by_word(country_label(code))
    )


ACTOR = FacetSpec(
    name="actor",
    title="Actor",
    request_field="actors",
    doc_field="actors",
    narrows=True,
    description="Only articles with this actor (canonical name); repeat to narrow.",
    example="e.g. Volcker or Putin",
    aliases=True,
)
COUNTRY = FacetSpec(
    name="country",
    title="Country",
    request_field="countries",
    doc_field="countries",
    narrows=True,
    description="ISO 3166-1 alpha-2 code or country name; repeat to narrow.",
    example="e.g. Iran or IR",
    label=country_label,
    canonical=normalize_country,
    finder=find_countries,
)
SOURCE = FacetSpec(
    name="source",
    title="Source",
    request_field="sources",
    doc_field="source",
    narrows=False,
    description="Only articles from this source; repeat to widen (any of them).",
    example="e.g. reuters",
)

# Every value facet, in the order pages, JSON and links show them.
FACETS: Mapping[str, FacetSpec] = MappingProxyType(
    {spec.name: spec for spec in (ACTOR, COUNTRY, SOURCE)}
)


def facet_spec(name: str) -> FacetSpec:
    """The facet called ``name``; ``QueryError`` naming the facets there are."""
    spec = FACETS.get(name)
    if spec is None:
        raise QueryError(f"unknown facet {name!r}: use one of {', '.join(FACETS)}")
    return spec
