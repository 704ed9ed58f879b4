"""RSS 2.0 / RSS 1.0 (RDF) and Atom feeds: one RawArticle per item or entry."""

from __future__ import annotations

import html.entities
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from search.models import FileProblem, RawArticle

if TYPE_CHECKING:
    from bs4 import Tag
from search.settings import Settings
from search.sources.decode import declared_charset, decode_text
from search.sources.files import FileRefused, read_bytes

EXTENSIONS = (".xml", ".rss", ".atom")


def looks_like_feed(head: str) -> bool:
    """True when the first bytes of a document look like an RSS, RDF or Atom feed."""
    head = head[:2048].lower()
    return "<rss" in head or "<feed" in head or "<rdf:rdf" in head


def read_feed_file(path: Path, settings: Settings) -> Iterator[RawArticle | FileProblem]:
    """Items of an RSS/Atom feed; keys ``path#<guid or id>``, else ``path#<n>`` (from 1)."""
    # bs4 loads only when a feed is read (~0.3 s a reindex of unchanged files never pays).
    from bs4 import BeautifulSoup, Tag, XMLParsedAsHTMLWarning

    data = read_bytes(path, settings.max_file_bytes)
    text = _xml_entities(decode_text(data, fallback=declared_charset(data) or "cp1252"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(text, "lxml-xml")
    root = soup.find(["rss", "feed", "RDF"])
    if not isinstance(root, Tag):
        raise FileRefused("XML file is not an RSS or Atom feed")
    atom = root.name == "feed"
    source = _feed_title(root, atom)
    base = os.path.abspath(path)
    for n, item in enumerate(root.find_all("entry" if atom else "item"), start=1):
        fields = _atom_entry(item) if atom else _rss_item(item)
        ident = fields.pop("id", None)
        key = f"{base}#{ident}" if ident else f"{base}#{n}"
        if not (fields.get("html") or fields.get("text") or fields.get("title")):
            yield FileProblem(f"{path}#{n}", "feed item has no title or content")
            continue
        if not (fields.get("html") or fields.get("text")):
            fields["text"] = fields["title"]  # a headline-only item: the title is the text
        yield RawArticle(key=key, format="feed", source=source, **fields)
    if not re.search(r"</(?:rss|feed|rdf:RDF)\s*>\s*\Z", text.rstrip()):
        # The parser recovers what it can; the reader says the file was cut short.
        yield FileProblem(str(path), "feed is truncated (no closing root tag)")


_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}


def _xml_entities(text: str) -> str:
    """HTML named entities (``&nbsp;``, ``&eacute;``) as numeric references.

    Many feeds use them although XML does not define them; the XML parser would drop
    them silently and glue the words around them together.
    """

    def numeric(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in _XML_ENTITIES:
            return m.group(0)
        char = html.entities.html5.get(name + ";")
        return "".join(f"&#{ord(c)};" for c in char) if char else m.group(0)

    return _ENTITY.sub(numeric, text)


def _feed_title(root: Tag, atom: bool) -> str | None:
    from bs4 import Tag

    holder = root if atom else root.find("channel")
    if not isinstance(holder, Tag):
        return None
    title = holder.find("title", recursive=False)
    return _text(title)


def _rss_item(item: Tag) -> dict[str, str]:
    fields = {
        "title": _text(item.find("title", recursive=False)),
        "url": _text(item.find("link", recursive=False)),
        "published": _text(item.find("pubDate", recursive=False))
        or _text(item.find("date", recursive=False)),
        "html": _text(item.find("encoded", recursive=False))
        or _text(item.find("description", recursive=False)),
        "id": _text(item.find("guid", recursive=False)) or item.get("rdf:about"),
    }
    return {k: v for k, v in fields.items() if isinstance(v, str) and v}


def _atom_entry(entry: Tag) -> dict[str, str]:
    from bs4 import Tag

    fields: dict[str, str | None] = {
        "title": _text(entry.find("title", recursive=False)),
        "url": _atom_link(entry),
        "published": _text(entry.find("published", recursive=False))
        or _text(entry.find("updated", recursive=False)),
        "id": _text(entry.find("id", recursive=False)),
    }
    body = entry.find("content", recursive=False) or entry.find("summary", recursive=False)
    if isinstance(body, Tag):
        kind = str(body.get("type") or "text").lower()
        if kind == "xhtml":
            fields["html"] = body.decode_contents().strip()
        elif "html" in kind:
            fields["html"] = _text(body)
        else:
            fields["text"] = _text(body)
    return {k: v for k, v in fields.items() if v}


def _atom_link(entry: Tag) -> str | None:
    links = entry.find_all("link", recursive=False)
    for link in links:
        if link.get("rel") in (None, "alternate") and link.get("href"):
            return str(link["href"]).strip()
    return None


def _text(tag: object) -> str | None:
    from bs4 import Tag

    if not isinstance(tag, Tag):
        return None
    return tag.get_text().strip() or None
