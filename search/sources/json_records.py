"""JSON (one object or a list of objects) and JSON Lines article records."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from search.models import FileProblem, RawArticle
from search.settings import Settings
from search.sources.decode import decode_text
from search.sources.files import FileRefused, read_bytes
from search.sources.meta import BadRecord, string_fields

JSON_EXTENSIONS = (".json",)
JSONL_EXTENSIONS = (".jsonl", ".ndjson")
# "text" and "content" are common names for the body in exported datasets.
_FIELDS = ("url", "title", "published", "source", "dateline", "body", "text", "content", "html")


def read_json_file(path: Path, settings: Settings) -> Iterator[RawArticle | FileProblem]:
    """One article per object; a list gives keys ``path#<id or n>`` (n counts from 1)."""
    text = decode_text(read_bytes(path, settings.max_file_bytes))
    try:
        data = json.loads(text)
    except ValueError as e:
        raise FileRefused(f"invalid JSON: {e}") from e
    base = os.path.abspath(path)
    if isinstance(data, dict):
        yield _record(data, default_key=base, where=str(path), use_id=False)
    elif isinstance(data, list):
        for n, item in enumerate(data, start=1):
            yield _record(item, default_key=f"{base}#{n}", where=f"{path}#{n}", base=base)
    else:
        raise FileRefused("JSON must be an object or a list of objects")


def read_jsonl_file(path: Path, settings: Settings) -> Iterator[RawArticle | FileProblem]:
    """One article per line; keys ``path#<id or line number>``; a bad line is one problem."""
    text = decode_text(read_bytes(path, settings.max_file_bytes))
    base = os.path.abspath(path)
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            item = json.loads(line)
        except ValueError as e:
            yield FileProblem(where, f"invalid JSON: {e}")
            continue
        yield _record(item, default_key=f"{base}#{lineno}", where=where, base=base)


def _record(
    item: Any, default_key: str, where: str, base: str = "", use_id: bool = True
) -> RawArticle | FileProblem:
    """A RawArticle from one JSON object; a FileProblem naming ``where`` if it is malformed."""
    if not isinstance(item, dict):
        return FileProblem(where, f"record must be a JSON object, not {type(item).__name__}")
    try:
        fields = string_fields(item, _FIELDS)
    except BadRecord as e:
        return FileProblem(where, str(e))
    record_id = item.get("id")
    if isinstance(record_id, bool) or not isinstance(record_id, str | int | type(None)):
        kind = type(record_id).__name__
        return FileProblem(where, f"field 'id' must be a string or integer, not {kind}")
    body = fields.pop("body", None) or fields.pop("text", None) or fields.pop("content", None)
    fields.pop("text", None)
    fields.pop("content", None)
    html = fields.pop("html", None)
    if body is None and html is None:
        return FileProblem(where, "record has no 'body' or 'html'")
    # An id keeps the key stable when records are added or reordered.
    key = f"{base}#{record_id}" if use_id and record_id not in (None, "") else default_key
    return RawArticle(key=key, format="json", text=body, html=html, **fields)
