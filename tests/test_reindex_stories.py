"""Copies and stories through the real reindex: files on disk, NER, the Whoosh index."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from search.service import SearchService
from search.settings import Settings

QUAKE = (
    "A strong earthquake of magnitude 6.1 struck the Indonesian island of Sumatra on "
    "Tuesday, killing at least twelve people in the town of Padang and damaging hundreds "
    "of houses, officials of the national disaster agency said. Rescue teams from Jakarta "
    "searched collapsed buildings through the night while aftershocks shook the coast."
)
QUAKE_UPDATE = (
    "The death toll from Tuesday's earthquake on Sumatra rose to fifteen on Wednesday as "
    "rescuers in Padang pulled more bodies from the rubble, Indonesia's disaster agency said. "
    "The magnitude 6.1 quake damaged hundreds of houses and the government in Jakarta "
    "promised aid for families left homeless on the island."
)
RATES = (
    "The Bank of Japan kept its key interest rate unchanged on Thursday, Governor Kazuo Ueda "
    "told reporters in Tokyo, saying inflation in Japan was moving towards the two percent "
    "target but wages needed to rise further before the central bank tightened policy."
)


# Other news of the same days, so that word weights are those of an archive, not of four
# articles where every shared word is common.
OTHER_NEWS = [
    (
        "Harvest forecast cut",
        "Brazil's soybean harvest will be smaller than expected after "
        "a drought in Mato Grosso, the agriculture ministry in Brasilia said on Monday.",
    ),
    (
        "Carmaker recalls vans",
        "Ford Motor Co recalled 90,000 delivery vans in the United "
        "States over a faulty brake sensor, the company said in Detroit.",
    ),
    (
        "Strike closes ports",
        "Dock workers in Rotterdam and Antwerp walked out over pay, "
        "halting container traffic at Europe's two largest ports, unions said.",
    ),
    (
        "Election date set",
        "Kenya's electoral commission set the general election for "
        "August, its chairman told reporters in Nairobi after talks with the parties.",
    ),
    (
        "Copper hits high",
        "Copper rose to a two-year high on the London Metal Exchange as "
        "stocks fell and Chilean mines reported lower output, traders said.",
    ),
    (
        "Airline orders jets",
        "Qantas ordered twenty Airbus A350 jets for flights from "
        "Sydney to London and New York, its chief executive said in a statement.",
    ),
]


def _others(day: int) -> list[dict[str, str]]:
    return [
        _article(f"https://news.example/{n}", title, body, day, "Wire")
        for n, (title, body) in enumerate(OTHER_NEWS)
    ]


def _write(folder: Path, name: str, records: list[dict[str, str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = "\n".join(json.dumps(r) for r in records)
    (folder / name).write_text(lines + "\n", encoding="utf-8")


def _article(url: str, title: str, body: str, day: int, source: str) -> dict[str, str]:
    published = f"2024-03-{day:02d}T08:00:00Z"
    return {"url": url, "title": title, "body": body, "published": published, "source": source}


@pytest.fixture
def service(tmp_path: Path) -> SearchService:
    return SearchService(Settings(index_dir=tmp_path / "index", extract_workers=0))


def test_copies_collapse_and_stories_are_stable(service: SearchService, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    wire = _article("https://a.example/quake", "Quake kills 12 in Sumatra", QUAKE, 5, "Wire")
    reprint = _article("https://b.example/q", "Quake kills 12 in Sumatra", QUAKE, 6, "Daily")
    update = _article("https://c.example/q", "Sumatra toll rises", QUAKE_UPDATE, 6, "Post")
    rates = _article("https://d.example/boj", "BOJ holds rates", RATES, 7, "Wire")
    _write(folder, "a.jsonl", [reprint, rates])
    _write(folder, "b.jsonl", [update])
    _write(folder, "others.jsonl", _others(6))
    service.reindex([folder], full=True)

    page = service.search_params({"q": "earthquake Sumatra"})
    assert (page.total, page.articles) == (2, 2)  # the update is no copy of the reprint

    # The wire original, dated a day earlier, arrives in a later run: the reprint's copy
    # group is renamed after it, and the row shows one article with one copy.
    _write(folder, "c.jsonl", [wire])
    report = service.reindex([folder])
    assert report.indexed == 1
    page = service.search_params({"q": "earthquake Sumatra"})
    assert page.articles == 3
    rows = {h.title: h for h in page.hits}
    assert sum(h.copies for h in page.hits) == 1
    quake_ids = {h.id for h in service.search_params({"q": "Sumatra", "group": "none"}).hits}
    groups = {service.article(i).copy_group for i in quake_ids}
    assert len(groups) == 2  # wire + reprint, and the update

    stories = {service.article(i).story for i in quake_ids}
    assert len(stories) == 1, "the quake and its update are one story"
    (story_id,) = stories
    assert service.article(_id_of(service, "BOJ holds rates")).story != story_id
    story = service.story(story_id)
    assert story.size == 3 and rows

    # A full rebuild of the same articles keeps every id.
    before = {i: (service.article(i).copy_group, service.article(i).story) for i in quake_ids}
    service.reindex([folder], full=True)
    after = {i: (service.article(i).copy_group, service.article(i).story) for i in quake_ids}
    assert after == before


def test_removing_the_first_copy_renames_the_group(service: SearchService, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    wire = _article("https://a.example/quake", "Quake kills 12 in Sumatra", QUAKE, 5, "Wire")
    reprint = _article("https://b.example/q", "Quake kills 12 in Sumatra", QUAKE, 6, "Daily")
    _write(folder, "wire.jsonl", [wire])
    _write(folder, "reprint.jsonl", [reprint])
    service.reindex([folder], full=True)
    wire_id, reprint_id = _id_of(service, "Quake kills 12 in Sumatra", "Wire"), None
    reprint_id = _id_of(service, "Quake kills 12 in Sumatra", "Daily")
    assert service.article(reprint_id).copy_group == wire_id

    (folder / "wire.jsonl").unlink()
    report = service.reindex([folder])
    assert report.removed == 1
    assert service.article(reprint_id).copy_group in ("", reprint_id)


def _id_of(service: SearchService, title: str, source: str | None = None) -> str:
    params = {"q": f'title:"{title}"', "group": "none"}
    if source:
        params["source"] = source
    hits = service.search_params(params).hits
    assert hits, title
    return hits[0].id


def test_a_run_placed_in_several_calls_places_every_article(
    service: SearchService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs larger than ``PLACE_SIZE`` place their articles in several calls."""
    from search import indexing

    folder = tmp_path / "news"
    wire = _article("https://a.example/quake", "Quake kills 12 in Sumatra", QUAKE, 5, "Wire")
    reprint = _article("https://b.example/q", "Quake kills 12 in Sumatra", QUAKE, 6, "Daily")
    _write(folder, "a.jsonl", [wire, *_others(5)])
    _write(folder, "b.jsonl", [reprint])
    # Batches of 2 articles placed 3 at a time: the wire and its reprint in other calls.
    monkeypatch.setattr(indexing, "BATCH_SIZE", 2)
    monkeypatch.setattr(indexing, "PLACE_SIZE", 3)
    report = service.reindex([folder], full=True)
    assert report.indexed == 8

    copies = [
        service.article(i)
        for i in (_id_of(service, "Quake kills 12 in Sumatra", s) for s in ("Wire", "Daily"))
    ]
    assert copies[0].copy_group == copies[1].copy_group == copies[0].id
    assert copies[0].story == copies[1].story
    everyone = service.search_params({"q": "", "group": "none", "per_page": "50"}).hits
    assert len(everyone) == 8
    assert all(service.article(h.id).story for h in everyone), "every article is placed"


