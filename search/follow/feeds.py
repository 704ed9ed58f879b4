"""What a source lists: feeds (feedparser), news sitemaps, OPML files and URL lists.

``read_listing`` turns a fetched document into items (article URLs with what the feed says
of them), child sitemaps, and hints on how often it changes. ``expand_sources`` turns the
command line's SOURCEs (URLs, files of URLs, OPML files) into the URLs to follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from lxml import etree

from search.sources.feeds import FeedItem, parse_feed

MAX_SOURCES_FILE_BYTES = 10 * 1024 * 1024
MAX_CHILD_SITEMAPS = 50


class SourceError(ValueError):
    """A SOURCE given on the command line cannot be used; ``str`` says why."""


@dataclass(frozen=True, slots=True)
class Listing:
    """The items of one fetched feed or sitemap."""

    kind: str  # "feed" | "sitemap"
    title: str | None = None
    items: list[FeedItem] = field(default_factory=list)
    children: list[str] = field(default_factory=list)  # a sitemap index's sitemaps
    floor_s: float = 0.0  # never poll more often than this (ttl, sy:updatePeriod)
    problem: str | None = None  # a feed cut short, kept items notwithstanding


def read_listing(body: bytes, url: str, content_type: str | None = None) -> Listing:
    """The items of a fetched feed or sitemap; ``ValueError`` naming why it is neither."""
    head = body[:4096].lstrip().lower()
    if b"<urlset" in head or b"<sitemapindex" in head:
        return _sitemap(body, url)
    feed = parse_feed(body, base_url=url, content_type=content_type)
    if feed.error:
        if b"<html" in head or b"<!doctype html" in head:
            raise ValueError("an HTML page, not a feed or sitemap")
        raise ValueError(feed.error)
    floor = max(float(feed.ttl_minutes or 0) * 60, feed.update_seconds or 0.0)
    problem = "feed is truncated (no closing root tag)" if feed.truncated else None
    return Listing("feed", feed.title, feed.items, floor_s=floor, problem=problem)


def _sitemap(body: bytes, url: str) -> Listing:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as e:
        raise ValueError(f"invalid sitemap XML: {e}") from e
    if root is None:
        raise ValueError("invalid sitemap XML")
    items: list[FeedItem] = []
    children: list[str] = []
    for node in root:
        if not isinstance(node.tag, str):
            continue
        loc = _child_text(node, "loc")
        if not loc:
            continue
        try:
            loc = urljoin(url, loc)
        except ValueError:
            continue  # not a URL any parser accepts
        if _local(node.tag) == "sitemap":
            children.append(loc)
            continue
        news = next((c for c in node if isinstance(c.tag, str) and _local(c.tag) == "news"), None)
        title = _child_text(news, "title") if news is not None else None
        published = (
            _child_text(news, "publication_date") if news is not None else None
        ) or _child_text(node, "lastmod")
        items.append(FeedItem(url=loc, title=title, published=published))
    return Listing("sitemap", None, items, children[:MAX_CHILD_SITEMAPS])


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _child_text(node: etree._Element | None, name: str) -> str | None:
    if node is None:
        return None
    for child in node:
        if isinstance(child.tag, str) and _local(child.tag) == name and child.text:
            return child.text.strip() or None
    return None


def is_url(value: str) -> bool:
    """True for an http(s) URL with a host."""
    parts = urlsplit(value.strip())
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def expand_sources(values: list[str]) -> list[str]:
    """The URLs to follow: each URL as given, each file read as OPML or one URL a line.

    ``SourceError`` names the SOURCE and the reason when it is neither.
    """
    urls: list[str] = []
    for value in values:
        if is_url(value):
            urls.append(value.strip())
            continue
        path = Path(value)
        if not path.is_file():
            if re.match(r"^[a-z]+://", value, re.I):
                raise SourceError(f"{value}: only http and https URLs can be followed")
            raise SourceError(f"{value}: no such file, and not an http(s) URL")
        try:
            if path.stat().st_size > MAX_SOURCES_FILE_BYTES:
                raise SourceError(f"{value}: too large for a list of sources")
            data = path.read_bytes()
        except OSError as e:
            raise SourceError(f"{value}: {e.strerror or e}") from e
        found = _opml(data) if b"<opml" in data[:2048].lower() else _lines(data)
        if not found:
            raise SourceError(f"{value}: lists no http(s) feed or sitemap URL")
        urls.extend(found)
    return list(dict.fromkeys(urls))


def _opml(data: bytes) -> list[str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return []
    if root is None:
        return []
    return [
        str(node.get("xmlUrl")).strip()
        for node in root.iter("outline")
        if node.get("xmlUrl") and is_url(str(node.get("xmlUrl")))
    ]


def _lines(data: bytes) -> list[str]:
    text = data.decode("utf-8", "replace")
    lines = (line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
             for line in text.splitlines())  # fmt: skip
    return [line for line in lines if line and is_url(line)]
