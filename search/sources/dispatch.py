"""Choosing the reader for a file: by extension, else by sniffing its first bytes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from search.models import FileProblem, RawArticle
from search.settings import Settings
from search.sources import feeds, html_pages, json_records, reuters, text_files

Reader = Callable[[Path, Settings], Iterator[RawArticle | FileProblem]]

_BY_EXTENSION: dict[str, Reader] = {
    **{ext: text_files.read_text_file for ext in text_files.EXTENSIONS},
    **{ext: html_pages.read_html_file for ext in html_pages.EXTENSIONS},
    **{ext: json_records.read_json_file for ext in json_records.JSON_EXTENSIONS},
    **{ext: json_records.read_jsonl_file for ext in json_records.JSONL_EXTENSIONS},
    **{ext: feeds.read_feed_file for ext in feeds.EXTENSIONS},
    **{ext: reuters.read_reuters_file for ext in reuters.EXTENSIONS},
}
# Names of the files that come with a corpus to describe it ("README.txt", "SOURCE.md"):
# read as plain-text articles like any other, so a reindex names them to the user.
_DOCUMENTATION_NAMES = frozenset((
    "readme", "license", "licence", "copying", "notice", "authors", "contributors",
    "contributing", "changelog", "changes", "history", "install", "source", "sources",
    "citation", "manifest", "todo",
))  # fmt: skip
# Longest first, so ".html.gz" wins over ".gz".
_EXTENSIONS = sorted(_BY_EXTENSION, key=len, reverse=True)


def reader_for(path: Path) -> Reader | None:
    """The reader for ``path``, or None when it is not a format we read."""
    name = path.name.lower()
    for ext in _EXTENSIONS:
        if name.endswith(ext):
            return _BY_EXTENSION[ext]
    return _sniff(path)


def _sniff(path: Path) -> Reader | None:
    # Files without a known extension (feeds saved as "feed", "index.php"...): look inside.
    try:
        with path.open("rb") as fh:
            head = fh.read(2048).decode("latin-1")
    except OSError:
        return None
    if reuters.looks_like_reuters(head):
        return reuters.read_reuters_file
    if feeds.looks_like_feed(head):
        return feeds.read_feed_file
    lowered = head.lstrip().lower()
    if lowered.startswith(("<!doctype html", "<html")):
        return html_pages.read_html_file
    return None


def looks_like_documentation(path: str | Path) -> bool:
    """True for a plain-text file named like a corpus's documentation ("README.txt")."""
    p = Path(path)
    stem = p.name.split(".", 1)[0].lower()
    return _BY_EXTENSION.get(p.suffix.lower()) is text_files.read_text_file and (
        stem in _DOCUMENTATION_NAMES or stem.startswith(("readme", "license", "licence"))
    )
