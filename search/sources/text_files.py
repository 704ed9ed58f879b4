"""Plain-text articles (.txt, .text, .md), with optional ``<stem>.json`` metadata beside them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from search.models import FileProblem, RawArticle
from search.settings import Settings
from search.sources.decode import decode_text
from search.sources.files import read_bytes
from search.sources.meta import sidecar_for, sidecar_metadata

EXTENSIONS = (".txt", ".text", ".md")


def read_text_file(path: Path, settings: Settings) -> Iterator[RawArticle | FileProblem]:
    """One RawArticle for the file (body = its text) plus a FileProblem for a bad sidecar."""
    text = decode_text(read_bytes(path, settings.max_file_bytes))
    meta, problem = sidecar_metadata(path)
    if problem:
        yield FileProblem(str(sidecar_for(path)), problem)
    yield RawArticle(key=os.path.abspath(path), format="text", text=text, **meta)
