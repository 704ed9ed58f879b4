"""Typesense clients built from ``Settings``, and the translation of their errors.

Two clients over the same node list: one for reads with a short timeout, so a search
fails over to the next node quickly when one is down or hung, and one for writes with a
long timeout (an import of 1,000 articles replicated through Raft can take seconds). Both
rotate through every node and retry. The API key comes only from ``Settings`` (env
``DATELINE_TYPESENSE_API_KEY``) and is scrubbed from every message we raise or log.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

import httpx
import typesense
from typesense import exceptions as ts_errors

from search.errors import BackendError, IndexMissingError
from search.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

READ_TIMEOUT_S = 3.0
WRITE_TIMEOUT_S = 60.0
# How long a write keeps retrying through a leader election or a node restart; measured
# elections here take 1-3 s, so 60 s means "the cluster has lost its majority".
WRITE_DEADLINE_S = 60.0
# Errors that say "try again, maybe elsewhere" rather than "this request is wrong".
# (Every Typesense error subclasses OSError, so OSError itself must not be listed.)
TRANSIENT = (
    ts_errors.ServerError,
    ts_errors.ServiceUnavailable,
    ts_errors.HTTPStatus0Error,
    ts_errors.Timeout,
    httpx.TransportError,
    ConnectionError,
    TimeoutError,
)


def parse_nodes(spec: str) -> list[dict[str, Any]]:
    """``"host:port,https://host:port"`` -> the client's node list (http by default)."""
    nodes: list[dict[str, Any]] = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        protocol = "http"
        if "://" in item:
            protocol, item = item.split("://", 1)
        host, _, port = item.rstrip("/").rpartition(":")
        if not host or not port.isdigit():
            raise BackendError(
                f"bad Typesense node {item!r} in DATELINE_TYPESENSE_NODES: use host:port"
            )
        nodes.append({"host": host, "port": int(port), "protocol": protocol})
    if not nodes:
        raise BackendError("DATELINE_TYPESENSE_NODES is empty: give host:port[,host:port...]")
    return nodes


def make_client(settings: Settings, *, write: bool) -> typesense.Client:
    """A client over every node of ``settings.typesense_nodes``."""
    if not settings.typesense_api_key:
        raise BackendError(
            "the Typesense API key is not set: export DATELINE_TYPESENSE_API_KEY "
            "(it is never read from files or code)"
        )
    nodes = parse_nodes(settings.typesense_nodes)
    config: dict[str, Any] = {
        "nodes": nodes,
        "api_key": settings.typesense_api_key,
        "connection_timeout_seconds": WRITE_TIMEOUT_S if write else READ_TIMEOUT_S,
        # Enough tries to visit every node twice: one dead node costs one refused connect.
        "num_retries": max(3, 2 * len(nodes)),
        "retry_interval_seconds": 0.3 if write else 0.05,
        # A node marked down is tried again after this long (the default is 60 s), so a
        # restarted node takes its share of the load soon.
        "healthcheck_interval_seconds": 5,
    }
    return typesense.Client(cast(Any, config))  # the client types its config as a TypedDict


def scrub(text: str, settings: Settings) -> str:
    """``text`` without the API key (in case a library echoes a header or URL)."""
    key = settings.typesense_api_key
    return text.replace(key, "***") if key else text


@contextlib.contextmanager
def guarded(settings: Settings, what: str) -> Iterator[None]:
    """Turn client and network errors into ``BackendError`` with a readable message."""
    try:
        yield
    except (BackendError, IndexMissingError):
        raise
    except ts_errors.ObjectNotFound as e:
        raise IndexMissingError(
            f"no Typesense collection {settings.typesense_collection!r} on "
            f"{settings.typesense_nodes}: run `dateline reindex`"
        ) from e
    except (ts_errors.TypesenseClientError, httpx.HTTPError, OSError) as e:
        message = scrub(f"{type(e).__name__}: {e}", settings)
        log.warning("Typesense %s failed: %s", what, message)
        raise BackendError(
            f"Typesense cluster ({settings.typesense_nodes}) failed during {what}: {message}"
        ) from e


def retry_write(fn: Callable[[], T], deadline_s: float = WRITE_DEADLINE_S) -> T:
    """Run an idempotent write, retrying transient errors (elections, restarts) until
    ``deadline_s``; the client already tried every node once per call."""
    stop = time.monotonic() + deadline_s
    delay = 0.2
    while True:
        try:
            return fn()
        except TRANSIENT:
            if time.monotonic() + delay > stop:
                raise
            log.info("Typesense write failed transiently; retrying in %.1f s", delay)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
