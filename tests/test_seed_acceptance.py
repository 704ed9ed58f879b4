"""Issue 2's acceptance on the user's seed article, through the CLI and the service."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.models import compose_text
from search.places import resolve_country
from search.service import SearchService
from search.settings import Settings
from tests.conftest import SEED_FILE, SEEDS
from web.cli import main

EXPECTED_ACTORS = {"Vladimir Putin", "Abbas Araghchi", "Dmitry Peskov", "Donald Trump"}
EXPECTED_COUNTRIES = {"RU", "IR", "US", "IL", "SY"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("cli-index")
    result = CliRunner().invoke(main, ["--index", str(index), "reindex", str(SEEDS)])
    assert result.exit_code == 0, result.output
    return index


def run(index: Path, *args: str) -> dict:
    result = CliRunner().invoke(main, ["--index", str(index), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_search_putin_finds_the_seed_with_its_entities(seed_index: Path) -> None:
    page = run(seed_index, "search", "Putin", "--json")
    assert page["total"] == 1
    doc = SearchService(Settings(index_dir=seed_index)).article(page["hits"][0]["id"])
    assert EXPECTED_ACTORS <= set(doc.actors)
    assert "Putin" not in doc.actors
    assert "Russia Keeps Its Distance" not in doc.actors
    assert set(doc.countries) == EXPECTED_COUNTRIES
    assert "Leave a Reply" not in doc.body
    assert doc.published is not None and doc.published.date().isoformat() == "2025-06-23"


def test_filters_and_facets(seed_index: Path) -> None:
    page = run(seed_index, "search", "strikes", "--country", "SY", "--json")
    assert page["total"] == 1
    countries = {v["value"]: v["count"] for v in page["facets"]["country"]["values"]}
    assert countries == dict.fromkeys(EXPECTED_COUNTRIES, 1)
    actors = {v["value"]: v["count"] for v in page["facets"]["actor"]["values"]}
    assert {a: actors.get(a) for a in EXPECTED_ACTORS} == dict.fromkeys(EXPECTED_ACTORS, 1)
    assert run(seed_index, "search", "strikes", "--country", "FR", "--json")["total"] == 0


def test_reindex_twice_keeps_one_document(seed_index: Path) -> None:
    result = CliRunner().invoke(main, ["--index", str(seed_index), "reindex", "--json", str(SEEDS)])
    report = json.loads(result.output)
    assert (report["indexed"], report["unchanged"], report["documents"]) == (0, 1, 1)


def test_reindex_over_an_index_of_another_version_rebuilds_it(tmp_path: Path) -> None:
    from whoosh import index  # only to fake an index written by an older Dateline

    from search.backends.whoosh.schema import WORDS_FIELD, build_schema, to_fields
    from search.models import IndexDocument

    gen = tmp_path / "index" / "gen-000001"
    gen.mkdir(parents=True)
    schema = build_schema()
    schema.remove(WORDS_FIELD)  # before the vocabulary field
    old = to_fields(
        IndexDocument(id="old", key="/gone.txt", title="Old", body="Old.", content_hash="h")
    )
    del old[WORDS_FIELD]
    writer = index.create_in(str(gen), schema).writer()
    writer.add_document(**old)
    writer.commit()
    (tmp_path / "index" / "CURRENT").write_text("gen-000001\n")
    args = ["--index", str(tmp_path / "index"), "reindex", "--json", str(SEEDS)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["full"], report["indexed"], report["removed"], report["documents"]) == (
        True,
        1,
        1,
        1,
    )


def test_extract_offsets_match_surfaces() -> None:
    result = CliRunner().invoke(main, ["extract", str(SEED_FILE), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    text = compose_text(data["title"], data["body"])
    actors = {a["name"] for a in data["actors"]}
    assert data["mentions"]
    for m in data["mentions"]:
        surface = text[m["start"] : m["end"]]
        if m["type"] == "country":  # "Tehran", "Iranian", "the United States"
            assert resolve_country(surface) == m["value"], m
        elif m["type"] in ("person", "org"):  # "Peskov" for Dmitry Peskov
            assert m["value"] in actors and surface.split()[-1] in m["value"], m
    assert EXPECTED_ACTORS <= actors
    assert {c["code"] for c in data["countries"]} == EXPECTED_COUNTRIES


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "x", "--page", "0"], "page must be between 1 and 10000"),
        (["search", "x", "--per-page", "1000"], "per_page must be between 1 and 100"),
        (["search", "x", "--from", "notadate"], "from must be YYYY"),
        (["reindex", "/no/such/folder"], "/no/such/folder: no such file or folder"),
        (["extract", "/no/such/file.txt"], "/no/such/file.txt: no such file or folder"),
    ],
)
def test_cli_errors_are_one_line_not_a_traceback(
    seed_index: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(main, ["--index", str(seed_index), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_search_without_index_says_to_reindex(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--index", str(tmp_path / "none"), "search", "putin"])
    assert result.exit_code == 1
    assert "dateline reindex" in result.output
