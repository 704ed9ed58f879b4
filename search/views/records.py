"""Records of the views: the network of a search, profiles, comparisons, coverage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from search.models import FacetValue, Hit, SearchRequest

NodeKind = Literal["actor", "country"]
Interval = Literal["year", "month", "day"]


@dataclass(frozen=True, slots=True)
class NetworkNode:
    """One actor or country among the top values of a result."""

    kind: NodeKind
    value: str  # canonical actor name or ISO alpha-2 code
    count: int  # matching articles mentioning it

    @property
    def id(self) -> str:
        """Unique across kinds ("actor:Ronald Reagan", "country:US")."""
        return f"{self.kind}:{self.value}"


@dataclass(frozen=True, slots=True)
class NetworkEdge:
    """Two nodes and the matching articles mentioning both (``source`` < ``target`` by
    node order)."""

    source: str  # node id
    target: str  # node id
    count: int


@dataclass(frozen=True, slots=True)
class Network:
    """Who is mentioned with whom in a result: top nodes by count, edges among them."""

    nodes: tuple[NetworkNode, ...] = ()
    edges: tuple[NetworkEdge, ...] = ()


@dataclass(frozen=True, slots=True)
class CoverageBucket:
    """Articles in one bucket, and (when known) articles of the whole archive in it."""

    key: str  # "1987", "1987-03" or "1987-03-02"
    count: int
    of_all: int | None = None

    @property
    def share(self) -> float | None:
        """``count`` as a fraction of the archive's articles of the bucket."""
        if self.of_all is None:
            return None
        return self.count / self.of_all if self.of_all else 0.0


@dataclass(frozen=True, slots=True)
class Coverage:
    """Contiguous, zero-filled buckets at one interval, plus the undated articles."""

    interval: Interval = "day"
    buckets: tuple[CoverageBucket, ...] = ()
    undated: int = 0


@dataclass(frozen=True, slots=True)
class CoValue:
    """A value mentioned with a profile's subject: articles naming both, and the lift
    P(A and B) / (P(A) P(B)) over the archive."""

    value: str
    count: int
    lift: float


@dataclass(frozen=True, slots=True)
class Profile:
    """An actor's or a country's page."""

    kind: NodeKind
    value: str  # canonical actor name (as indexed) or ISO code
    label: str  # display name (a country's name)
    count: int  # articles mentioning it
    archive: int  # articles in the archive (the lift's denominator)
    aliases: tuple[str, ...] = ()
    timeline: Coverage = field(default_factory=Coverage)
    co_actors: tuple[CoValue, ...] = ()
    co_countries: tuple[CoValue, ...] = ()
    sources: tuple[FacetValue, ...] = ()
    latest: tuple[Hit, ...] = ()
    stories: tuple[Hit, ...] = ()  # one row per story, newest first


@dataclass(frozen=True, slots=True)
class Series:
    """One line of a comparison: a search, its label and its counts per shared key."""

    label: str
    request: SearchRequest
    total: int  # matching articles
    counts: tuple[int, ...]
    undated: int = 0


@dataclass(frozen=True, slots=True)
class Comparison:
    """Several searches on one time axis (the same contiguous keys for every series)."""

    interval: Interval = "day"
    keys: tuple[str, ...] = ()
    series: tuple[Series, ...] = ()
