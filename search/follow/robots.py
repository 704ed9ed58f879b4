"""robots.txt, per host, cached for a day (RFC 9309 as the standard library reads it).

A robots.txt that is missing (4xx) allows everything; one that cannot be reached (5xx,
network error) disallows the host until it is asked again, as RFC 9309 says.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

TTL_S = 24 * 3600.0
UNREACHABLE_TTL_S = 600.0  # ask again sooner when it could not be read
MAX_ROBOTS_CHARS = 500_000


class RobotsCache:
    """Whether Dateline may fetch a URL, and the crawl-delay its host asks for."""

    def __init__(self, fetch: Callable[[str], tuple[int, str]], user_agent: str) -> None:
        self._fetch = fetch
        self._agent = user_agent
        self._rules: dict[str, tuple[float, RobotFileParser | None, bool]] = {}
        self._why: dict[str, str] = {}

    def refusal(self, url: str) -> str | None:
        """Why robots.txt keeps Dateline from fetching ``url``; None when it may."""
        parser, allow_all = self._for(url)
        host = urlsplit(url).netloc.lower()
        if parser is None:
            return None if allow_all else f"robots.txt of {host} unreachable ({self._why[host]})"
        if parser.can_fetch(self._agent, url):
            return None
        return f"disallowed by robots.txt ({host})"

    def crawl_delay(self, url: str) -> float | None:
        """The host's ``Crawl-delay`` for Dateline (or ``*``), if any."""
        parser, _ = self._for(url)
        if parser is None:
            return None
        delay = parser.crawl_delay(self._agent)
        return float(delay) if delay is not None else None

    def _for(self, url: str) -> tuple[RobotFileParser | None, bool]:
        parts = urlsplit(url)
        host = parts.netloc.lower()
        cached = self._rules.get(host)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1], cached[2]
        robots_url = urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))
        status, text = self._fetch(robots_url)
        parser: RobotFileParser | None = None
        allow_all, ttl = True, TTL_S
        if 200 <= status < 300:
            parser = RobotFileParser(robots_url)
            parser.parse(text[:MAX_ROBOTS_CHARS].splitlines())
        elif status >= 500:
            allow_all, ttl = False, UNREACHABLE_TTL_S
            self._why[host] = text or f"HTTP {status}"
        self._rules[host] = (time.monotonic() + ttl, parser, allow_all)
        return parser, allow_all
