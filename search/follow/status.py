"""The followed sources as the status command, the /sources page and the API show them."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from search.follow.state import FILE, State


def sources_status(index_dir: Path) -> dict[str, Any]:
    """``{"sources": [...], "articles": {status: n}, "last_updated": iso|None}``.

    Empty when nothing was ever followed. Opened read-only: a running follow (WAL mode)
    never makes this wait, nor this the follow.
    """
    path = index_dir / FILE
    empty: dict[str, Any] = {"sources": [], "articles": {}, "last_updated": None}
    if not path.exists():
        return empty
    try:
        state = State(path, readonly=True)
    except sqlite3.Error:
        return empty
    try:
        sources = state.sources()
        counts = state.counts()
        row = state.db.execute(
            "SELECT MAX(updated) AS t FROM urls WHERE status='indexed'"
        ).fetchone()
    except sqlite3.Error:
        return empty
    finally:
        state.close()
    return {
        "sources": [
            {
                "url": s.url,
                "kind": s.kind or None,
                "title": s.title,
                "last_poll": _iso(s.last_poll),
                "next_poll": _iso(s.next_poll) if s.polls else None,
                "last_new_item": _iso(s.last_new),
                "interval_s": round(s.interval_s, 1),
                "items_seen": s.items_seen,
                "items_indexed": s.items_indexed,
                "polls": s.polls,
                "errors": s.error_count,
                "failing_since": s.errors,
                "last_error": s.last_error,
            }
            for s in sources
        ],
        "articles": counts,
        "last_updated": _iso(row["t"] if row else None),
    }


def _iso(stamp: float | None) -> str | None:
    if not stamp:
        return None
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
