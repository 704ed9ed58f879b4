"""Search backends: Whoosh (embedded, the default) and Typesense (a cluster)."""

from __future__ import annotations

from search.backends.base import Backend, IndexWriter
from search.errors import DatelineError
from search.settings import Settings

__all__ = ["Backend", "IndexWriter", "make_backend"]


def make_backend(settings: Settings) -> Backend:
    """The backend named by ``settings.backend`` (imported only when chosen)."""
    if settings.backend == "whoosh":
        from search.backends.whoosh.backend import WhooshBackend

        return WhooshBackend(settings)
    if settings.backend == "typesense":
        from search.backends.typesense.backend import TypesenseBackend

        return TypesenseBackend(settings)
    raise DatelineError(f"unknown backend {settings.backend!r}: use whoosh or typesense")
