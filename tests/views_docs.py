"""Articles of the views' tests: actors and countries (historical codes among them)
mentioned together, dates from 1987 to 1991 with gaps, one undated article, copies and a
story, a hostile actor name, and an alias in the applied alias table."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask

from search.aliases import AliasTable, save_applied
from search.models import IndexDocument
from search.service import SearchService
from search.settings import Settings
from tests.web_fixtures import served
from web import create_app

GORBACHEV = "Mikhail Gorbachev"
REAGAN = "Ronald Reagan"
KOHL = "Helmut Kohl"
HOSTILE = "<script>alert('actor')</script>"
STORY = "d000000000000001"


def view_doc(
    n: int,
    title: str,
    *,
    day: tuple[int, int, int] | None,
    actors: tuple[str, ...] = (),
    countries: tuple[str, ...] = (),
    source: str = "Reuters",
    story: str = "",
    copy_group: str = "",
) -> IndexDocument:
    """One stored article with id ``d0…0n``."""
    doc_id = f"d{n:015d}"
    return IndexDocument(
        id=doc_id,
        key=f"views/{doc_id}.txt",
        title=title,
        body=f"{title}. Talks continued on arms control and trade.",
        content_hash=f"hash-{doc_id}",
        url=f"https://news.example/{doc_id}",
        source=source,
        published=datetime(*day, 12, 0, tzinfo=UTC) if day else None,
        actors=actors,
        actor_kinds=tuple("person" for _ in actors),
        countries=countries,
        indexed_at=datetime(2025, 9, 1, 8, 30, tzinfo=UTC),
        story=story,
        copy_group=copy_group,
    )


VIEW_DOCS = (
    view_doc(
        1,
        "Gorbachev and Reagan meet in Reykjavik",
        day=(1987, 1, 10),
        actors=(GORBACHEV, REAGAN),
        countries=("SU", "US", "IS"),
        story=STORY,
    ),
    view_doc(
        2,
        "Summit ends without deal",
        day=(1987, 1, 12),
        actors=(GORBACHEV, REAGAN),
        countries=("SU", "US"),
        story=STORY,
        source="AP",
    ),
    view_doc(
        3,
        "Moscow reviews summit",
        day=(1987, 3, 2),
        actors=(GORBACHEV,),
        countries=("SU",),
        story=STORY,
    ),
    view_doc(
        4,
        "Kohl visits Washington",
        day=(1987, 6, 20),
        actors=(KOHL, REAGAN),
        countries=("US", "DE"),
    ),
    view_doc(
        5,
        "East Germany opens border",
        day=(1989, 11, 9),
        actors=(KOHL, GORBACHEV),
        countries=("DD", "DE", "SU"),
    ),
    view_doc(
        6,
        "East Germany opens border",
        day=(1989, 11, 9),
        actors=(KOHL, GORBACHEV),
        countries=("DD", "DE", "SU"),
        source="AP",
        copy_group="d000000000000006",
    ),
    view_doc(
        7,
        "East Germany opens border (copy)",
        day=(1989, 11, 10),
        actors=(KOHL, GORBACHEV),
        countries=("DD", "DE", "SU"),
        source="UPI",
        copy_group="d000000000000006",
    ),
    view_doc(
        8,
        "Velvet revolution in Prague",
        day=(1989, 11, 17),
        actors=(GORBACHEV,),
        countries=("CS", "SU"),
    ),
    view_doc(9, "Yugoslavia federal talks", day=(1991, 6, 25), countries=("YU",)),
    view_doc(10, "Undated profile of Gorbachev", day=None, actors=(GORBACHEV,), countries=("SU",)),
    view_doc(
        11,
        "A hostile name",
        day=(1988, 2, 1),
        actors=(HOSTILE, REAGAN),
        countries=("US",),
        source="<b>Bad</b>",
    ),
    view_doc(
        12, "Trade talks with Japan", day=(1987, 4, 3), actors=(REAGAN,), countries=("US", "JP")
    ),
)
# The applied alias table: the corpus pass renamed "Gorbachev" to the full name.
ALIASES = AliasTable(corpus={"Gorbachev": GORBACHEV})


def build_views_index(index_dir: Path) -> Settings:
    """A full Whoosh build of VIEW_DOCS plus the applied alias table."""
    settings = Settings(index_dir=index_dir)
    write_docs(SearchService(settings))
    save_applied(index_dir, ALIASES)
    return settings


def write_docs(service: SearchService) -> None:
    """VIEW_DOCS in one full batch through the service's backend."""
    writer = service.backend.writer(full=True)
    for doc in VIEW_DOCS:
        writer.add(doc)
    writer.commit()


# -- web fixtures (import them into a test module to use them) --------------------------


@pytest.fixture(scope="session")
def views_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The app over an index of VIEW_DOCS with the alias table."""
    settings = build_views_index(tmp_path_factory.mktemp("views-index"))
    return create_app({"SETTINGS": settings, "TESTING": True})


@pytest.fixture(scope="session")
def views_live_url(views_app: Flask) -> Iterator[str]:
    """The views app served by waitress on 127.0.0.1 (for the browser)."""
    with served(views_app) as url:
        yield url