def test_a_stories_file_of_an_older_format_is_rebuilt(
    service: SearchService, tmp_path: Path
) -> None:
    """An index from an older Dateline reindexes (as a full rebuild), not an error."""
    import sqlite3

    from search import grouping
    from search.stories.store import SCHEMA_VERSION

    assert grouping.STORIES_FORMAT == SCHEMA_VERSION
    folder = tmp_path / "news"
    _write(folder, "a.jsonl", _others(5))
    service.reindex([folder])
    path = tmp_path / "index" / grouping.STORIES_FILE
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = 'an older format' WHERE key = 'schema'")
    db.close()
    report = service.reindex([folder])
    assert report.full and report.indexed == len(OTHER_NEWS)
    hits = service.search_params({"q": "", "group": "none"}).hits
    assert hits and all(service.article(h.id).story for h in hits)


def _placements(service: SearchService) -> dict[str, tuple[str, str]]:
    everyone = service.search_params({"q": "", "group": "none", "per_page": "50"}).hits
    return {h.id: (service.article(h.id).copy_group, service.article(h.id).story) for h in everyone}


def test_a_child_process_places_a_large_build_as_this_process_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A staged build of two placing calls or more is placed by a child process while the
    parent writes (``search.placing``): the same copy groups and stories, call for call."""
    from search import indexing

    folder = tmp_path / "news"
    wire = _article("https://a.example/quake", "Quake kills 12 in Sumatra", QUAKE, 5, "Wire")
    reprint = _article("https://b.example/q", "Quake kills 12 in Sumatra", QUAKE, 6, "Daily")
    update = _article("https://c.example/q", "Sumatra toll rises", QUAKE_UPDATE, 6, "Post")
    rates = _article("https://d.example/boj", "BOJ holds rates", RATES, 7, "Wire")
    _write(folder, "a.jsonl", [wire, *_others(5), rates])
    _write(folder, "b.jsonl", [reprint, update])
    monkeypatch.setattr(indexing, "PLACE_SIZE", 3)  # 10 articles: 4 calls, the last of 1

    placed = {}
    for where, child_from in (("here", 1_000), ("child", 6)):
        monkeypatch.setattr(indexing, "PLACE_IN_CHILD_FROM", child_from)
        service = SearchService(Settings(index_dir=tmp_path / where, extract_workers=0))
        report = service.reindex([folder], full=True)
        assert report.indexed == 10 and not report.skipped
        assert ("place_wait" in report.timings) == (where == "child")
        placed[where] = _placements(service)
    assert len(placed["child"]) == 10
    assert all(story for _, story in placed["child"].values()), "every article is placed"
    assert placed["child"] == placed["here"]


@pytest.mark.slow
def test_the_placing_child_writes_to_typesense_as_to_whoosh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both engines: a Typesense build placed by the child holds Whoosh's placements."""
    from search import indexing
    from tests.typesense_helpers import start_cluster, ts_settings

    folder = tmp_path / "news"
    wire = _article("https://a.example/quake", "Quake kills 12 in Sumatra", QUAKE, 5, "Wire")
    reprint = _article("https://b.example/q", "Quake kills 12 in Sumatra", QUAKE, 6, "Daily")
    _write(folder, "a.jsonl", [wire, *_others(5), reprint])
    monkeypatch.setattr(indexing, "PLACE_SIZE", 3)
    monkeypatch.setattr(indexing, "PLACE_IN_CHILD_FROM", 6)
    whoosh = SearchService(Settings(index_dir=tmp_path / "whoosh", extract_workers=0))
    whoosh.reindex([folder], full=True)
    cluster = start_cluster(1)
    try:
        settings = ts_settings(cluster, tmp_path / "ts", "placing")
        typesense = SearchService(dataclasses.replace(settings, extract_workers=0))
        report = typesense.reindex([folder], full=True)
        assert report.indexed == 8 and "place_wait" in report.timings
        assert _placements(typesense) == _placements(whoosh)
    finally:
        cluster.stop()


