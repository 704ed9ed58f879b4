"""The polite HTTP client of ``dateline follow`` (httpx).

Every request goes through :class:`Fetcher`: a User-Agent naming Dateline and a contact
URL, robots.txt (and its crawl-delay), one request at a time per host with a delay between
two, conditional GET, connect and read timeouts, caps on the response size and on
redirects, gzip and deflate decoded here with the cap applied to the decoded size (a gzip
bomb is refused after the cap, never inflated in memory), and retries with backoff on 5xx
answers and network errors. Failures are :class:`FetchError`s with a reason for people.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from search.follow.robots import RobotsCache

log = logging.getLogger(__name__)

VERSION = "0.1"
RETRY_STATUSES = frozenset({500, 502, 503, 504, 429})
REDIRECTS = frozenset({301, 302, 303, 307, 308})


class FetchError(Exception):
    """A URL could not be fetched; ``str`` is the reason, ``status`` the HTTP status if any."""

    def __init__(
        self,
        reason: str,
        status: int | None = None,
        retry: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.status = status
        self.retry = retry
        self.retry_after = retry_after  # seconds a 429 or 503 asked us to wait


@dataclass(frozen=True, slots=True)
class Politeness:
    """How hard Dateline may press on servers; tests make the delays tiny."""

    contact: str = ""  # a URL people can reach the operator at, sent in the User-Agent
    delay_s: float = 1.0  # between two requests to one host
    max_delay_s: float = 60.0  # a robots.txt crawl-delay is honoured up to this
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    max_bytes: int = 10 * 1024 * 1024  # decoded body
    max_redirects: int = 5
    retries: int = 2
    backoff_s: float = 2.0  # first retry after this, then doubled

    @property
    def user_agent(self) -> str:
        """``Dateline/0.1 (+contact)``: who is crawling and how to reach them."""
        contact = f"; +{self.contact}" if self.contact else ""
        return f"Dateline/{VERSION} (news archive{contact})"


@dataclass(frozen=True, slots=True)
class Response:
    """A fetched document: final URL, status (200 or 304), body, validators, content type."""

    url: str
    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    location: str | None = None  # a redirect's target


class Fetcher:
    """One client for a whole follow: connection reuse, per-host clocks, robots cache."""

    def __init__(
        self, politeness: Politeness, sleep: Callable[[float], bool] | None = None
    ) -> None:
        self.politeness = politeness
        p = politeness
        self.client = httpx.Client(
            timeout=httpx.Timeout(p.read_timeout_s, connect=p.connect_timeout_s),
            follow_redirects=False,  # followed here, with the cap, loop check and robots
            headers={"User-Agent": p.user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,
        )
        self._next: dict[str, float] = {}  # host -> earliest time of its next request
        self._crawl_delay: dict[str, float] = {}
        self._lock = threading.Lock()
        self.robots = RobotsCache(self._fetch_robots, p.user_agent)
        # Waits are interruptible: a stop request ends them (the poller passes its event).
        self._sleep = sleep or _sleep
        self.requests = 0

    def close(self) -> None:
        """Close the connections."""
        self.client.close()

    def ready_at(self, url: str) -> float:
        """The monotonic time at which ``url``'s host may be asked again."""
        return self._next.get(_host(url), 0.0)

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Response:
        """Fetch ``url`` politely (robots, delay, retries, redirects); 304 when unchanged.

        Raises :class:`FetchError` with the reason when it cannot.
        """
        seen = [url]
        current = url
        for _ in range(self.politeness.max_redirects + 1):
            refusal = self.robots.refusal(current)
            if refusal:
                raise FetchError(refusal)
            self.note_crawl_delay(current, self.robots.crawl_delay(current))
            response = self._with_retries(current, etag, last_modified)
            if response.status not in REDIRECTS:
                return response
            target = response.location
            if not target:
                raise FetchError(f"redirect {response.status} without a Location", 0)
            current = urljoin(current, target)
            if urlsplit(current).scheme not in ("http", "https"):
                raise FetchError(f"redirect to a non-HTTP URL: {current[:200]}")
            if current in seen:
                raise FetchError(f"redirect loop ({' -> '.join(seen[-3:])} -> {current})")
            seen.append(current)
            etag = last_modified = None  # validators belong to the first URL
        raise FetchError(f"too many redirects (more than {self.politeness.max_redirects})")

    def _with_retries(self, url: str, etag: str | None, last_modified: str | None) -> Response:
        p = self.politeness
        for attempt in range(p.retries + 1):
            try:
                return self._once(url, etag, last_modified)
            except FetchError as e:
                if not e.retry or attempt == p.retries:
                    raise
                wait = p.backoff_s * (2**attempt)
                if e.retry_after is not None:
                    if e.retry_after > p.max_delay_s:
                        raise  # asked to come back much later: the schedule will
                    wait = max(wait, e.retry_after)
                log.info("retrying %s in %.1f s: %s", url, wait, e)
                if not self._sleep(wait):
                    raise
        raise AssertionError("unreachable")

    def _once(self, url: str, etag: str | None, last_modified: str | None) -> Response:
        self._wait_turn(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        self.requests += 1
        try:
            with self.client.stream("GET", url, headers=headers) as r:
                if r.status_code in REDIRECTS:
                    location = r.headers.get("location")
                    return Response(url, r.status_code, location=location)
                if r.status_code == 304:
                    return Response(url, 304, etag=etag, last_modified=last_modified)
                if r.status_code >= 400:
                    raise FetchError(
                        f"HTTP {r.status_code} {r.reason_phrase}".strip(),
                        r.status_code,
                        retry=r.status_code in RETRY_STATUSES,
                        retry_after=_seconds(r.headers.get("retry-after")),
                    )
                body = self._read_capped(r)
                return Response(
                    str(r.url),
                    r.status_code,
                    body,
                    r.headers.get("etag"),
                    r.headers.get("last-modified"),
                    r.headers.get("content-type"),
                )
        except httpx.TimeoutException as e:
            raise FetchError(f"timed out ({type(e).__name__})", retry=True) from e
        except httpx.TransportError as e:
            raise FetchError(f"network error: {type(e).__name__}: {e}", retry=True) from e
        except (httpx.InvalidURL, UnicodeError) as e:
            raise FetchError(f"invalid URL: {e}") from e
        except FetchError:
            raise
        except (httpx.HTTPError, OSError, ValueError) as e:
            # Anything else the client or a server can throw at us: one URL's failure.
            raise FetchError(f"unexpected error: {type(e).__name__}: {e}") from e
        finally:
            self._done(url)

    def _read_capped(self, r: httpx.Response) -> bytes:
        cap = self.politeness.max_bytes
        declared = r.headers.get("content-length", "")
        encoding = r.headers.get("content-encoding", "identity").strip().lower()
        if declared.isdigit() and int(declared) > cap and encoding == "identity":
            raise FetchError(f"response too large ({int(declared)} bytes, limit {cap})")
        decoder = _decoder(encoding)
        out = bytearray()
        for chunk in r.iter_raw(64 * 1024):
            if decoder is None:
                out += chunk
            else:
                # max_length bounds what one chunk may inflate to: a bomb stops at the cap.
                data = decoder.decompress(chunk, cap + 1 - len(out))
                out += data
                while decoder.unconsumed_tail and len(out) <= cap:
                    out += decoder.decompress(decoder.unconsumed_tail, cap + 1 - len(out))
            if len(out) > cap:
                what = "decompressed response" if decoder else "response"
                raise FetchError(f"{what} too large (over {cap} bytes)")
        return bytes(out)

    def _wait_turn(self, url: str) -> None:
        """Sleep until the host's delay since its last request has passed."""
        host = _host(url)
        wait = self._next.get(host, 0.0) - time.monotonic()
        if wait > 0 and not self._sleep(wait):
            raise FetchError("stopped")

    def _done(self, url: str) -> None:
        host = _host(url)
        delay = max(self.politeness.delay_s, self._crawl_delay.get(host, 0.0))
        self._next[host] = time.monotonic() + delay

    def _fetch_robots(self, robots_url: str) -> tuple[int, str]:
        """(status, text) of a robots.txt; network failures count as unreachable (599)."""
        try:
            response = self._with_retries(robots_url, None, None)
        except FetchError as e:
            # Missing (4xx) allows all; unreachable (5xx, network) disallows for a while.
            return (e.status or 599, "" if e.status else str(e))
        if response.status in REDIRECTS:
            return (404, "")  # a redirected robots.txt: treated as absent, kept simple
        return (response.status, response.body.decode("utf-8", "replace"))

    def note_crawl_delay(self, url: str, delay: float | None) -> None:
        """Honour a robots.txt crawl-delay for ``url``'s host (up to ``max_delay_s``)."""
        if delay:
            self._crawl_delay[_host(url)] = min(float(delay), self.politeness.max_delay_s)


def _decoder(encoding: str) -> zlib._Decompress | None:
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    if encoding in ("identity", ""):
        return None
    raise FetchError(f"unsupported content encoding {encoding!r}")


def _seconds(value: str | None) -> float | None:
    """A ``Retry-After`` in seconds (the HTTP-date form is rare; treated as absent)."""
    if value and value.strip().isdigit():
        return float(value.strip())
    return None


def _sleep(seconds: float) -> bool:
    time.sleep(seconds)
    return True


def _host(url: str) -> str:
    """The politeness key: scheme-less host and port."""
    return urlsplit(url).netloc.lower()
