"""HTML pages (.html, .htm, optionally gzipped), one article per page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from search.models import FileProblem, RawArticle
from search.settings import Settings
from search.sources.decode import declared_charset, decode_text
from search.sources.files import FileRefused, read_bytes
from search.sources.meta import sidecar_for, sidecar_metadata

EXTENSIONS = (".html", ".htm", ".html.gz", ".htm.gz", ".xhtml")


def read_html_file(path: Path, settings: Settings) -> Iterator[RawArticle | FileProblem]:
    """One RawArticle holding the page's markup; extraction happens in cleaning."""
    data = read_bytes(path, settings.max_file_bytes)
    charset = declared_charset(data)
    # Browsers read a page declared as latin-1 as cp1252; so do we.
    fallback = "cp1252" if charset in (None, "iso8859-1", "ascii") else charset
    html = decode_text(data, fallback=fallback)
    if "<" not in html:
        raise FileRefused("not HTML (no markup)")
    meta, problem = sidecar_metadata(path)
    if problem:
        yield FileProblem(str(sidecar_for(path)), problem)
    yield RawArticle(key=os.path.abspath(path), format="html", html=html, **meta)
