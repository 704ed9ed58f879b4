"""RSS 2.0 / RSS 1.0 (RDF) and Atom feeds (feedparser): one RawArticle per item or entry.

``parse_feed`` is shared by the file reader here and by ``dateline follow``
(:mod:`search.follow.feeds`), so a feed saved to disk and the same feed fetched live give
the same items.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import feedparser

from search.models import FileProblem, RawArticle
from search.settings import Settings
from search.sources.files import FileRefused, read_bytes

EXTENSIONS = (".xml", ".rss", ".atom")
_CLOSED = re.compile(rb"</(?:\w+:)?(?:rss|feed|RDF)\s*>\s*\Z")


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One item of a feed: what the feed says about an article (every field may be empty)."""

    guid: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None  # as the feed wrote it
    html: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed: its title, items, hints on how often it changes, and its problems."""

    title: str | None
    items: list[FeedItem] = field(default_factory=list)
    ttl_minutes: int | None = None  # RSS <ttl>
    update_seconds: float | None = None  # sy:updatePeriod / sy:updateFrequency
    truncated: bool = False
    error: str | None = None  # set when the document is not a feed at all


def looks_like_feed(head: str) -> bool:
    """True when the first bytes of a document look like an RSS, RDF or Atom feed."""
    head = head[:2048].lower()
    return "<rss" in head or "<feed" in head or "<rdf:rdf" in head


_PERIODS = {"hourly": 3600.0, "daily": 86400.0, "weekly": 604800.0, "monthly": 2592000.0}


def parse_feed(
    data: bytes, base_url: str | None = None, content_type: str | None = None
) -> ParsedFeed:
    """Parse feed bytes (never fetches anything: feedparser gets bytes, not a URL).

    Relative item links are resolved against ``base_url``. ``error`` is set when the bytes
    hold no RSS or Atom feed; a feed cut short keeps the items read and sets ``truncated``.
    """
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(
        data, sanitize_html=False, resolve_relative_uris=False, response_headers=headers
    )
    if not parsed.get("version") and not parsed.entries:
        reason = "not an RSS or Atom feed"
        problem = parsed.get("bozo_exception")
        if problem is not None and data.lstrip()[:1] == b"<":
            reason += f" (invalid XML: {str(problem).strip() or type(problem).__name__})"
        return ParsedFeed(title=None, error=reason)
    head = parsed.feed
    items = [_item(entry, base_url) for entry in parsed.entries]
    return ParsedFeed(
        title=(head.get("title") or "").strip() or None,
        items=items,
        ttl_minutes=_int(head.get("ttl")),
        update_seconds=_update_seconds(head),
        # UTF-16 feeds: the closing tag's ASCII without its NUL bytes.
        truncated=not _CLOSED.search(data[-800:].replace(b"\x00", b"").rstrip()),
    )


def _item(entry: feedparser.FeedParserDict, base_url: str | None) -> FeedItem:
    html = text = None
    content = entry.get("content") or []
    body = content[0] if content else entry.get("summary_detail")
    if body and (body.get("value") or "").strip():
        value = body["value"].strip()
        if "html" in (body.get("type") or "text/html"):
            html = value
        else:
            text = value
    link = (entry.get("link") or "").strip() or None
    if link and base_url:
        link = _join(base_url, link)
    return FeedItem(
        guid=(entry.get("id") or "").strip() or None,
        url=link,
        title=(entry.get("title") or "").strip() or None,
        published=(entry.get("published") or entry.get("updated") or "").strip() or None,
        html=html,
        text=text,
    )


def _join(base: str, link: str) -> str | None:
    """``link`` resolved against ``base``; None for a link no URL parser accepts."""
    try:
        return urljoin(base, link)
    except ValueError:
        return None


def _int(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _update_seconds(head: feedparser.FeedParserDict) -> float | None:
    period = _PERIODS.get(str(head.get("sy_updateperiod") or "").strip().lower())
    if period is None:
        return None
    return period / (_int(head.get("sy_updatefrequency")) or 1)


def read_feed_file(path: Path, settings: Settings) -> Iterator[RawArticle | FileProblem]:
    """Items of an RSS/Atom feed; keys ``path#<guid or id>``, else ``path#<n>`` (from 1)."""
    data = read_bytes(path, settings.max_file_bytes)
    feed = parse_feed(data)
    if feed.error:
        raise FileRefused(f"XML file is {feed.error}")
    base = os.path.abspath(path)
    for n, item in enumerate(feed.items, start=1):
        key = f"{base}#{item.guid}" if item.guid else f"{base}#{n}"
        if not (item.html or item.text or item.title):
            yield FileProblem(f"{path}#{n}", "feed item has no title or content")
            continue
        fields = {
            "html": item.html,
            # A headline-only item: the title is the text.
            "text": item.text or (None if item.html else item.title),
            "url": item.url,
            "title": item.title,
            "published": item.published,
            "source": feed.title,
        }
        yield RawArticle(key=key, format="feed", **fields)
    if feed.truncated:
        # The parser recovers what it can; the reader says the file was cut short.
        yield FileProblem(str(path), "feed is truncated (no closing root tag)")
