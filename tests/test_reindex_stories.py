"""Copies and stories through the real reindex: files on disk, NER, the Whoosh index."""

from __future__ import annotations

import json
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
