"""A real HTTP server on 127.0.0.1 for the follow tests: feeds, pages, robots.txt, faults.

Routes are set per path (``server.route(path, ...)``) and may change while it runs: a
feed gains items, a page starts failing. Every request is logged (path, request headers,
status), so a test can count the pages a poll fetched. ETag and Last-Modified are
honoured: a route with an ``etag`` answers 304 to a matching ``If-None-Match``.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape


@dataclass
class Route:
    """What one path answers."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True  # send an ETag and honour If-None-Match
    last_modified: bool = True  # send Last-Modified and honour If-Modified-Since
    delay_s: float = 0.0  # wait before answering (a page that never answers)
    gzip: bool = False  # send the body gzip-encoded as given (already compressed)


@dataclass
class Hit:
    """One request the server saw."""

    path: str
    headers: dict[str, str]
    status: int


class FeedServer:
    """A threaded HTTP server; use as a context manager (``with FeedServer() as s``)."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.times: list[float] = []  # time.monotonic() of each request, as they arrive
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        """The absolute URL of ``path``."""
        return self.base + path

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)

    def route(self, path: str, body: bytes | str = b"", **options: object) -> None:
        """Answer ``path`` with ``body`` (and the ``Route`` options)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self.lock:
            self.routes[path] = Route(body=data, **options)  # type: ignore[arg-type]

    def paths(self, prefix: str = "") -> list[str]:
        """Paths requested so far that start with ``prefix``, in order."""
        with self.lock:
            return [h.path for h in self.hits if h.path.startswith(prefix)]

    def clear(self) -> None:
        """Forget the requests seen so far."""
        with self.lock:
            self.hits.clear()
            self.times.clear()


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body in one segment, no Nagle: else each response waits ~40 ms for
        # the client's delayed ACK, and the server, not Dateline, sets every figure.
        wbufsize = 256 * 1024
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            with server.lock:
                server.times.append(time.monotonic())
                route = server.routes.get(self.path)
            if route is None:
                route = Route(b"not found", status=404, content_type="text/plain")
            if route.delay_s:
                # Never answering: wait until the client gives up or the server closes.
                server.closing.wait(route.delay_s)
            tag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
            status = route.status
            headers = {"Content-Type": route.content_type, **route.headers}
            stamp = format_datetime(datetime(2026, 1, 1, tzinfo=UTC), True)
            if route.etag and status == 200:
                headers["ETag"] = tag
                if self.headers.get("If-None-Match") == tag:
                    status = 304
            if route.last_modified and route.etag is not None and status == 200:
                headers["Last-Modified"] = stamp
                if not route.etag and self.headers.get("If-Modified-Since") == stamp:
                    status = 304  # no ETag: the date decides (with one, the ETag does)
            body = b"" if status == 304 else route.body
            if route.gzip and status == 200:
                headers["Content-Encoding"] = "gzip"
            with server.lock:
                server.hits.append(Hit(self.path, dict(self.headers.items()), status))
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


# ---------------------------------------------------------------- content


def rss(title: str, items: Iterable[dict[str, str]], extra: str = "") -> str:
    """An RSS 2.0 feed; each item a dict of ``title``, ``link``, ``guid``, ``pubDate``..."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"'
        ' xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel>',
        f"<title>{escape(title)}</title><link>http://127.0.0.1/</link>{extra}",
    ]
    for item in items:
        fields = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in item.items())
        parts.append(f"<item>{fields}</item>")
    parts.append("</channel></rss>\n")
    return "".join(parts)


def atom(title: str, entries: Iterable[dict[str, str]]) -> str:
    """An Atom feed; each entry a dict of ``title``, ``link``, ``id``, ``updated``."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(title)}</title><id>urn:test</id><updated>2026-01-01T00:00:00Z</updated>",
    ]
    for e in entries:
        parts.append(
            f'<entry><title>{escape(e["title"])}</title><link href="{escape(e["link"])}"/>'
            f"<id>{escape(e['id'])}</id><updated>{e.get('updated', '2026-01-01T00:00:00Z')}"
            "</updated></entry>"
        )
    parts.append("</feed>\n")
    return "".join(parts)


def article_page(n: int, title: str | None = None, canonical: str | None = None) -> str:
    """A small, distinct article page (our own text: no corpus data copied)."""
    topics = ("harbour", "railway", "vineyard", "library", "bridge", "orchestra", "glacier")
    towns = ("Elwyn", "Marrow", "Tessel", "Brandon", "Quill", "Harlow", "Osric")
    topic, town = topics[n % len(topics)], towns[(n // 7) % len(towns)]
    head = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    paragraphs = "".join(
        f"<p>Paragraph {k} of report {n}: the {topic} council of {town} met on Tuesday "
        f"and agreed measure {n * 31 + k} after a long debate about the {topic} budget, "
        f"said mayor Ada Quist{n}, who promised a vote by the end of the month.</p>"
        for k in range(6)
    )
    return (
        f"<!doctype html><html><head><title>{title or f'Report {n}'}</title>{head}"
        '<meta property="article:published_time" content="2026-03-0'
        f'{1 + n % 9}T10:00:00Z"></head><body><nav>Home | World | Sport</nav>'
        f"<article><h1>{title or f'Report {n}: {topic} in {town}'}</h1>{paragraphs}</article>"
        "<footer>Copyright Test News</footer></body></html>"
    )


def corpus_pages(corpora: Path, limit: int) -> list[bytes]:
    """Up to ``limit`` real article pages of news-html-dev, decompressed (read, not copied)."""
    folder = corpora / "news-html-dev" / "html"
    return [gzip.decompress(p.read_bytes()) for p in sorted(folder.glob("*.html.gz"))[:limit]]


def wait_for(predicate: object, timeout: float = 30.0) -> bool:
    """Poll ``predicate()`` until true or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False
