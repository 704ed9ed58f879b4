"""Child processes that die with their parent (Linux ``PR_SET_PDEATHSIG``).

A reindex or a test run killed with SIGKILL cannot clean up: its NER workers and the
Typesense servers it started would be left holding memory and ports. Each such child asks
the kernel, right after it starts, to be sent SIGKILL when its parent dies.
"""

from __future__ import annotations

import ctypes
import signal

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In the child: be killed when the parent dies (no-op where prctl does not exist)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the parent's own cleanup is the only one
