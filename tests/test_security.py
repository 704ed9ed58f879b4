"""Issue 7 item 3: web security. Escaping, headers, production config, limits, paths, writes.

Stored XSS payloads go into a real index through a JSONL source (title, body, source,
url and an HTML body); reflected ones come in through every parameter. Pages are parsed,
not grepped: any inline script, ``on*`` handler or ``javascript:`` URL fails. Limits and
path tricks are also sent to the real production server (``dateline serve``, waitress)
over raw sockets, because test clients normalise what attackers do not.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from search.service import SearchService
from search.settings import PROJECT_ROOT, Settings
from tests.reliability_helpers import (
    free_port,
    injection_problems,
    start_dateline,
    stop,
    tags_in,
    wait_for_http,
)
from web import create_app

MARK = "xss"  # every payload calls alert('xss...') so a leak is easy to spot
PAYLOADS = (
    "<script>alert('xss1')</script>",
    "<img src=x onerror=alert('xss2')>",
    "\"><svg onload=alert('xss3')>",
    "'><a href=javascript:alert('xss4')>x</a>",
    "</textarea></title><script>alert('xss5')</script>",
    "{{7*7}}{% raw %}",
)
HOSTILE_RECORDS = [
    {
        "id": "t1",
        "title": f"Oil prices {PAYLOADS[0]}",
        "body": f"Oil prices rose in Riyadh. {PAYLOADS[1]} Vladimir Putin said OPEC would "
        f"meet. {PAYLOADS[2]} Angela Merkel <b onmouseover=alert('xss6')>welcomed</b> it.",
        "source": f"Evil Wire {PAYLOADS[0]}",
        "url": "javascript:alert('xss-url')",
        "published": "2025-06-01",
    },
    {
        "id": "t2",
        "title": f"Wheat harvest {PAYLOADS[1]}",
        "body": f"Wheat farmers in Kansas expect a record harvest. {PAYLOADS[3]} {PAYLOADS[4]}",
        "url": " JaVa\tScRiPt:alert('xss-url2')",
        "source": "Plain Wire",
    },
    {
        "id": "t3",
        "title": "Gold rally",
        "html": "<p>Gold rallied in London <script>alert('xss-html')</script> on Monday "
        "<img src=x onerror=alert('xss-html2')> as the dollar fell.</p>",
        "url": "data:text/html;base64,PHNjcmlwdD5hbGVydCgneHNzJyk8L3NjcmlwdD4=",
    },
    {
        "id": "t4",
        "title": "Copper exports from Chile",
        "body": "Copper exports from Chile rose sharply, the mining ministry in Santiago said.",
        "url": "https://news.example.org/copper?a=1&b=<script>",
        "source": "Example Wire",
    },
]
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": ("same-origin", "no-referrer", "strict-origin-when-cross-origin"),
}
CSP_DIRECTIVES = ("default-src 'self'", "object-src 'none'", "frame-ancestors 'none'")
WRITE_METHODS = ("POST", "PUT", "DELETE", "PATCH")
PYPI_PROBE = "https://pypi.org/pypi/flask/json"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real index holding the hostile records."""
    root = tmp_path_factory.mktemp("security")
    corpus = root / "corpus"
    corpus.mkdir()
    lines = [json.dumps(r) for r in HOSTILE_RECORDS]
    (corpus / "hostile.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = SearchService(Settings(index_dir=root / "index")).reindex([corpus])
    assert report.indexed == len(HOSTILE_RECORDS), report
    return root / "index"


@pytest.fixture(scope="module")
def app(index_dir: Path) -> Flask:
    """The production app over the hostile index."""
    return create_app({"SETTINGS": Settings(index_dir=index_dir)})


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    """A test client (each test request is checked for headers and escaping)."""
    return app.test_client()


@pytest.fixture(scope="module")
def ids(app: Flask) -> list[str]:
    """Ids of the indexed hostile articles."""
    service: SearchService = app.extensions["dateline"]
    return sorted(doc.id for doc in service.backend.iter_documents())


def assert_safe_page(response: Any, where: str) -> str:
    """An HTML page without injected script, with every payload escaped."""
    html = response.get_data(as_text=True)
    assert response.mimetype == "text/html", (where, response.mimetype)
    assert injection_problems(html) == [], where
    for payload in PAYLOADS[:5]:
        assert payload not in html, (where, payload)
    return html


def test_stored_xss_on_every_page(client: FlaskClient, ids: list[str]) -> None:
    """Search results, article pages and facet pages escape hostile stored fields."""
    pages = [
        "/",
        "/?q=oil",
        "/?q=wheat",
        "/?q=gold",
        "/?q=alert",
        "/?q=script",
        "/?q=onerror",
        "/?" + urlencode({"source": f"Evil Wire {PAYLOADS[0]}"}),
        "/facets/actor",
        "/facets/source",
        "/facets/country",
        *[f"/articles/{i}" for i in ids],
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_safe_page(response, path)


def test_hostile_title_is_shown_as_text(client: FlaskClient, ids: list[str]) -> None:
    """The payload is visible to the reader (escaped), not silently dropped or executed."""
    html = "".join(client.get(f"/articles/{i}").get_data(as_text=True) for i in ids)
    assert "&lt;script&gt;alert(" in html


def test_links_never_use_javascript_or_data_urls(client: FlaskClient, ids: list[str]) -> None:
    """The article ``url`` field is rendered as a link only when it is http(s)."""
    for i in ids:
        html = client.get(f"/articles/{i}").get_data(as_text=True)
        assert injection_problems(html) == []
        assert 'href="javascript' not in html.lower().replace("\t", "")
        assert 'href="data:' not in html.lower()


def test_api_snippets_hold_only_mark_tags(client: FlaskClient) -> None:
    """Snippets are the only HTML in the JSON; everything but <mark> is escaped."""
    for q in ("oil", "wheat", "gold", "alert", "script", "onerror", "img"):
        data = client.get("/api/search", query_string={"q": q}).get_json()
        assert data["ok"] is True, data
        for hit in data["hits"]:
            assert tags_in(hit["snippet"]) <= {"mark"}, hit["snippet"]


def test_api_is_json_not_html(client: FlaskClient, ids: list[str]) -> None:
    """A browser never renders an API answer as HTML (payloads in JSON stay inert)."""
    for path in ("/api/search?q=oil", f"/api/articles/{ids[0]}", "/api/articles/zz"):
        response = client.get(path)
        assert response.mimetype == "application/json", path
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize(
    "where",
    ["q", "actor", "country", "source", "from", "to", "sort", "page", "per_page", "facet_size"],
)
def test_reflected_xss_in_parameters(client: FlaskClient, where: str, payload: str) -> None:
    """Every parameter echoed back (values, error messages) is escaped."""
    query = {"q": "oil", where: payload} if where != "q" else {"q": payload}
    response = client.get("/", query_string=query)
    assert response.status_code in (200, 400), response.status_code
    assert_safe_page(response, f"/?{where}=")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_reflected_xss_in_paths_and_facet_prefix(client: FlaskClient, payload: str) -> None:
    """Error pages and the facet finder echo paths and prefixes escaped."""
    quoted = quote(payload, safe="")
    for path in (
        f"/articles/{quoted}",
        f"/facets/{quoted}",
        f"/no/such/page/{quoted}",
        "/facets/actor?" + urlencode({"prefix": payload}),
    ):
        response = client.get(path)
        assert response.status_code in (200, 400, 404), (path, response.status_code)
        assert_safe_page(response, path)


def _responses(client: FlaskClient, ids: list[str]) -> dict[str, Any]:
    return {
        "search page": client.get("/?q=oil"),
        "empty search page": client.get("/"),
        "bad query page": client.get("/?q=*"),
        "article page": client.get(f"/articles/{ids[0]}"),
        "missing article page": client.get("/articles/0000000000000000"),
        "facet page": client.get("/facets/actor"),
        "unknown page": client.get("/nothing-here"),
        "api search": client.get("/api/search?q=oil"),
        "api error": client.get("/api/search?page=0"),
        "api article": client.get(f"/api/articles/{ids[0]}"),
        "api health": client.get("/api/health"),
        "api openapi": client.get("/api/openapi.json"),
        "api csv export": client.get("/api/search?q=oil&format=csv"),
        "method not allowed": client.post("/api/search"),
        "static css": client.get("/static/style.css"),
        "static js": client.get("/static/app.js"),
    }


def test_security_headers_on_every_response(client: FlaskClient, ids: list[str]) -> None:
    """CSP without unsafe-inline, nosniff, no framing, a referrer policy: on everything."""
    problems = {}
    for name, response in _responses(client, ids).items():
        headers = response.headers
        csp = headers.get("Content-Security-Policy", "")
        missing = [d for d in CSP_DIRECTIVES if d not in csp]
        if "unsafe-inline" in csp or "unsafe-eval" in csp:
            missing.append("no unsafe-inline/unsafe-eval")
        for header, allowed in SECURITY_HEADERS.items():
            value = headers.get(header)
            if value not in (allowed if isinstance(allowed, tuple) else (allowed,)):
                missing.append(f"{header}: {value}")
        if headers.get("X-Frame-Options") not in ("DENY", "SAMEORIGIN"):
            missing.append(f"X-Frame-Options: {headers.get('X-Frame-Options')}")
        if missing:
            problems[name] = missing
        response.close()  # static files are streamed from an open file
    assert problems == {}


def test_production_config_has_no_debug_and_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """``create_app()`` as ``dateline serve`` builds it: no debug, no test mode, no secret."""
    for name in list(os.environ):
        if name.startswith(("DATELINE_", "FLASK_")):
            monkeypatch.delenv(name)
    app = create_app()
    config = {
        "debug": app.debug,
        "DEBUG": app.config["DEBUG"],
        "TESTING": app.config["TESTING"],
        "PROPAGATE_EXCEPTIONS": app.config["PROPAGATE_EXCEPTIONS"] is True,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "TRAP_HTTP_EXCEPTIONS": app.config["TRAP_HTTP_EXCEPTIONS"],
        "request body limited": app.config["MAX_CONTENT_LENGTH"] is not None,
    }
    assert config == {
        "debug": False,
        "DEBUG": False,
        "TESTING": False,
        "PROPAGATE_EXCEPTIONS": False,
        "SECRET_KEY": None,
        "TRAP_HTTP_EXCEPTIONS": False,
        "request body limited": True,
    }


def test_no_hard_coded_secrets_in_the_code() -> None:
    """No SECRET_KEY, API key or password literal in the shipped packages."""
    suspicious = []
    for package in ("search", "web"):
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                lowered = line.lower().replace(" ", "")
                if any(
                    f'{key}="' in lowered and not lowered.endswith(('=""', "=''"))
                    for key in ("secret_key", "api_key", "password")
                ):
                    suspicious.append(f"{path.relative_to(PROJECT_ROOT)}:{n}: {line.strip()}")
    assert suspicious == []


@pytest.mark.parametrize(
    ("path", "mimetype"), [("/api/boom", "application/json"), ("/boom", "text/html")]
)
def test_unexpected_errors_show_no_traceback(index_dir: Path, path: str, mimetype: str) -> None:
    """A bug in a view is a generic 500 message, never the exception or its traceback."""
    app = create_app({"SETTINGS": Settings(index_dir=index_dir)})

    def boom() -> str:
        raise RuntimeError("secret internal detail")

    app.add_url_rule(path, "boom", boom)
    app.logger.disabled = True  # the handler logs the traceback; that is the point
    response = app.test_client().get(path)
    body = response.get_data(as_text=True)
    assert (response.status_code, response.mimetype) == (500, mimetype)
    assert "secret internal detail" not in body and "Traceback" not in body
    assert "Content-Security-Policy" in response.headers
    if mimetype == "application/json":
        assert set(response.get_json()) == {"ok", "status", "error"}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/search",
        "/api/health",
        "/api/facets/actor",
        "/facets/actor",
        "/articles/{id}",
        "/api/articles/{id}",
    ],
)
@pytest.mark.parametrize("method", WRITE_METHODS)
def test_no_write_operations_over_http(
    client: FlaskClient, ids: list[str], path: str, method: str
) -> None:
    """Nothing changes the index over HTTP: every write method is a 405 with Allow."""
    url = path.format(id=ids[0])
    response = client.open(url, method=method, data=b'{"title": "injected"}')
    assert response.status_code == 405, (method, url, response.status_code)
    assert "POST" not in response.headers.get("Allow", "") and "GET" in response.headers["Allow"]
    if url.startswith("/api/"):
        assert response.get_json()["status"] == 405
    assert len(ids) == len(HOSTILE_RECORDS)