def test_a_child_that_cannot_place_fails_the_run_and_keeps_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from search import grouping, indexing
    from search.errors import BackendError

    folder = tmp_path / "news"
    _write(folder, "a.jsonl", _others(5))
    service = SearchService(Settings(index_dir=tmp_path / "index", extract_workers=0))
    service.reindex([folder], full=True)
    before = _placements(service)

    # The stories file replaced by a folder: the child cannot open it.
    path = tmp_path / "index" / grouping.STORIES_FILE
    path.unlink()
    path.mkdir()
    monkeypatch.setattr(indexing, "PLACE_SIZE", 2)
    monkeypatch.setattr(indexing, "PLACE_IN_CHILD_FROM", 4)
    with pytest.raises(BackendError, match="stories file"):
        service.reindex([folder], full=True)
    path.rmdir()
    assert _placements(service) == before, "the live index is untouched"


def test_a_killed_placing_child_is_an_error_the_user_can_act_on(tmp_path: Path) -> None:
    from search.aliases import AliasTable
    from search.errors import BackendError
    from search.models import Article, Entities
    from search.placing import place_in_child
    from search.staging import StagedArticles

    staged = StagedArticles(tmp_path)
    for n in range(4):  # calls larger than a pipe's buffer: the child waits to send each
        body = f"Story {n}. " + " ".join(f"word{n}x{i}" for i in range(20_000))
        staged.add(Article(id=f"a{n}", key=f"k{n}", title=f"T{n}", body=body), Entities(), ())
    calls = place_in_child(staged, AliasTable(), tmp_path, datetime.now(UTC), {}, 1)
    first = next(calls)
    assert [d.id for d in first.docs] == ["a0"] and first.docs[0].story
    children = _placing_children()
    assert len(children) == 1
    os.kill(children[0], signal.SIGKILL)
    with pytest.raises(BackendError, match="killed by signal 9.*run the reindex again"):
        list(calls)
    staged.close()


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


