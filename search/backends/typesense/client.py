"""Typesense clients built from ``Settings``, and the translation of their errors.

Two clients over the same node list: one for reads with a short timeout, so a search
fails over to the next node quickly when one is down or hung, and one for writes with a
long timeout (an import of 4,000 articles replicated through Raft can take seconds). Both
rotate through every node and retry. The API key comes only from ``Settings`` (env
``DATELINE_TYPESENSE_API_KEY``) and is scrubbed from every message we raise or log.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, TypeVar, cast
from urllib.parse import quote

import httpx
from typesense import exceptions as ts_errors
from typesense.configuration import Configuration
from typesense.sync.api_call import ApiCall

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


# Threads sending the requests of ``concurrently`` (they only wait on sockets); more
# requests at once queue for one.
REQUEST_THREADS = 8
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _forget_pool() -> None:
    # A forked child (a pre-forking web server) has none of its parent's threads.
    global _pool
    _pool = None


os.register_at_fork(after_in_child=_forget_pool)


def concurrently(calls: Sequence[Callable[[], T]]) -> list[T]:
    """The answers of ``calls``, in order, with the calls made side by side.

    The first runs on the caller's thread, the others on a shared pool. An error is
    raised once every call has finished (the first one's, else the first in order).
    """
    if len(calls) <= 1:
        return [call() for call in calls]
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(REQUEST_THREADS, thread_name_prefix="typesense")
        pool = _pool
    futures = [pool.submit(call) for call in calls[1:]]
    try:
        first = calls[0]()
    finally:
        wait(futures)
    return [first, *(f.result() for f in futures)]


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


class Api:
    """The Typesense REST API through the official client's ``ApiCall`` (node rotation,
    retries, health marks), without its resource objects: those build deprecated helpers
    on every access, and each access would warn."""

    def __init__(self, config: dict[str, Any]) -> None:
        # cast: the client types its config as a TypedDict.
        self.call = ApiCall(Configuration(cast(Any, config)))
        self.node_count = len(config["nodes"])
        # Close the pooled connections when this object goes away (a backend has no
        # close() in the protocol); otherwise their sockets leak and warn.
        weakref.finalize(self, self.call.close)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET ``path`` and decode the JSON answer."""
        return self.call.get(path, entity_type=dict, as_json=True, params=_plain(params))

    def get_text(self, path: str, params: dict[str, Any] | None = None) -> str:
        """GET ``path`` and return the raw answer (JSONL exports)."""
        return self.call.get(path, entity_type=str, as_json=False, params=_plain(params))

    def post(self, path: str, body: Any, params: dict[str, Any] | None = None) -> Any:
        """POST a JSON ``body``."""
        return self.call.post(
            path, entity_type=dict, as_json=True, params=_plain(params), body=body
        )

    def post_text(self, path: str, text: str, params: dict[str, Any] | None = None) -> str:
        """POST a raw ``text`` body (JSONL imports); returns the raw answer."""
        return self.call.post(
            path, entity_type=str, as_json=False, params=_plain(params), body=text
        )

    def put(self, path: str, body: Any) -> Any:
        """PUT a JSON ``body``."""
        return self.call.put(path, entity_type=dict, body=body)

    def delete(self, path: str) -> Any:
        """DELETE ``path``."""
        return self.call.delete(path, entity_type=dict)


def confirmed(api: Api, read: Callable[[], T]) -> T:
    """Run ``read``; believe "not found" only when several nodes in turn say so.

    A node restarted after a crash answers HTTP before it has replayed its data, and
    then says 404 for collections that exist. The client rotates nodes per request, so
    asking again reaches another node; a 404 is final only after every node's turn.
    """
    for attempt in range(api.node_count + 1):
        try:
            return read()
        except ts_errors.ObjectNotFound:
            if attempt >= api.node_count:
                raise
    raise AssertionError("unreachable")


def path(*parts: str) -> str:
    """``/a/b/c`` with every part URL-quoted."""
    return "".join("/" + quote(p, safe="") for p in parts)


def _plain(params: dict[str, Any] | None) -> dict[str, Any] | None:
    """Booleans as Typesense spells them in query strings and JSON bodies."""
    if params is None:
        return None
    return {k: ("true" if v else "false") if isinstance(v, bool) else v for k, v in params.items()}


def make_client(settings: Settings, *, write: bool) -> Api:
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
    return Api(config)


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
    """Run an idempotent write, retrying transient errors (elections, restarts) for up to
    ``deadline_s`` after the first one; the client already tried every node once per call.
    """
    stop: float | None = None
    delay = 0.2
    while True:
        try:
            return fn()
        except TRANSIENT:
            now = time.monotonic()
            if stop is None:
                # The clock starts at the first failure, not at the first try. A request
                # can hang until its own timeout first: an import a follower was passing
                # to a leader SIGKILLed meanwhile waited the whole 60 s, and a clock
                # started before it left no time to retry once a new leader was elected.
                stop = now + deadline_s
            if now + delay > stop:
                raise
            log.info("Typesense write failed transiently; retrying in %.1f s", delay)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
