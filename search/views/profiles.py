"""An actor's or a country's profile, from searches any reader can run.

Every count is the number of matching articles of a search: the profile's count is
``actor=A`` (or ``country=C``), a co-mention's ``actor=A&actor=B`` (facet counts of the
profile's search), a bucket's ``actor=A&from=K&to=K``. Lift compares a co-mention with
chance: P(A and B) / (P(A) P(B)) = count(A, B) * N / (count(A) * count(B)), N the
archive's articles, count(B) over the whole archive (``Backend.value_counts``).
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from search.errors import ProfileError, QueryError
from search.facets import country_label, normalize_country
from search.models import FacetValue, SearchPage, SearchRequest
from search.places import places
from search.views.coverage import contiguous, key_end, key_start
from search.views.records import CoValue, NodeKind, Profile

if TYPE_CHECKING:
    from search.service import SearchService

CO_VALUES = 15  # actors and countries listed as mentioned with the subject
SOURCES = 10
LATEST = 10
STORY_ROWS = 5
MAX_NAME_CHARS = 200
KINDS: tuple[NodeKind, ...] = ("actor", "country")
# Entries of the place table shown as a country's other names (not its cities).
# Names first, then demonyms, then metonyms; abbreviations are mostly US states ("ala").
COUNTRY_ALIAS_KINDS = ("name", "alt", "demonym", "metonym")
MAX_COUNTRY_ALIASES = 12


@lru_cache(maxsize=512)
def country_aliases(code: str) -> tuple[str, ...]:
    """Other names the extraction reads as country ``code`` (names, demonyms, metonyms
    such as "the Kremlin"; the place table keeps them lower-cased), its own name left out."""
    own = country_label(code).casefold()
    found = sorted(
        (COUNTRY_ALIAS_KINDS.index(place.kind), name)
        for name, place in places().items()
        if place.code == code and place.kind in COUNTRY_ALIAS_KINDS and name != own
    )
    return tuple(name for _, name in found[:MAX_COUNTRY_ALIASES])


def subject_request(kind: NodeKind, value: str) -> SearchRequest:
    """The search of every article naming the subject (newest first)."""
    if kind == "actor":
        return SearchRequest(actors=(value,), sort="newest")
    return SearchRequest(countries=(value,), sort="newest")


def resolve(service: SearchService, kind: NodeKind, value: str) -> str:
    """The subject as indexed: an actor's canonical name (through the archive's alias
    table), a country's ISO code (from a code, name or demonym); ``ProfileError`` (404)
    for what cannot be one."""
    text = " ".join(value.split())
    if not text or len(text) > MAX_NAME_CHARS or not text.isprintable():
        raise ProfileError(f"no {kind} called {value[:40]!r}")
    if kind == "country":
        try:
            return normalize_country(text)
        except QueryError as e:
            raise ProfileError(f"no country {text!r}: use an ISO code like RU or a name") from e
    return service.canonical_actor(text)


def _spelling(page: SearchPage, facet: str, value: str) -> str:
    """The subject's spelling as the index holds it (the facet's selected value)."""
    for v in page.facets[facet].values if facet in page.facets else ():
        if v.value.casefold() == value.casefold() and v.count:
            return v.value
    return value


def _co_values(
    service: SearchService,
    facet: str,
    values: tuple[FacetValue, ...],
    subject: str,
    count: int,
    archive: int,
) -> tuple[CoValue, ...]:
    """The values of a facet mentioned with the subject, with counts and lift."""
    others = [v for v in values if v.count and v.value.casefold() != subject.casefold()]
    # (``subject`` is "" for the other facet: nothing is left out.)
    others = sorted(others, key=lambda v: (-v.count, v.value))[:CO_VALUES]
    totals = service.backend.value_counts(facet, [v.value for v in others]) if others else {}
    out = []
    for v in others:
        alone = totals.get(v.value, 0)
        lift = v.count * archive / (count * alone) if count and alone else 0.0
        out.append(CoValue(v.value, v.count, round(lift, 3)))
    return tuple(out)


def build_profile(
    service: SearchService, kind: NodeKind, value: str, *, share: bool = False
) -> Profile:
    """The profile of an actor or a country; ``ProfileError`` when no article names it.

    ``share`` also counts the archive's articles per bucket (one more search, over the
    whole archive in the timeline's span), so each bucket has its share of them."""
    if kind not in KINDS:
        raise ProfileError(f"no profile of kind {kind!r}: use actor or country")
    subject = resolve(service, kind, value)
    base = subject_request(kind, subject)
    facet = "actor" if kind == "actor" else "country"
    main = service.search(replace(base, per_page=LATEST, facet_size=CO_VALUES + 1))
    count = main.articles
    if not count:
        shown = country_label(subject) if kind == "country" else subject
        raise ProfileError(f"no article mentions {kind} {shown!r}")
    subject = _spelling(main, facet, subject)
    archive = service.backend.count()
    timeline = contiguous(main.dates)
    if share and timeline.buckets:
        # The archive's articles per bucket, at the same interval (the same span gives
        # the same interval; if the archive's span in the range is longer, no shares).
        first, last = timeline.buckets[0].key, timeline.buckets[-1].key
        everything = service.search(
            SearchRequest(
                date_from=key_start(first),
                date_to=key_end(last),
                group="none",
                sort="newest",
                per_page=0,
                facet_size=1,
            )
        )
        if everything.dates.interval == timeline.interval:
            of_all = {b.key: b.count for b in everything.dates.buckets}
            timeline = contiguous(main.dates, of_all)

    def own(name: str) -> str:
        """The subject, among the values of its own facet only."""
        return subject if name == facet else ""

    stories = service.search(replace(base, group="story", per_page=STORY_ROWS, facet_size=1))
    return Profile(
        kind=kind,
        value=subject,
        label=country_label(subject) if kind == "country" else subject,
        count=count,
        archive=archive,
        aliases=tuple(service.also_known_as(subject))
        if kind == "actor"
        else country_aliases(subject),
        timeline=timeline,
        co_actors=_co_values(
            service, "actor", _values(main, "actor"), own("actor"), count, archive
        ),
        co_countries=_co_values(
            service, "country", _values(main, "country"), own("country"), count, archive
        ),
        sources=_values(main, "source")[:SOURCES],
        latest=main.hits,
        stories=tuple(h for h in stories.hits if h.story is not None and h.story.size > 1),
    )


def _values(page: SearchPage, facet: str) -> tuple[FacetValue, ...]:
    return page.facets[facet].values if facet in page.facets else ()
