"""Fewer glibc malloc arenas for processes that search from many threads.

glibc gives each new thread that allocates its own malloc arena (up to 8 per core) and
keeps what is freed in each for reuse, so a server whose threads each run searches over
large numpy arrays keeps several copies' worth of freed memory. Searches take turns on
one index (and hold the GIL), so the threads gain nothing from arenas of their own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

# glibc's M_ARENA_MAX parameter of mallopt (malloc.h).
_M_ARENA_MAX = -8
SERVE_ARENAS = 2


def limit_arenas(arenas: int = SERVE_ARENAS) -> bool:
    """Cap this process at ``arenas`` malloc arenas, before its threads start: a 1M-article
    Whoosh index searched by 8 users at once held 436 MB, 297 MB with two arenas
    (docs/benchmarks.md). Leaves a ``MALLOC_ARENA_MAX`` the user set alone; False where
    that, or a C library other than glibc, means nothing was changed."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(_M_ARENA_MAX, arenas))
    except (OSError, AttributeError):  # no such library or function (not glibc)
        return False