# A full rebuild placed by a child process, for the kill test: calls of one article.
_PLACE_IN_CHILD = """
import sys
from pathlib import Path
from search import indexing
from search.service import SearchService
from search.settings import Settings
indexing.PLACE_SIZE, indexing.PLACE_IN_CHILD_FROM = 1, 2
service = SearchService(Settings(index_dir=Path(sys.argv[1]), extract_workers=0))
service.reindex([Path(sys.argv[2])], full=True)
"""


def test_a_rebuild_killed_while_its_child_places_leaves_no_orphan_and_loses_nothing(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys
    import time

    from tests.reliability_helpers import indexed_documents, write_corpus

    folder, index = tmp_path / "news", tmp_path / "index"
    write_corpus(folder, 60)
    service = SearchService(Settings(index_dir=index, extract_workers=0))
    service.reindex([folder], full=True)
    before = indexed_documents(index)

    run = subprocess.Popen([sys.executable, "-c", _PLACE_IN_CHILD, str(index), str(folder)])
    deadline = time.monotonic() + 120
    while not _placing_children(run.pid) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    placing = _placing_children(run.pid)
    run.kill()
    run.wait(timeout=30)
    assert placing, "the rebuild placed its articles in a child process"
    deadline = time.monotonic() + 10
    # Orphaned, it would be re-parented (to init): look for it by pid.
    while any(map(_alive, placing)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(_alive, placing)), "the child died with its parent"

    after = indexed_documents(index)
    assert {i: (d.story, d.copy_group) for i, d in after.items()} == {
        i: (d.story, d.copy_group) for i, d in before.items()
    }, "the live index is untouched"
    report = service.reindex([folder], full=True)
    assert report.indexed == 60
    assert all(d.story for d in indexed_documents(index).values()), "every article placed"


def _placing_children(parent: int | None = None) -> list[int]:
    """Processes running ``python -m search.placing`` whose parent is ``parent`` (this
    process by default): another test run on the machine may have its own."""
    parent = os.getpid() if parent is None else parent
    return [
        int(p.name)
        for p in Path("/proc").iterdir()
        if p.name.isdigit()
        and b"search.placing" in _read(p / "cmdline")
        and f"\nPPid:\t{parent}\n".encode() in _read(p / "status")
    ]


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it is dead)."""
    status = _read(Path(f"/proc/{pid}/status"))
    return bool(status) and b"\nState:\tZ" not in status
