"""One exception tree; each class carries the HTTP status a front door should answer with."""

from __future__ import annotations


class DatelineError(Exception):
    """Base of every error Dateline raises on purpose; ``str(err)`` is meant for users."""

    status = 500


class QueryError(DatelineError):
    """A query or parameter the user can fix (bad syntax, out-of-range value)."""

    status = 400


class ArticleError(DatelineError):
    """An article that does not exist."""

    status = 404


class StoryError(DatelineError):
    """A story that does not exist."""

    status = 404


class ProfileError(DatelineError):
    """An actor or country no article mentions (or a name that cannot be one)."""

    status = 404


class SourceError(DatelineError):
    """A source path or file that cannot be read (the message names the path)."""

    status = 400


class IndexMissingError(DatelineError):
    """No index yet, or an index that cannot be opened: run ``dateline reindex``."""

    status = 503


class IndexBusyError(DatelineError):
    """Another reindex holds the lock."""

    status = 409


class BackendError(DatelineError):
    """The search backend failed (unreachable cluster, disk full, corrupt files)."""

    status = 502


class IndexVersionError(BackendError):
    """An index written by another Dateline version: only a full rebuild can update it."""
