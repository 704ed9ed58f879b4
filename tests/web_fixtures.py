"""Shared fixtures of the web tests: real Whoosh indexes built through SearchService.reindex.

Import the fixtures you use into a test module (``from tests.web_fixtures import ...``).
Indexes are session-scoped because reindexing runs spaCy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from search.service import SearchService
from search.settings import PROJECT_ROOT, Settings
from web import create_app

WEB_FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "web"
SEEDS = PROJECT_ROOT / "seeds"
HOSTILE_TITLE = "<script>alert(1)</script> Kremlin report <img src=x onerror=alert(1)>"


def build_index(index_dir: Path, sources: Path) -> Settings:
    """Index ``sources`` into ``index_dir`` the way ``dateline reindex`` does."""
    settings = Settings.from_env(index_dir=index_dir)
    report = SearchService(settings).reindex([sources])
    assert not report.skipped, report.skipped
    return settings


@pytest.fixture(scope="session")
def web_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of an index of tests/fixtures/web (8 articles, one hostile, one undated)."""
    return build_index(tmp_path_factory.mktemp("web-index"), WEB_FIXTURES)


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of an index of seeds/ (the user's article)."""
    return build_index(tmp_path_factory.mktemp("seed-index"), SEEDS)


@pytest.fixture(scope="session")
def web_app(web_settings: Settings) -> Flask:
    """The app over the fixture index."""
    return create_app({"SETTINGS": web_settings, "TESTING": True})


@pytest.fixture(scope="session")
def seed_app(seed_settings: Settings) -> Flask:
    """The app over the seeds/ index."""
    return create_app({"SETTINGS": seed_settings, "TESTING": True})


@pytest.fixture(scope="session")
def live_url(web_app: Flask) -> Iterator[str]:
    """The fixture-index app served by waitress (the production server) on 127.0.0.1."""
    from waitress.server import create_server

    server = create_server(web_app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=5)


@pytest.fixture()
def client(web_app: Flask) -> Iterator[FlaskClient]:
    """A test client of the fixture-index app."""
    with web_app.test_client() as c:
        yield c


@pytest.fixture()
def seed_client(seed_app: Flask) -> Iterator[FlaskClient]:
    """A test client of the seeds/ app."""
    with seed_app.test_client() as c:
        yield c


@pytest.fixture(scope="session")
def hostile_id(web_app: Flask) -> str:
    """Id of the fixture article whose title and body carry script and img payloads."""
    with web_app.test_client() as c:
        hits = c.get("/api/search", query_string={"q": "title:kremlin"}).get_json()["hits"]
    return next(h["id"] for h in hits if h["title"] == HOSTILE_TITLE)


class PageView(HTMLParser):
    """What a test (or a reader) sees on the search page, read from its data attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.total: int | None = None
        self.hits: list[str] = []
        self.facets: dict[str, dict[str, int]] = {}
        self.chips: list[tuple[str, str]] = []
        self.bars: dict[str, int] = {}
        self.scripts = 0
        self.event_handlers = 0  # on* attributes: none of ours, so any is an injection
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Collect results, facet values, chips and timeline bars."""
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "script":
            self.scripts += 1
        self.event_handlers += sum(1 for k in a if k.lower().startswith("on"))
        if a.get("id") == "result-count":
            self.total = int(a["data-total"])
        elif tag == "li" and "hit" in classes:
            self.hits.append(a["data-id"])
        elif tag == "a" and "facet-value" in classes:
            self.facets.setdefault(a["data-facet"], {})[a["data-value"]] = int(a["data-count"])
        elif tag == "a" and "chip-selected" in classes:
            self.chips.append((a["data-facet"], a["data-value"]))
        elif tag == "a" and "bar" in classes:
            self.bars[a["data-key"]] = int(a["data-count"])
