"""Article metadata fields from JSON (sidecar files and JSON records), type-checked."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Fields a sidecar may set on the article it sits beside.
SIDECAR_FIELDS = ("title", "url", "published", "source", "dateline")
# Extensions of files that may carry a ``<stem>.json`` sidecar.
SIDECAR_OWNERS = (".txt", ".text", ".md", ".html", ".htm", ".html.gz", ".htm.gz")


class BadRecord(ValueError):
    """A JSON record whose fields have the wrong types; the message names the field."""


def string_fields(record: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    """The named fields that are present and non-blank; ``BadRecord`` if one is not a string."""
    out: dict[str, str] = {}
    for name in names:
        value = record.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise BadRecord(f"field {name!r} must be a string, not {type(value).__name__}")
        if value.strip():
            out[name] = value
    return out


def is_sidecar(path: str | Path) -> bool:
    """True for ``<stem>.json`` lying beside a text or HTML file with the same stem."""
    p = Path(path)
    if p.suffix.lower() != ".json":
        return False
    return any(_with_ext(p, ext).is_file() for ext in SIDECAR_OWNERS)


def sidecar_for(path: Path) -> Path | None:
    """The metadata file of a text or HTML file (``a.txt`` -> ``a.json``), if there is one."""
    name = path.name
    lower = name.lower()
    for ext in sorted(SIDECAR_OWNERS, key=len, reverse=True):
        if lower.endswith(ext):
            candidate = path.with_name(name[: -len(ext)] + ".json")
            return candidate if candidate.is_file() else None
    return None


def read_sidecar(path: Path) -> dict[str, str]:
    """The metadata in a sidecar file; ``BadRecord`` if it is not a JSON object of strings."""
    try:
        record = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise BadRecord(f"unreadable metadata: {e}") from e
    if not isinstance(record, dict):
        raise BadRecord("metadata must be a JSON object")
    return string_fields(record, SIDECAR_FIELDS)


def _with_ext(json_path: Path, ext: str) -> Path:
    return json_path.with_name(json_path.name[: -len(".json")] + ext)


def sidecar_metadata(path: Path) -> tuple[dict[str, str], str | None]:
    """(metadata, problem): the sidecar's fields, or ``{}`` and why it was ignored."""
    sidecar = sidecar_for(path)
    if sidecar is None:
        return {}, None
    try:
        return read_sidecar(sidecar), None
    except BadRecord as e:
        return {}, str(e)
