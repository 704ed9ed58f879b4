"""The actor alias table: archive-wide aliases and the file users edit, on a real index."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from search.aliases import AliasFileError, AliasTable, read_user_file
from search.backends.typesense.server import Cluster
from search.service import SearchService
from search.settings import Settings
from tests.typesense_helpers import start_cluster, ts_settings

ARTICLES = {
    "a.txt": "President Ronald Reagan said on Monday that General Motors Corp would build "
    "a plant. Reagan said the plan was good.",
    "b.txt": "Ronald Reagan met leaders of General Motors Corp in Washington on Tuesday.",
    "c.txt": "Reagan told reporters that GM had agreed. The Reagan Administration welcomed it.",
    "d.txt": "Shares of GM rose on Wednesday in New York.",
}


def write_articles(folder: Path) -> Path:
    folder.mkdir()
    for name, body in ARTICLES.items():
        (folder / name).write_text(body, encoding="utf-8")
    return folder


def actor_counts(service: SearchService) -> dict[str, int]:
    return dict(service.facet_values("actor", "", 500))


def test_user_file_format(tmp_path: Path) -> None:
    path = tmp_path / "aliases.toml"
    assert read_user_file(path) == ({}, frozenset())  # absent: nothing
    path.write_text('not_actors = ["Libor"]\n[aliases]\n"Fed" = "Federal Reserve"\n')
    assert read_user_file(path) == ({"Fed": "Federal Reserve"}, frozenset({"Libor"}))
    for bad in ("[aliases\n", "not_actors = 3\n", "[aliases]\nFed = 3\n", "other = 1\n"):
        path.write_text(bad)
        with pytest.raises(AliasFileError, match=str(path)):
            read_user_file(path)


def test_table_order() -> None:
    table = AliasTable(
        corpus={"Reagan": "Ronald Reagan", "GM": "General Motors Corp"},
        user={"General Motors Corp": "General Motors", "g.m.": "General Motors"},
        never=frozenset({"Libor"}),
    )
    assert table.canonical("Reagan") == "Ronald Reagan"
    assert table.canonical("GM") == "General Motors"  # the user's name wins, through the chain
    assert table.canonical("G.M.") == "General Motors"  # any spelling of a user's name
    assert table.canonical("LIBOR") is None
    assert set(table.inverse()["General Motors"]) == {"General Motors Corp", "g.m.", "GM"}


def test_a_derived_alias_renames_every_case_of_its_name() -> None:
    """Derived aliases are decided on facet values, one per case-insensitive spelling: the
    articles holding another case of the shown spelling are renamed too."""
    table = AliasTable(corpus={"DuPont": "Dupont Co"})
    assert table.canonical("Dupont") == table.canonical("DUPONT") == "Dupont Co"
    # Deciding a name anew drops the earlier decision about any case of it.
    assert not AliasTable(corpus={"DuPont": "Dupont Co"}).with_corpus({}, ["Dupont"]).corpus


@pytest.fixture(scope="module")
def node() -> Iterator[Cluster]:
    cluster = start_cluster(1)
    yield cluster
    cluster.stop()


@pytest.fixture(params=["whoosh", "typesense"])
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def make(engine: str, index_dir: Path, request: pytest.FixtureRequest) -> SearchService:
    """A service on either engine (a Typesense node only when that engine is asked for)."""
    if engine == "whoosh":
        return SearchService(Settings(index_dir=index_dir, extract_workers=1))
    node: Cluster = request.getfixturevalue("node")
    settings = ts_settings(node, index_dir, f"aliases_{index_dir.parent.name[-12:]}")
    return SearchService(replace(settings, extract_workers=1))


def test_archive_aliases_and_user_file_without_ner(
    tmp_path: Path, engine: str, request: pytest.FixtureRequest
) -> None:
    folder = write_articles(tmp_path / "articles")
    index_dir = tmp_path / "index"
    service = make(engine, index_dir, request)
    report = service.reindex([folder])
    counts = actor_counts(service)
    assert counts["Ronald Reagan"] == 3 and counts["General Motors Corp"] == 4
    assert not {"Reagan", "GM", "Reagan Administration"} & set(counts)
    # A first build names its documents by the table derived before they are written.
    assert report.renamed == 0
    assert "Reagan" in service.also_known_as("Ronald Reagan")

    # The user's file is applied by the next reindex from the extracted entities: no NER.
    (index_dir / "aliases.toml").write_text(
        'not_actors = ["Reagan"]\n[aliases]\n"GM" = "G.M. Corp"\n'
    )
    report = service.reindex([folder])
    assert (report.indexed, report.unchanged) == (0, 4)
    counts = actor_counts(service)
    assert counts["G.M. Corp"] == 2 and counts["General Motors Corp"] == 2
    doc = service.article(service.search_params({"q": ["told"]}).hits[0].id)
    assert "G.M. Corp" in doc.actors and "GM" not in doc.actors
    assert any(s.value == "G.M. Corp" for s in doc.spans)

    # Removing the entries undoes them.
    (index_dir / "aliases.toml").unlink()
    service.reindex([folder])
    assert actor_counts(service)["General Motors Corp"] == 4


def test_a_full_rebuild_derives_the_aliases_anew(tmp_path: Path) -> None:
    """A derived alias outlives the names it renamed (an incremental run keeps it); a full
    rebuild decides every alias again from the archive, so a wrong one goes."""
    from search.aliases import load_applied, save_applied

    folder = write_articles(tmp_path / "articles")
    index_dir = tmp_path / "index"
    service = SearchService(Settings(index_dir=index_dir, extract_workers=1))
    service.reindex([folder])
    applied = load_applied(index_dir)
    assert applied.corpus["GM"] == "General Motors Corp"
    # A wrong decision about a name no document holds any more (GM was renamed).
    save_applied(index_dir, replace(applied, corpus={**applied.corpus, "GM": "Ronald Reagan"}))
    (folder / "e.txt").write_text("Shares of GM fell on Thursday in Detroit.")
    service.reindex([folder])
    assert actor_counts(service)["Ronald Reagan"] == 4  # the new article, named by it

    service.reindex([folder], full=True)
    counts = actor_counts(service)
    assert (counts["General Motors Corp"], counts["Ronald Reagan"]) == (5, 3)
    assert load_applied(index_dir).corpus["GM"] == "General Motors Corp"


def test_bad_alias_file_is_a_clear_error_and_keeps_the_index(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "articles")
    index_dir = tmp_path / "index"
    service = SearchService(Settings(index_dir=index_dir, extract_workers=1))
    service.reindex([folder])
    (index_dir / "aliases.toml").write_text("[aliases\n")
    with pytest.raises(AliasFileError, match="not valid TOML"):
        service.reindex([folder], full=True)
    assert service.backend.count() == 4
