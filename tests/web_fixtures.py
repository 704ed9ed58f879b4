"""Shared fixtures of the web tests: real Whoosh indexes built through SearchService.reindex.

Import the fixtures you use into a test module (``from tests.web_fixtures import ...``).
Indexes are session-scoped because reindexing runs spaCy.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from search.models import IndexDocument
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


@contextlib.contextmanager
def served(app: Flask) -> Iterator[str]:
    """``app`` served by waitress (the production server) on 127.0.0.1; its base URL.

    Stopped from inside its own loop: closing the sockets from this thread raced the
    loop's ``select`` and killed it with EBADF, reported on whichever test ran then.
    """
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:

        def close_all() -> None:
            # An empty socket map ends waitress's loop: the server, its trigger and any
            # kept-alive browser connection.
            for dispatcher in list(server._map.values()):
                dispatcher.close()

        server.trigger.pull_trigger(close_all)
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()


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
    with served(web_app) as url:
        yield url


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


# -- an index with copies and stories (issue 13) ---------------------------------------------
# Written with IndexDocuments whose copy_group and story are set directly, through the
# backend's writer: what the stories engine would have assigned at index time.

QUAKE = "a100000000000001"  # story of the Chile earthquake; also its first article's id
QUAKE_COPY = "a100000000000001"  # copy group: the AP story and two reprints of it
QUAKE_FOLLOW = "a100000000000004"
JAPAN = "b200000000000001"  # another earthquake: a story of its own
HOSTILE_STORY = "c300000000000001"


def story_doc(
    doc_id: str,
    title: str,
    body: str,
    *,
    source: str,
    day: int,
    story: str = "",
    copy_group: str = "",
    actors: tuple[str, ...] = (),
    countries: tuple[str, ...] = (),
) -> IndexDocument:
    """One stored article of the stories index, published in March 2025."""
    return IndexDocument(
        id=doc_id,
        key=f"stories/{doc_id}.txt",
        title=title,
        body=body,
        content_hash=f"hash-{doc_id}",
        url=f"https://news.example/{doc_id}",
        source=source,
        published=datetime(2025, 3, day, 9, 0, tzinfo=UTC),
        actors=actors,
        actor_kinds=tuple("person" for _ in actors),
        countries=countries,
        indexed_at=datetime(2025, 9, 1, 8, 30, tzinfo=UTC),
        copy_group=copy_group,
        story=story,
    )


QUAKE_BODY = (
    "A magnitude 7.1 earthquake struck northern Chile on Saturday, President Gabriel Boric "
    "said, as rescuers searched collapsed buildings in Antofagasta."
)
STORY_DOCS = (
    story_doc(
        QUAKE,
        "Strong earthquake hits northern Chile",
        QUAKE_BODY,
        source="AP",
        day=1,
        story=QUAKE,
        copy_group=QUAKE_COPY,
        actors=("Gabriel Boric",),
        countries=("CL",),
    ),
    story_doc(
        "a100000000000002",
        "Strong earthquake hits northern Chile",
        QUAKE_BODY,
        source="Reuters",
        day=1,
        story=QUAKE,
        copy_group=QUAKE_COPY,
        actors=("Gabriel Boric",),
        countries=("CL",),
    ),
    story_doc(
        "a100000000000003",
        "Strong earthquake hits northern Chile",
        QUAKE_BODY,
        source="The Guardian",
        day=2,
        story=QUAKE,
        copy_group=QUAKE_COPY,
        actors=("Gabriel Boric",),
        countries=("CL",),
    ),
    story_doc(
        QUAKE_FOLLOW,
        "Chile earthquake death toll rises as aid arrives from Peru",
        "The death toll of Saturday's earthquake in Chile rose to 40. Aid from Peru arrived "
        "in Antofagasta, Gabriel Boric said.",
        source="BBC",
        day=5,
        story=QUAKE,
        actors=("Gabriel Boric",),
        countries=("CL", "PE"),
    ),
    story_doc(
        JAPAN,
        "Earthquake shakes Tokyo, no damage reported",
        "A magnitude 5.2 earthquake shook Tokyo on Monday; no damage was reported.",
        source="NHK",
        day=3,
        countries=("JP",),
    ),
    story_doc(
        HOSTILE_STORY,
        HOSTILE_TITLE,
        "A report on the <b>earthquake</b> <img src=x onerror=alert(1)> response.",
        source="<script>alert(2)</script>",
        day=6,
        story=HOSTILE_STORY,
        actors=("<svg onload=alert(3)>",),
    ),
    story_doc(
        "c300000000000002",
        "Second report in the hostile story",
        "More on the response to the earthquake.",
        source="AP",
        day=7,
        story=HOSTILE_STORY,
    ),
)


def write_documents(index_dir: Path, docs: tuple[IndexDocument, ...]) -> Settings:
    """A full build of ``docs`` through the backend's writer (no extraction, no spaCy)."""
    settings = Settings(index_dir=index_dir)
    writer = SearchService(settings).backend.writer(full=True)
    for doc in docs:
        writer.add(doc)
    writer.commit()
    return settings


@pytest.fixture(scope="session")
def story_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The app over an index of STORY_DOCS (copies and stories set)."""
    settings = write_documents(tmp_path_factory.mktemp("story-index"), STORY_DOCS)
    return create_app({"SETTINGS": settings, "TESTING": True})


@pytest.fixture()
def story_client(story_app: Flask) -> Iterator[FlaskClient]:
    """A test client of the stories app."""
    with story_app.test_client() as c:
        yield c


@pytest.fixture(scope="session")
def story_live_url(story_app: Flask) -> Iterator[str]:
    """The stories app served by waitress on 127.0.0.1 (for the browser)."""
    with served(story_app) as url:
        yield url