@pytest.mark.parametrize("path", ["/api/reindex", "/reindex", "/api/articles", "/admin"])
def test_no_hidden_write_endpoints(client: FlaskClient, path: str) -> None:
    """Likely admin paths do not exist for any method."""
    for method in ("GET", *WRITE_METHODS):
        assert client.open(path, method=method).status_code in (404, 405), (method, path)


# --- the real server: limits and path tricks that test clients would normalise -----------


@pytest.fixture(scope="module")
def server(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``dateline serve`` (waitress) on a free 127.0.0.1 port; yields ``host:port``."""
    port = free_port()
    log = tmp_path_factory.mktemp("server-log") / "serve.log"
    proc = start_dateline("serve", "--port", str(port), index_dir=index_dir, log=log)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/health", timeout=60, proc=proc)
        yield f"127.0.0.1:{port}"
    finally:
        stop(proc)
        output = log.read_text(errors="replace")
        assert "Traceback" not in output, output[-3000:]


def raw_request(hostport: str, request_line: str, body: bytes = b"", headers: str = "") -> bytes:
    """Send bytes exactly as written (no normalisation) and return the raw response."""
    host, port = hostport.split(":")
    head = f"{request_line}\r\nHost: {hostport}\r\nConnection: close\r\n{headers}"
    if body:
        head += f"Content-Length: {len(body)}\r\n"
    data = (head + "\r\n").encode("latin-1") + body
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before reading everything: fine
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    """The status code of a raw HTTP response."""
    assert response.startswith(b"HTTP/1."), response[:200]
    return int(response.split(b" ", 2)[1])


@pytest.mark.parametrize(
    "target",
    [
        "/articles/../../etc/passwd",
        "/api/articles/../../../etc/passwd",
        "/articles/..%2F..%2Fetc%2Fpasswd",
        "/api/articles/..%2f..%2f..%2fetc%2fpasswd",
        "/articles/%2e%2e/%2e%2e/etc/passwd",
        "/api/articles/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/articles/c716a0dd2764d5b2%00",
        "/api/articles/%00",
        "/api/articles/..%00/etc/passwd",
        "/static/../../../../etc/passwd",
        "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/articles/" + "a" * 5000,
        "/articles/%u002e%u002e%u2215etc%u2215passwd",
    ],
)
def test_article_ids_cannot_reach_the_file_system(server: str, target: str) -> None:
    """Traversal in any encoding is a 404 (or 400) and never shows a file's contents."""
    response = raw_request(server, f"GET {target} HTTP/1.1")
    assert status_of(response) in (400, 404), response[:300]
    assert b"root:" not in response


@pytest.mark.parametrize(
    ("name", "request_line", "body", "headers"),
    [
        ("100 KB query", "GET /api/search?q=" + "a" * 100_000 + " HTTP/1.1", b"", ""),
        ("1 MB query", "GET /api/search?q=" + "a" * 1_000_000 + " HTTP/1.1", b"", ""),
        ("1 MB query page", "GET /?q=" + "b" * 1_000_000 + " HTTP/1.1", b"", ""),
        ("10,000 keys", "GET /api/search?" + "actor=x&" * 10_000 + " HTTP/1.1", b"", ""),
        ("huge header", "GET /api/search?q=oil HTTP/1.1", b"", "X-Big: " + "h" * 500_000 + "\r\n"),
        ("5 MB POST", "POST /api/search HTTP/1.1", b"q=" + b"c" * 5_000_000, ""),
        (
            "5 MB form POST",
            "POST / HTTP/1.1",
            b"q=" + b"d" * 5_000_000,
            "Content-Type: application/x-www-form-urlencoded\r\n",
        ),
        ("lying length", "POST /api/search HTTP/1.1", b"", "Content-Length: 99999999999\r\n"),
    ],
)
def test_request_size_limits(
    server: str, name: str, request_line: str, body: bytes, headers: str
) -> None:
    """Oversized requests get a 4xx (never a 500), and the server keeps serving."""
    response = raw_request(server, request_line, body, headers)
    if response:  # a server may also just close on a request it will not read
        assert 400 <= status_of(response) < 500, (name, response[:300])
        assert b"Traceback" not in response
    status, _, _ = _get(server, "/api/search?q=oil")
    assert status == 200


def _get(hostport: str, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(hostport, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_production_server_is_waitress_with_headers(server: str) -> None:
    """The served site is the production server (no Werkzeug dev server) with the headers."""
    status, headers, _ = _get(server, "/?q=oil")
    assert status == 200
    assert "werkzeug" not in headers.get("Server", "").lower()
    assert "Content-Security-Policy" in headers


# --- dependencies ---------------------------------------------------------------------


def _pinned_requirements() -> list[str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(project["project"]["dependencies"])


def _advisory_db_unreachable() -> str | None:
    """Why pip-audit's source (PyPI's JSON API, which carries advisories) cannot be used."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(PYPI_PROBE, timeout=10) as response:
            response.read(1)
        return None
    except urllib.error.HTTPError as e:
        return f"{PYPI_PROBE} answered HTTP {e.code} (a mirror without the JSON API?)"
    except OSError as e:
        return f"{PYPI_PROBE} unreachable ({e})"


@pytest.mark.slow
def test_pinned_dependencies_have_no_known_vulnerabilities(tmp_path: Path) -> None:
    """pip-audit over pyproject's pins; skips (never fails) when it cannot ask the DB."""
    if shutil.which("pip-audit") is None and not _has_module("pip_audit"):
        pytest.skip("pip-audit is not installed (pip install pip-audit)")
    requirements = _pinned_requirements()
    assert all("==" in r for r in requirements), f"unpinned: {requirements}"
    if reason := _advisory_db_unreachable():
        pytest.skip(f"cannot reach the advisory database: {reason}")
    req = tmp_path / "requirements.txt"
    req.write_text("\n".join(requirements) + "\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(req),
            "--no-deps",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--format",
            "json",
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except ValueError:
        # No JSON: pip-audit could not finish (network, index outage), not a finding.
        pytest.skip(f"pip-audit could not run: {result.stderr.strip()[-500:]}")
    dependencies = report.get("dependencies", [])
    unaudited = {d["name"]: d["skip_reason"] for d in dependencies if d.get("skip_reason")}
    if dependencies and len(unaudited) == len(dependencies):
        pytest.skip(f"pip-audit could not look any pin up: {next(iter(unaudited.values()))}")
    findings = {
        d["name"]: [v["id"] for v in d.get("vulns", [])] for d in dependencies if d.get("vulns")
    }
    assert findings == {}, result.stderr
    print(f"audited {len(dependencies) - len(unaudited)} pins; not found: {sorted(unaudited)}")


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


@pytest.mark.parametrize(
    ("html", "problems"),
    [
        ("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", 0),
        ('<script src="/static/app.js"></script>', 0),
        ("<script>alert(1)</script>", 1),
        ('<img src="x" onerror="alert(1)">', 1),
        ('<a href=" JaVa&#09;ScRiPt:alert(1)">x</a>', 1),
        ('<a href="data:text/html;base64,xx">x</a>', 1),
        ('<a href="https://example.org/?q=javascript:">x</a>', 0),
        ('<p style="color:red">x</p>', 1),
    ],
)
def test_the_injection_checker_itself(html: str, problems: int) -> None:
    """The page checker above catches what it must and passes escaped text."""
    assert len(injection_problems(html)) == problems
