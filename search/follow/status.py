"""The followed sources as the status command, the /sources page and the API show them."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from search.follow.state import FILE, State

# The latest pages that failed, shown with their reasons (all are in the state file).
FAILURES_SHOWN = 20


def sources_status(index_dir: Path) -> dict[str, Any]:
    """``{"sources": [...], "articles": {status: n}, "last_updated": iso|None,
    "failed_pages": [...]}``: each source with its feed errors and the article pages it
    listed that failed; the latest of those pages with their reasons.

    Empty when nothing was ever followed. Opened read-only: a running follow (WAL mode)
    never makes this wait, nor this the follow.
    """
    empty: dict[str, Any] = {
        "sources": [],
        "articles": {},
        "last_updated": None,
        "failed_pages": [],
    }
    state = _open_readonly(index_dir)
    if state is None:
        return empty
    try:
        sources = state.sources()
        counts = state.counts()
        newest = _newest_indexed(state)
        failed = state.failed_by_source()
        latest_failures = list(state.failures(FAILURES_SHOWN))
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
                "last_poll": iso_utc(s.last_poll),
                "next_poll": iso_utc(s.next_poll) if s.polls else None,
                "last_new_item": iso_utc(s.last_new),
                "interval_s": round(s.interval_s, 1),
                "items_seen": s.items_seen,
                "items_indexed": s.items_indexed,
                "polls": s.polls,
                "errors": s.error_count,
                "pages_failed": failed.get(s.url, 0),
                "failing_since": s.errors,
                "last_error": s.last_error,
            }
            for s in sources
        ],
        "articles": counts,
        "last_updated": iso_utc(newest),
        "failed_pages": [
            {"url": url, "source": source, "reason": reason, "at": iso_utc(when)}
            for url, source, reason, when in latest_failures
        ],
    }


def _open_readonly(index_dir: Path) -> State | None:
    """The follow state file opened read-only, or None when there is none (or unreadable)."""
    path = index_dir / FILE
    if not path.exists():
        return None
    try:
        return State(path, readonly=True)
    except sqlite3.Error:
        return None


def last_indexed(index_dir: Path) -> float | None:
    """When a follow last indexed an article (epoch seconds), or None: the one figure
    the search page shows, without the per-source status it does not need."""
    state = _open_readonly(index_dir)
    if state is None:
        return None
    try:
        return _newest_indexed(state)
    except sqlite3.Error:
        return None
    finally:
        state.close()


def _newest_indexed(state: State) -> float | None:
    row = state.db.execute("SELECT MAX(updated) AS t FROM urls WHERE status='indexed'").fetchone()
    return row["t"] if row else None


def iso_utc(stamp: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC ("2026-11-30T03:38:00Z"); None for none."""
    if not stamp:
        return None
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
