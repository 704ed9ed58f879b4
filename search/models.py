"""Typed, frozen records passed between Dateline's steps.

The pipeline is ``RawArticle -> Article -> Entities -> IndexDocument``; the search side is
``SearchRequest -> SearchPage``. Every step is a pure function over these records; I/O lives
only in sources, backends and the service.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from search.query import EMPTY_QUERY, Query, parse_query

SortOrder = Literal["relevance", "newest", "oldest"]
ActorKind = Literal["person", "org"]
MentionType = Literal["person", "org", "country", "date"]
# Rows of a result: one per copy group (the default), per story, or per article.
Grouping = Literal["copy", "story", "none"]
# What facet counts count: matching articles, or distinct stories among them.
CountMode = Literal["articles", "stories"]


@dataclass(frozen=True, slots=True)
class RawArticle:
    """One article as read from a source, before cleaning.

    ``key`` identifies the article within its source file (``path`` for a one-article
    file, ``path#n`` or ``path#NEWID`` for a multi-article file); it makes the id stable
    across edits of the article's content.
    """

    key: str
    format: str  # "text" | "html" | "json" | "feed" | "reuters"
    text: str | None = None  # plain body text, when the source gives text
    html: str | None = None  # raw HTML, when the source gives markup
    url: str | None = None
    title: str | None = None
    published: str | None = None  # as given by the source (ISO, RFC 822, Reuters DATE ...)
    source: str | None = None  # publisher or site
    dateline: str | None = None  # e.g. "NEW YORK, March 3 -" (Reuters)


@dataclass(frozen=True, slots=True)
class Article:
    """A cleaned article: main text, title, publication date (UTC) and source."""

    id: str
    key: str
    title: str
    body: str
    url: str | None = None
    source: str | None = None
    published: datetime | None = None
    dateline: str | None = None

    @property
    def text(self) -> str:
        """The text entity offsets refer to: the title, a blank line, then the body.

        When the title was taken from the body's first line the body alone is used, so
        nothing is analysed twice.
        """
        return compose_text(self.title, self.body)

    @property
    def content_hash(self) -> str:
        """sha256 of everything extraction depends on (text and publication date)."""
        stamp = self.published.isoformat() if self.published else ""
        payload = "\x1f".join((self.title, self.body, stamp, self.dateline or ""))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def compose_text(title: str, body: str) -> str:
    """Title, blank line, body; just the body when the title is its opening words.

    A title derived from the body ("Putin on Monday condemned…") is its shortened first
    sentence: analysing it again would count every entity in it twice.
    """
    stem = title.removesuffix("…").rstrip()
    if not stem or body.startswith(stem):
        return body
    return f"{title}\n\n{body}"


def article_id(key: str, url: str | None = None) -> str:
    """Stable id: sha1 of the canonical URL when there is one, else of the source key."""
    basis = url.strip() if url and url.strip() else key
    return hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Mention:
    """One occurrence of an entity: ``text[start:end] == surface`` in ``Article.text``."""

    start: int
    end: int
    surface: str


@dataclass(frozen=True, slots=True)
class Actor:
    """A person or organisation under one canonical name, with every mention of it."""

    name: str
    kind: ActorKind
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True, slots=True)
class CountryMention:
    """A country (ISO 3166-1 alpha-2) and the spans that referred to it.

    ``salient`` is False for a country the article only mentions in passing (see
    ``search.entities.salience``); the country facet still holds it (every country named).
    """

    code: str
    name: str
    mentions: tuple[Mention, ...] = ()
    salient: bool = True


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date expression resolved against the publication date.

    ``start``/``end`` (ISO dates, inclusive) are ``None`` when the expression could not be
    resolved; the surface text is kept rather than guessed.
    """

    mention: Mention
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class Entities:
    """Everything extracted from one article."""

    actors: tuple[Actor, ...] = ()
    countries: tuple[CountryMention, ...] = ()
    dates: tuple[DateMention, ...] = ()


@dataclass(frozen=True, slots=True)
class MarkedSpan:
    """A typed span of ``Article.text`` for the article page (entity highlighting)."""

    start: int
    end: int
    type: MentionType
    value: str  # canonical actor name, ISO country code or ISO date


@dataclass(frozen=True, slots=True)
class IndexDocument:
    """What every backend stores for one article (see docs/architecture.md)."""

    id: str
    key: str
    title: str
    body: str
    content_hash: str
    url: str | None = None
    source: str | None = None
    published: datetime | None = None
    actors: tuple[str, ...] = ()
    actor_kinds: tuple[ActorKind, ...] = ()  # parallel to ``actors``
    countries: tuple[str, ...] = ()
    dates_mentioned: tuple[str, ...] = ()  # ISO dates
    spans: tuple[MarkedSpan, ...] = ()
    indexed_at: datetime | None = None
    # Id of the first article of its near-duplicate group; "": the article is its own group.
    copy_group: str = ""
    # Story id; "": the article is its own story (the story's id is the article's id).
    story: str = ""
    # Where the story was filed, as the wire gives it ("NEW YORK, Oct 19"); None: none given.
    dateline: str | None = None

    @property
    def text(self) -> str:
        """The text ``spans`` refer to (same rule as ``Article.text``)."""
        return compose_text(self.title, self.body)

    @property
    def copy_key(self) -> str:
        """The copy group this article is collapsed by (its own id when it has none)."""
        return self.copy_group or self.id

    @property
    def story_key(self) -> str:
        """The story this article belongs to (its own id when it has none)."""
        return self.story or self.id


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A validated search: full-text query, facet filters, sort and paging.

    ``q`` is the query as the user gave it (echoed back in responses); ``query`` is ``q``
    parsed (``search.query``), what backends translate. A request is built with ``q``
    alone and parses it here, once: a ``q`` that is not a valid query raises
    ``QueryError`` (HTTP 400). ``dataclasses.replace`` carries ``query`` along unless
    ``q`` changes.
    """

    q: str = ""
    actors: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # ISO alpha-2, upper case
    sources: tuple[str, ...] = ()
    # Values to leave out (``not_actor`` ...): an article with any of them is dropped.
    not_actors: tuple[str, ...] = ()
    not_countries: tuple[str, ...] = ()  # ISO alpha-2, upper case
    not_sources: tuple[str, ...] = ()
    date_from: date | None = None  # inclusive
    date_to: date | None = None  # inclusive
    sort: SortOrder = "relevance"
    page: int = 1
    per_page: int = 20
    facet_size: int = 10
    # Raw ``from``/``to`` text as the user gave it, echoed back in responses.
    from_text: str | None = None
    to_text: str | None = None
    # Story ids (``story=``) and copy groups (``copy=``) to keep; repeated values narrow.
    stories: tuple[str, ...] = ()
    copy_groups: tuple[str, ...] = ()
    # One row per copy group (best-ranked copy shown), per story, or per article.
    group: Grouping = "copy"
    # Facet counts: matching articles, or distinct stories among them.
    count: CountMode = "articles"
    # Determined by ``q``: left out of equality and repr.
    query: Query = field(default=EMPTY_QUERY, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.query.source != self.q:
            object.__setattr__(self, "query", parse_query(self.q))

    @property
    def offset(self) -> int:
        """Index of the first hit of this page in the whole result."""
        return (self.page - 1) * self.per_page


@dataclass(frozen=True, slots=True)
class StoryRef:
    """The story of a hit: its id and size in the whole index; for ``group=story`` rows
    also its first and last publication day and number of distinct sources."""

    id: str
    size: int
    first: date | None = None
    last: date | None = None
    sources: int = 0


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result (for grouped results: the best-ranked article of its row)."""

    id: str
    title: str
    snippet: str  # HTML: escaped text with <mark> around matched terms
    score: float | None = None
    url: str | None = None
    source: str | None = None
    published: datetime | None = None
    actors: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    story: StoryRef | None = None
    copy_group: str = ""  # the copy group's key (the article's own id when it has none)
    copies: int = 0  # other matching articles the grouping collapsed into this row


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet with its count over the whole filtered result."""

    value: str
    count: int
    selected: bool = False


@dataclass(frozen=True, slots=True)
class Facet:
    """The top values of one facet."""

    values: tuple[FacetValue, ...] = ()
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class DateBucket:
    """Articles per year (``2025``), month (``2025-06``) or day (``2025-06-23``)."""

    key: str
    count: int


@dataclass(frozen=True, slots=True)
class DateHistogram:
    """The date facet: buckets at one interval plus the undated articles."""

    interval: Literal["year", "month", "day"] = "year"
    buckets: tuple[DateBucket, ...] = ()
    undated: int = 0


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results with facets over the whole filtered result."""

    request: SearchRequest
    total: int  # rows of the chosen grouping: copy groups, stories or articles
    hits: tuple[Hit, ...] = ()
    # The value facets by name (``search.facets.FACETS``), counted over the whole result.
    facets: Mapping[str, Facet] = field(default_factory=dict)
    dates: DateHistogram = field(default_factory=DateHistogram)
    took_ms: float = 0.0
    suggestion: str | None = None
    articles: int = -1  # matching articles before grouping (-1: same as ``total``)

    def __post_init__(self) -> None:
        if self.articles < 0:
            object.__setattr__(self, "articles", self.total)


@dataclass(frozen=True, slots=True)
class Story:
    """One story: its headline (the first article's title), span, sources, entities and
    articles (oldest first, at most ``search.service.STORY_ARTICLES``)."""

    id: str
    title: str
    size: int
    first: date | None
    last: date | None
    sources: tuple[FacetValue, ...] = ()
    actors: tuple[FacetValue, ...] = ()
    countries: tuple[FacetValue, ...] = ()
    dates: DateHistogram = field(default_factory=DateHistogram)
    articles: tuple[Hit, ...] = ()


@dataclass(frozen=True, slots=True)
class FileProblem:
    """A file (or one record in it) that could not be read, and why."""

    path: str
    reason: str


@dataclass(slots=True)
class ReindexReport:
    """Counts from one reindex run (mutable: filled in as the run goes)."""

    read: int = 0
    indexed: int = 0
    unchanged: int = 0
    unchanged_files: int = 0  # source files not opened: the manifest showed them unchanged
    removed: int = 0
    renamed: int = 0  # documents whose actors the archive-wide alias pass renamed
    regrouped: int = 0  # documents written earlier whose copy group a later placement renamed
    skipped: list[FileProblem] = field(default_factory=list)
    # Files read as articles though named like a corpus's documentation ("README.txt").
    documentation: list[str] = field(default_factory=list)
    total_documents: int = 0
    seconds: float = 0.0
    full: bool = False
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase
